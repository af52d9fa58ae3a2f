"""Shared fixtures: three users in two tenants, real Redis, and tiny media made on the spot.

alice is tenant A's admin, bob is a coach in tenant A, charlie is tenant B's admin.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import connection
from django.http import HttpRequest

from cultivate.accounts.models import Membership
from tests.factories import PASSWORD, MembershipFactory, TenantFactory

ROOT = Path(__file__).resolve().parents[1]

# What the test clips say. Spoken by espeak-ng: a teacher voice, then a child voice.
TEACHER_LINE = "Good morning everyone. Today we are going to learn about plants and how they grow."
CHILD_LINE = "I think a seed needs water and sunshine to grow big."


def words(text: str) -> set[str]:
    return {w.strip(".,?!").lower() for w in text.split() if w.strip(".,?!")}


def overlap(expected: str, got: str) -> float:
    """Share of the expected words that the transcript contains."""
    want = words(expected)
    return len(want & words(got)) / len(want)


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    """A folder of small test recordings, good and bad, generated once per run."""
    for tool in ("espeak-ng", "ffmpeg"):
        assert shutil.which(tool), f"{tool} is missing: make test installs it"
    d = tmp_path_factory.mktemp("media")
    _run("espeak-ng", "-v", "en-us", "-s", "150", "-w", str(d / "teacher.wav"), TEACHER_LINE)
    _run("espeak-ng", "-v", "en-us+f4", "-p", "80", "-s", "140", "-w", str(d / "child.wav"), CHILD_LINE)
    # Two speakers with a pause between, as 16-bit WAV, FLAC, and a 720p H.264/AAC video.
    _run(
        "ffmpeg", "-v", "error", "-y", "-i", str(d / "teacher.wav"), "-f", "lavfi", "-t", "1.0",
        "-i", "anullsrc=r=22050:cl=mono", "-i", str(d / "child.wav"),
        "-filter_complex", "[0][1][2]concat=n=3:v=0:a=1", "-ar", "22050", str(d / "lesson.wav"),
    )  # fmt: skip
    _run("ffmpeg", "-v", "error", "-y", "-i", str(d / "lesson.wav"), str(d / "lesson.flac"))
    _run(
        "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25",
        "-i", str(d / "lesson.wav"), "-shortest", "-c:v", "libx264", "-preset", "ultrafast",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", str(d / "lesson.mp4"),
    )  # fmt: skip
    _run(
        "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(d / "silent-video.mp4"),
    )  # fmt: skip
    (d / "empty.mp4").write_bytes(b"")
    (d / "notes.mp4").write_text("These are my lesson notes, not a video.\n")
    (d / "report.mp4").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    full = (d / "lesson.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(full[: len(full) // 2])  # moov first, media cut off
    (d / "headless.mp4").write_bytes(full[len(full) // 2 :])  # the end of a file only
    return d


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "cultivate-test"


@pytest.fixture
def redis_queues():
    """The real RQ queues (high, default, low, then webhooks), emptied before and after the test."""
    queues = [django_rq.get_queue(name) for name in ("high", "default", "low", "webhooks")]
    for q in queues:
        q.empty()
    yield queues
    for q in queues:
        q.empty()


@pytest.fixture
def tenant_a(db):
    return TenantFactory(name="Maple Elementary", slug="maple")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(name="Oak Academy", slug="oak")


@pytest.fixture
def alice(tenant_a):
    return MembershipFactory(user__username="alice", tenant=tenant_a, role=Membership.Role.ADMIN).user


@pytest.fixture
def bob(tenant_a):
    return MembershipFactory(user__username="bob", tenant=tenant_a, role=Membership.Role.COACH).user


@pytest.fixture
def charlie(tenant_b):
    return MembershipFactory(user__username="charlie", tenant=tenant_b, role=Membership.Role.ADMIN).user


@pytest.fixture
def vera(tenant_a):
    """A viewer in tenant A."""
    return MembershipFactory(user__username="vera", tenant=tenant_a, role=Membership.Role.VIEWER).user


def worker_env(**extra: str) -> dict:
    """Environment for a worker process on the test database, Redis and media folder."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CHANNELS_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        **extra,
    }


WORKER_COMMAND = [sys.executable, "manage.py", "rqworker", "high", "default", "low", "--burst",
                  "--worker-class", "rq.worker.SimpleWorker"]  # fmt: skip


# The webhook delivery worker: a queue and a process of its own, as `make run` starts it.
DELIVERY_WORKER_COMMAND = [sys.executable, "manage.py", "rqworker", "webhooks", "--burst",
                           "--worker-class", "rq.worker.SimpleWorker"]  # fmt: skip


def run_delivery_worker(**env: str) -> subprocess.CompletedProcess:
    """``manage.py rqworker webhooks --burst``: sends the deliveries waiting on their queue."""
    return subprocess.run(
        DELIVERY_WORKER_COMMAND, cwd=ROOT, env=worker_env(**env), capture_output=True, text=True, timeout=300
    )


def run_worker_process(**env: str) -> subprocess.CompletedProcess:
    """``manage.py rqworker --burst`` in its own process, on the test database and Redis."""
    return subprocess.run(WORKER_COMMAND, cwd=ROOT, env=worker_env(**env), capture_output=True, text=True, timeout=300)


def start_worker_process(**env: str) -> subprocess.Popen:
    """The same worker, started and left running (to be killed or waited for)."""
    return subprocess.Popen(
        WORKER_COMMAND, cwd=ROOT, env=worker_env(**env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def login(client, user):
    # The sign-in throttle (django-axes) wants a request in authenticate(); the test client's
    # login() has none of its own.
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def uploaded(path: Path) -> TemporaryUploadedFile:
    """A file as Django's upload handler hands it to a view."""
    data = path.read_bytes()
    upload = TemporaryUploadedFile(path.name, "application/octet-stream", len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload


# --- Real server processes: the web as `manage.py serve` starts it ----------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process under it (uvicorn's parent and its worker processes)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def tree_rss(pid: int) -> int:
    """Resident memory (VmRSS) of ``pid`` and every process under it, in bytes."""
    total = 0
    for p in process_tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def wait_for_http(url: str, seconds: float = 90) -> int:
    """The status of the first answer from ``url`` (4xx and 5xx included), waiting for the server."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def start_web_server(port: int, log: Path, **env: str) -> subprocess.Popen:
    """The web server exactly as ``manage.py serve`` starts it (its ``web_command``), on the test
    database and Redis, logging to ``log``; its own process group (stop_process_group)."""
    from dashboard.management.commands.serve import web_command

    with open(log, "ab") as out:
        return subprocess.Popen(
            web_command("127.0.0.1", port),
            cwd=ROOT,
            env=worker_env(PYTHONUNBUFFERED="1", **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process_group(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the process group ``proc`` leads, SIGKILL if it is still there after ``timeout``."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
