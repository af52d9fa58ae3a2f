"""A crashed process must not take the product down: `manage.py serve` (what `make run` starts)
starts again whichever child dies, the web answers meanwhile, and a job whose worker was killed
finishes. Real processes, real kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from cultivate.accounts import services as accounts
from cultivate.supervisor import Supervisor
from tests.conftest import ROOT, free_port, wait_for_http, worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A marker in each child's command line.
KINDS = {
    "web": "serve --web-only",
    "worker": "rqworker high default low",
    "delivery": "rqworker webhooks",
    "reconciler": "manage.py reconcile",
    "redis": "redis-server",
}
NEW_PROCESS_WITHIN_S = 30


def children(pid: int) -> dict[int, str]:
    """The direct children of ``pid`` and their command lines."""
    found = {}
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            found[int(child)] = cmdline
    return found


def child_of_kind(serve_pid: int, kind: str) -> int | None:
    return next((pid for pid, cmd in children(serve_pid).items() if KINDS[kind] in cmd), None)


def wait_for_new_child(serve_pid: int, kind: str, old_pid: int) -> int:
    deadline = time.monotonic() + NEW_PROCESS_WITHIN_S
    while time.monotonic() < deadline:
        pid = child_of_kind(serve_pid, kind)
        if pid is not None and pid != old_pid:
            return pid
        time.sleep(0.2)
    raise AssertionError(f"no new {kind} process within {NEW_PROCESS_WITHIN_S} s")


@pytest.fixture
def serve(tmp_path):
    """`manage.py serve` on a free port, the test database, and a Redis it starts itself."""
    web_port, redis_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    env = worker_env(
        DATA_DIR=str(tmp_path / "data"),
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        SECRET_KEY=settings.SECRET_KEY,
        DEMO_ADMIN_PASSWORD="a demo password",
        PYTHONUNBUFFERED="1",
        WEB_WORKERS="2",
        JOB_HEARTBEAT_S="1",
        JOB_LOST_AFTER_S="5",
        RECONCILE_EVERY_S="2",
    )
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(web_port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{web_port}"
    try:
        assert wait_for_http(f"{base}/health") == 200
        yield proc, base, log
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def health(base: str) -> int:
    with urllib.request.urlopen(f"{base}/health", timeout=10) as response:
        return response.status


def test_it_restarts_each_child_that_dies_and_keeps_the_web_answering(serve):
    proc, base, log = serve
    for kind in ("worker", "delivery", "reconciler", "redis"):
        old = child_of_kind(proc.pid, kind)
        assert old, f"no {kind} running"
        os.kill(old, signal.SIGKILL)
        assert health(base) == 200  # the web answers while that child is down
        wait_for_new_child(proc.pid, kind, old)
    old_web = child_of_kind(proc.pid, "web")
    os.kill(old_web, signal.SIGKILL)
    wait_for_new_child(proc.pid, "web", old_web)
    assert wait_for_http(f"{base}/health") == 200  # answering again once the new web is up
    assert proc.poll() is None  # nothing of this stopped serve

    everything = list(children(proc.pid))
    proc.send_signal(signal.SIGTERM)  # only Ctrl-C or SIGTERM stop it all
    assert proc.wait(timeout=60) == 0
    out = log.read_text()
    for name in ("web", "worker 1", "delivery", "reconciler", "redis"):
        assert f"{name} exited (-9); restarting in 1 s" in out, out
    assert "restarts: redis " in out  # the count of each, when serve stops
    for pid in everything:  # every child stopped with it
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_it_finishes_the_job_of_a_worker_killed_mid_job(serve, tenant_a, bob, media_dir):
    proc, base, _ = serve
    _, key = accounts.apikey_create(tenant=tenant_a, name="supervisor test", role="coach")
    auth = {"Authorization": f"Bearer {key}"}
    job = _submit(base, auth, media_dir / "lesson.wav")
    _wait_for_status(base, auth, job, {"running"})
    worker = child_of_kind(proc.pid, "worker")
    os.kill(worker, signal.SIGKILL)
    assert health(base) == 200
    wait_for_new_child(proc.pid, "worker", worker)
    state = _wait_for_status(base, auth, job, {"succeeded", "failed", "cancelled"}, seconds=600)
    assert state["status"] == "succeeded", state
    assert state["attempts"] >= 2  # the killed attempt, then the one that finished


def _submit(base: str, auth: dict, path: Path) -> str:
    boundary = "cultivate-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="render"\r\n\r\nfalse\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{base}/api/v1/jobs",
        data=body,
        headers={**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 202
        return json.loads(response.read())["id"]


def _wait_for_status(base: str, auth: dict, job_id: str, wanted: set[str], seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        request = urllib.request.Request(f"{base}/api/v1/jobs/{job_id}", headers=auth)
        with urllib.request.urlopen(request, timeout=30) as response:
            state = json.loads(response.read())
        if state["status"] in wanted:
            return state
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} never reached {wanted}; last {state}")


# --- the supervisor alone ---------------------------------------------------------------------


def test_it_backs_off_doubling_and_counts_restarts():
    said = []
    supervisor = Supervisor(said.append, first_backoff_s=0.01, max_backoff_s=0.04, stable_after_s=3600)
    child = supervisor.start("crasher", [sys.executable, "-c", "raise SystemExit(3)"])
    try:
        deadline = time.monotonic() + 60
        while child.restarts < 4 and time.monotonic() < deadline:
            supervisor.check()
            time.sleep(0.005)
    finally:
        supervisor.stop()
    deaths = [line for line in said if line.startswith("crasher exited (3)")]
    assert deaths[:4] == [
        "crasher exited (3); restarting in 0.01 s (restart 1)",
        "crasher exited (3); restarting in 0.02 s (restart 2)",
        "crasher exited (3); restarting in 0.04 s (restart 3)",
        "crasher exited (3); restarting in 0.04 s (restart 4)",  # at most max_backoff_s
    ]


def test_it_stops_children_last_started_first(tmp_path):
    stopped = tmp_path / "stopped"
    supervisor = Supervisor(lambda line: None)

    def child(name: str) -> list[str]:
        code = (
            "import signal, sys, time\n"
            "def stop(*_):\n"
            f"    open({str(stopped)!r}, 'a').write({name!r} + '\\n')\n"
            "    sys.exit(0)\n"
            "signal.signal(signal.SIGTERM, stop)\n"
            f"open({str(tmp_path / name)!r}, 'w').close()\n"
            "time.sleep(600)\n"
        )
        return [sys.executable, "-c", code]

    for name in ("redis", "web", "worker"):
        supervisor.start(name, child(name))
    deadline = time.monotonic() + 60
    while not all((tmp_path / n).exists() for n in ("redis", "web", "worker")) and time.monotonic() < deadline:
        time.sleep(0.05)  # each has its SIGTERM handler in place
    procs = [c.proc for c in supervisor.children]
    supervisor.stop()
    assert stopped.read_text().split() == ["worker", "web", "redis"]
    assert all(p.returncode == 0 for p in procs)
