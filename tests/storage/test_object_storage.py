"""Object storage for real: an S3 server (moto's) and Azure Blob (Azurite), as the product runs
past one machine.

The web (this process) and the worker (a process of its own, in a scratch folder of its own)
share no disk: only the database, Redis and the bucket. On each backend a lesson goes through
end to end: a chunked upload whose chunks wait in the bucket, the analysis in the worker, the
result and clips in the bucket, the backend's own signed download links, a share link, a
conversion in the worker, and deleting the jobs and the recording leaves the bucket empty.

The emulators are test tools ``make test`` installs (moto from requirements-dev.txt, Azurite
from package.json): a missing one fails these tests, it does not skip them.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import httpx
import pytest
from azure.storage.blob import ContainerClient
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from jobs import layout, services
from jobs.media import chunked, conversions, uploads
from jobs.models import Job, UploadSession, Video
from tests.api.conftest import key_client
from tests.conftest import ROOT, free_port, login, run_worker_process, stop_process_group
from tests.dialogue import Turn
from tests.dialogue import render as render_dialogue

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

CHUNK = 256 * 1024
MOTO_SERVER = Path(sys.executable).parent / "moto_server"
AZURITE_BLOB = ROOT / "node_modules" / ".bin" / "azurite-blob"
# Azurite's account and key for development, as its documentation publishes them (they guard nothing).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


# --- The emulators, and a bucket on one ------------------------------------------------------


class S3Bucket:
    """A bucket on moto's S3 server, read through boto3 (not through the product)."""

    backend = "storages.backends.s3.S3Storage"
    django_backend = backend

    def __init__(self, endpoint: str, name: str) -> None:
        keys = {"access_key": "testing", "secret_key": "testing-secret", "region_name": "us-east-1"}
        self.endpoint, self.name = endpoint, name
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=keys["access_key"],
            aws_secret_access_key=keys["secret_key"],
            region_name=keys["region_name"],
        )
        self.client.create_bucket(Bucket=name)
        self.options = {"bucket_name": name, "endpoint_url": endpoint, **keys}

    def names(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=name)["Body"].read()


class AzureContainer:
    """A container on Azurite, read through the Azure SDK (not through the product)."""

    backend = "storages.backends.azure_storage.AzureStorage"  # what an operator writes...
    django_backend = "cultivate.storage.AzureStorage"  # ...and what settings make of it

    def __init__(self, endpoint: str, name: str) -> None:
        self.endpoint, self.name = endpoint, name
        connection_string = (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint={endpoint}/{AZURITE_ACCOUNT};"
        )
        self.client = ContainerClient.from_connection_string(connection_string, name)
        self.client.create_container()
        self.options = {"connection_string": connection_string, "azure_container": name}

    def names(self) -> list[str]:
        return sorted(blob.name for blob in self.client.list_blobs())

    def read(self, name: str) -> bytes:
        return self.client.download_blob(name).readall()


BUCKETS = {"s3": S3Bucket, "azure": AzureContainer}


def _wait_for_port(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_process_group(proc)
                pytest.fail(f"the emulator did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)


@pytest.fixture(scope="module", params=["s3", "azure"])
def emulator(request, tmp_path_factory):
    """moto's S3 server or Azurite's blob service on a free port, in a folder of its own:
    ``(kind, endpoint)``. Started once per module and backend; each test makes its own bucket."""
    kind = request.param
    folder = tmp_path_factory.mktemp(f"{kind}-emulator")
    port = free_port()
    if kind == "s3":
        tool, command = MOTO_SERVER, [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)]
    else:
        tool = AZURITE_BLOB
        command = [str(AZURITE_BLOB), "--blobHost", "127.0.0.1", "--blobPort", str(port),
                   "--location", str(folder / "data"), "--silent", "--skipApiVersionCheck"]  # fmt: skip
    if not tool.exists():
        pytest.fail(
            f"{tool} is missing: `make test` installs it "
            f"({'moto[server] from requirements-dev.txt' if kind == 's3' else 'azurite from package.json'})"
        )
    log = folder / "emulator.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=folder, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    _wait_for_port(proc, port, log)
    try:
        yield kind, f"http://127.0.0.1:{port}"
    finally:
        stop_process_group(proc, timeout=1)  # Azurite waits for idle client connections otherwise


@pytest.fixture
def bucket(emulator, settings):
    """A fresh bucket (or container) on the emulator, and this process's default storage on it."""
    kind, endpoint = emulator
    made = BUCKETS[kind](endpoint, f"lessons-{uuid.uuid4().hex[:12]}")
    # A new STORAGES sends setting_changed, on which Django drops the storages it has made.
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": made.django_backend, "OPTIONS": made.options}}
    return made


def worker_settings(bucket, scratch: Path) -> dict[str, str]:
    """A worker's environment as on another machine: the bucket through STORAGE_BACKEND and
    STORAGE_OPTIONS, and media, temporary and data folders of its own (empty, not the web's)."""
    from django.conf import settings

    folders = {name: scratch / name for name in ("media", "tmp", "data")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    return {
        "STORAGE_BACKEND": bucket.backend,
        "STORAGE_OPTIONS": json.dumps(bucket.options),
        "MEDIA_ROOT": str(folders["media"]),
        "FILE_UPLOAD_TEMP_DIR": str(folders["tmp"]),
        "TMPDIR": str(folders["tmp"]),
        "DATA_DIR": str(folders["data"]),
        "SECRET_KEY": settings.SECRET_KEY,
    }


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def lesson(tmp_path_factory) -> Path:
    """About 25 s of a lesson with an open question, a long wait and an answer: long enough for
    a highlight clip, short enough to analyse in seconds (a small test-pattern picture)."""
    d = tmp_path_factory.mktemp("storage-lesson")
    render_dialogue(
        [
            Turn("teacher", "Good morning friends. Today we are going to plant some seeds.", "NQ", 0.8),
            Turn("teacher", "Why do you think the plant by the window grew so tall?", "OEQ", 3.2),
            Turn("child", "Because it wanted to reach the light from the sun.", "", 0.8),
            Turn("teacher", "Is the soil wet or dry?", "CEQ", 1.2),
            Turn("child", "It is dry.", "", 0.9),
            Turn("teacher", "Please put your cups on the table and tell me what you see.", "NQ", 1.5),
        ],
        d / "lesson.wav",
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10",
         "-i", str(d / "lesson.wav"), "-shortest", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", str(d / "lesson.mp4")],
        check=True, capture_output=True,
    )  # fmt: skip
    return d / "lesson.mp4"


# --- The dashboard's chunked upload ---------------------------------------------------------


def json_headers(**extra) -> dict:
    return {"Accept": "application/json", **extra}


def upload_open(client, name: str, size: int) -> str:
    response = client.post(reverse("dashboard:upload_sessions"), {"name": name, "size": size}, headers=json_headers())
    assert response.status_code == 201, response.content
    return response.json()["id"]


def upload_send(client, session_id: str, data: bytes, offset: int = 0, end: int | None = None) -> int:
    end = len(data) if end is None else end
    while offset < end:
        response = client.put(
            reverse("dashboard:upload_session", args=[session_id]),
            data[offset : offset + CHUNK],
            content_type="application/octet-stream",
            headers=json_headers(**{"Upload-Offset": str(offset)}),
        )
        assert response.status_code == 200, response.content
        offset = response.json()["offset"]
    return offset


# --- Tests ----------------------------------------------------------------------------------


def test_the_storage_lists_folders_and_misses_files_as_django_does(bucket):
    for name in ("a/b/one.txt", "a/b/c/two.txt", "a/three.txt", "four.txt"):
        default_storage.save(name, ContentFile(name.encode()))
    assert sorted(map(sorted, default_storage.listdir("a"))) == [["b"], ["three.txt"]]
    assert sorted(map(sorted, default_storage.listdir("a/b"))) == [["c"], ["one.txt"]]
    assert sorted(map(sorted, default_storage.listdir(""))) == [["a"], ["four.txt"]]
    assert sorted(layout.stored_names("a")) == ["a/b/c/two.txt", "a/b/one.txt", "a/three.txt"]
    layout.delete_names(layout.stored_names("a"))
    assert bucket.names() == ["four.txt"]
    with pytest.raises(FileNotFoundError):
        default_storage.size("a/three.txt")
    with pytest.raises(FileNotFoundError):
        default_storage.open("a/three.txt", "rb").read()


def test_an_uploads_chunks_wait_in_the_bucket_until_it_is_aborted(bucket, client, bob, settings):
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    data = bytes(range(256)) * 4096  # 1 MiB: four chunks
    login(client, bob)
    session_id = upload_open(client, "lesson.mp4", len(data))
    assert upload_send(client, session_id, data, end=3 * CHUNK) == 3 * CHUNK
    parts = [layout.upload_part_path(session_id, offset) for offset in range(0, 3 * CHUNK, CHUNK)]
    assert bucket.names() == parts
    assert b"".join(bucket.read(name) for name in parts) == data[: 3 * CHUNK]
    assert files_under(settings.MEDIA_ROOT) == []  # nothing on this machine's disk

    response = client.delete(reverse("dashboard:upload_session", args=[session_id]), headers=json_headers())
    assert response.json()["status"] == "aborted"
    assert bucket.names() == []

    # Chunks no open upload owns (their process stopped before deleting them) are swept.
    other = upload_open(client, "lesson.mp4", len(data))
    upload_send(client, other, data, end=CHUNK)
    UploadSession.objects.filter(id=other).update(status=UploadSession.Status.COMPLETE)
    assert bucket.names() == [layout.upload_part_path(other, 0)]
    assert chunked.upload_sessions_sweep(idle_s=3600) == 0
    assert bucket.names() == []


def test_a_lesson_goes_end_to_end_through_the_bucket(
    bucket, client, bob, tenant_a, lesson, redis_queues, settings, tmp_path
):
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    data = lesson.read_bytes()
    worker_env = worker_settings(bucket, tmp_path / "worker")

    # A chunked upload from the dashboard: one object per chunk, then the recording alone.
    login(client, bob)
    session_id = upload_open(client, "lesson.mp4", len(data))
    upload_send(client, session_id, data)
    parts = [n for n in bucket.names() if n.startswith(layout.upload_parts_folder(session_id))]
    assert len(parts) == math.ceil(len(data) / CHUNK)
    response = client.post(reverse("dashboard:upload_session_finish", args=[session_id]), headers=json_headers())
    assert response.status_code == 201, response.content
    job = Job.objects.get(id=response.json()["job"]["id"])
    assert bucket.names() == [job.video.file.name]  # the chunks were joined and deleted
    assert bucket.read(job.video.file.name) == data

    # The analysis, in a worker that shares no disk with the web.
    worker = run_worker_process(**worker_env)
    assert worker.returncode == 0, worker.stderr[-3000:]
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    result = json.loads(bucket.read(job.result_file.name))
    clips = [h["clip"] for h in result["highlights"] if h.get("clip")]
    assert clips, result["highlights"]
    stored = set(bucket.names())
    for clip in clips:
        stem = layout.clip_path(job, clip).removesuffix(".mp4")
        assert {f"{stem}.mp4", f"{stem}.jpg", f"{stem}.vtt"} <= stored
    clip = layout.clip_path(job, clips[0])

    # Download links are the backend's own signed URLs, and they fetch the stored bytes.
    api = key_client(tenant_a, "coach")
    artifacts = {a["name"]: a for a in api.get(f"/api/v1/jobs/{job.id}/artifacts").json()}
    assert {"result.json", *(f"highlights/{c}" for c in clips)} <= set(artifacts)
    for name, path in (("result.json", job.result_file.name), (f"highlights/{clips[0]}", clip)):
        url = artifacts[name]["url"]
        assert url.startswith(f"{bucket.endpoint}/") and "/api/v1/files/" not in url
        fetched = httpx.get(url, timeout=30)
        assert fetched.status_code == 200, fetched.text[:500]
        assert fetched.content == bucket.read(path) and artifacts[name]["size_bytes"] == len(fetched.content)

    # A share link plays the clip for someone who is not signed in.
    assert client.post(reverse("dashboard:job_share", args=[job.id, clips[0]])).status_code == 302
    share = urlsplit(client.session["shared_clip"]["url"]).path
    played = Client().get(share)
    assert played.status_code == 200 and b"".join(played.streaming_content) == bucket.read(clip)

    # A conversion of the clip, in the worker again.
    response = api.post(
        "/api/v1/jobs",
        {"kind": "convert", "source_job": str(job.id), "clip": clips[0], "format": "gif", "fps": 4, "width": 96},
        format="json",
    )
    assert response.status_code == 202, response.content
    worker = run_worker_process(**worker_env)
    assert worker.returncode == 0, worker.stderr[-3000:]
    conversion = Job.objects.get(id=response.json()["id"])
    assert conversion.status == Job.Status.SUCCEEDED, conversion.error_message
    output = {a["kind"]: a for a in api.get(f"/api/v1/jobs/{conversion.id}/artifacts").json()}["output"]
    gif = httpx.get(output["url"], timeout=30).content
    assert gif[:6] == b"GIF89a" and gif == bucket.read(conversions.output_name(conversion))

    # Nothing of it on either machine's disk: all of it is in the bucket.
    assert files_under(settings.MEDIA_ROOT) == []
    assert files_under(worker_env["MEDIA_ROOT"]) == []

    # Deleting the jobs and the recording leaves the bucket empty, and the share link gone.
    assert services.job_delete(job_id=conversion.id) and services.job_delete(job_id=job.id)
    uploads.video_delete(video=Video.objects.get(id=job.video_id))
    assert bucket.names() == []
    assert Client().get(share).status_code == 404
