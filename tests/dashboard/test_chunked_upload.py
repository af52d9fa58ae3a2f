"""Chunked, resumable uploads: a session, chunks in order, resume from the server's offset, one job.

The chunks wait in storage (local storage here; tests/storage runs the same on S3 and Azure)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from cultivate.accounts.models import AuditEntry
from jobs import layout
from jobs.media import chunked
from jobs.models import Job, UploadSession, Video
from tests.conftest import login

CHUNK = 1024 * 1024


@pytest.fixture(autouse=True)
def _chunks(settings):
    settings.UPLOAD_CHUNK_BYTES = CHUNK


def parts_left(settings) -> list[Path]:
    """Every chunk still stored, and every folder left for one (storage is the local disk here)."""
    return sorted((Path(settings.MEDIA_ROOT) / layout.UPLOAD_PARTS_FOLDER).rglob("*"))


def json_headers(**extra):
    return {"Accept": "application/json", **extra}


def create(client, name, size):
    return client.post(reverse("dashboard:upload_sessions"), {"name": name, "size": size}, headers=json_headers())


def put(client, session_id, data: bytes, offset: int):
    return client.put(
        reverse("dashboard:upload_session", args=[session_id]),
        data,
        content_type="application/octet-stream",
        headers=json_headers(**{"Upload-Offset": str(offset)}),
    )


def finish(client, session_id, **options):
    return client.post(reverse("dashboard:upload_session_finish", args=[session_id]), options, headers=json_headers())


def send_all(client, session_id, data: bytes, start: int = 0) -> int:
    offset = start
    while offset < len(data):
        response = put(client, session_id, data[offset : offset + CHUNK], offset)
        assert response.status_code == 200, response.content
        offset = response.json()["offset"]
    return offset


def upload(client, path, name=None, **options):
    data = path.read_bytes()
    session = create(client, name or path.name, len(data)).json()
    send_all(client, session["id"], data)
    return session, finish(client, session["id"], **options)


def test_it_uploads_in_chunks_and_queues_one_job(client, bob, media_dir, redis_queues, settings):
    data = (media_dir / "lesson.mp4").read_bytes()
    login(client, bob)
    response = create(client, "lesson.mp4", len(data))
    assert response.status_code == 201
    session = response.json()
    assert session["offset"] == 0 and session["chunk_bytes"] == CHUNK and session["size"] == len(data)

    assert send_all(client, session["id"], data) == len(data)
    offsets = range(0, len(data), CHUNK)
    assert sorted(layout.stored_names(layout.upload_parts_folder(session["id"]))) == [
        layout.upload_part_path(session["id"], offset) for offset in offsets
    ]  # one object per chunk, named by its offset
    response = finish(client, session["id"], priority="low", speakers="3", blur_others="1", teacher="Ms  Rivera")
    assert response.status_code == 201, response.content
    job = Job.objects.get(id=response.json()["job"]["id"])
    assert response.json()["job"]["url"] == f"/jobs/{job.id}/"
    assert job.queue == "low" and job.options["speakers"] == 3 and job.options["blur_others"] is True
    assert job.idempotency_key == session["id"] and job.created_by == bob and job.teacher == "Ms Rivera"
    assert job.video.original_name == "lesson.mp4" and job.video.size_bytes == len(data)
    assert job.video.file.read() == data  # every chunk, in order
    assert job.video.probe["duration_s"] > 8
    assert UploadSession.objects.get(id=session["id"]).status == UploadSession.Status.COMPLETE
    assert parts_left(settings) == []  # the chunks were joined into the video and deleted
    assert AuditEntry.objects.filter(action="job.create").count() == 1


def test_a_second_finish_returns_the_same_job(client, bob, media_dir, redis_queues):
    session, first = upload(login(client, bob), media_dir / "lesson.mp4")
    second = finish(client, session["id"])
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["job"]["id"] == second.json()["job"]["id"]
    assert Job.objects.count() == 1 and Video.objects.count() == 1


def test_a_chunk_at_the_wrong_offset_gets_409_with_the_offset(client, bob, media_dir):
    data = (media_dir / "lesson.mp4").read_bytes()
    session = create(login(client, bob), "lesson.mp4", len(data)).json()
    assert put(client, session["id"], data[:CHUNK], 0).json() == {"offset": CHUNK}

    for offset in (0, 2 * CHUNK, CHUNK // 2):  # a repeat, a gap, an overlap
        response = put(client, session["id"], data[offset : offset + CHUNK], offset)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "wrong_offset" and response.json()["offset"] == CHUNK
    assert put(client, session["id"], b"x" * (CHUNK + 1), CHUNK).json()["error"]["code"] == "bad_chunk"
    assert UploadSession.objects.get(id=session["id"]).received == CHUNK
    assert layout.stored_names(layout.upload_parts_folder(session["id"])) == [layout.upload_part_path(session["id"], 0)]
    assert default_storage.open(layout.upload_part_path(session["id"], 0)).read() == data[:CHUNK]


def test_it_resumes_from_the_servers_offset(client, bob, media_dir, redis_queues):
    data = (media_dir / "lesson.mp4").read_bytes()
    session = create(login(client, bob), "lesson.mp4", len(data)).json()
    put(client, session["id"], data[:CHUNK], 0)
    # A chunk stored by a request that died before counting it: it does not count, and the
    # chunk sent for that offset again replaces it.
    default_storage.save(layout.upload_part_path(session["id"], CHUNK), ContentFile(b"garbage from a dropped request"))

    state = client.get(reverse("dashboard:upload_session", args=[session["id"]])).json()  # after a reload
    assert state["offset"] == CHUNK and state["status"] == "open" and state["job"] is None
    early = finish(client, session["id"])
    assert early.status_code == 409 and early.json()["error"]["code"] == "upload_incomplete"
    send_all(client, session["id"], data, start=state["offset"])
    job = Job.objects.get(id=finish(client, session["id"]).json()["job"]["id"])
    assert job.video.file.read() == data


@pytest.mark.parametrize(
    ("name", "size", "code", "status"),
    [
        ("report.pdf", 1000, "bad_type", 415),
        ("lesson.mp4", 0, "empty_file", 400),
        ("lesson.mp4", 10**12, "too_large", 413),
    ],
)
def test_it_refuses_a_bad_type_or_size_before_any_byte(client, bob, name, size, code, status):
    response = create(login(client, bob), name, size)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert not UploadSession.objects.exists()


def test_a_file_that_is_not_media_is_refused_at_finish_and_nothing_is_kept(client, bob, media_dir, settings):
    session, response = upload(login(client, bob), media_dir / "notes.mp4")
    assert response.status_code == 400
    assert "not a video or audio file" in response.json()["error"]["message"]
    assert not Video.objects.exists() and not Job.objects.exists()
    assert UploadSession.objects.get(id=session["id"]).status == UploadSession.Status.ABORTED
    assert parts_left(settings) == []
    assert not list((settings.MEDIA_ROOT / "videos").rglob("*.*"))


def test_over_budget_keeps_nothing(client, bob, media_dir, tenant_a, settings):
    tenant_a.monthly_budget = 0
    tenant_a.save()
    session, response = upload(login(client, bob), media_dir / "lesson.mp4")
    assert response.status_code == 402 and response.json()["error"]["code"] == "budget_exceeded"
    assert not Video.objects.exists() and not Job.objects.exists()
    assert parts_left(settings) == []


def test_an_upload_can_be_aborted(client, bob, media_dir, settings):
    data = (media_dir / "lesson.mp4").read_bytes()
    session = create(login(client, bob), "lesson.mp4", len(data)).json()
    put(client, session["id"], data[:CHUNK], 0)
    assert parts_left(settings) != []
    response = client.delete(reverse("dashboard:upload_session", args=[session["id"]]))
    assert response.json()["status"] == "aborted"
    assert parts_left(settings) == []
    assert put(client, session["id"], data[CHUNK : 2 * CHUNK], CHUNK).json()["error"]["code"] == "upload_closed"


def test_another_tenant_or_user_gets_404_and_viewers_403(client, bob, alice, charlie, vera, media_dir):
    data = (media_dir / "lesson.mp4").read_bytes()
    session = create(login(client, bob), "lesson.mp4", len(data)).json()
    urls = [reverse("dashboard:upload_session", args=[session["id"]])]
    for user in (charlie, alice):  # another tenant; another user of the same tenant
        login(client, user)
        assert client.get(urls[0]).status_code == 404
        assert put(client, session["id"], data[:CHUNK], 0).status_code == 404
        assert finish(client, session["id"]).status_code == 404
        assert client.delete(urls[0]).status_code == 404
    login(client, vera)
    assert create(client, "lesson.mp4", len(data)).status_code == 403
    assert put(client, session["id"], data[:CHUNK], 0).status_code == 403
    assert finish(client, session["id"]).status_code == 403
    assert UploadSession.objects.get(id=session["id"]).received == 0


def test_abandoned_uploads_are_swept(client, bob, media_dir, settings):
    session = create(login(client, bob), "lesson.mp4", 5 * CHUNK).json()
    put(client, session["id"], b"x" * CHUNK, 0)
    assert chunked.upload_sessions_sweep(idle_s=3600) == 0
    assert parts_left(settings) != []
    UploadSession.objects.filter(id=session["id"]).update(updated_at=timezone.now() - timedelta(hours=2))
    assert chunked.upload_sessions_sweep(idle_s=3600) == 1
    assert UploadSession.objects.get(id=session["id"]).status == UploadSession.Status.ABORTED
    assert parts_left(settings) == []


def test_the_sweep_deletes_chunks_no_open_upload_owns(client, bob, media_dir, settings):
    login(client, bob)
    kept, finished = (create(client, "lesson.mp4", 5 * CHUNK).json() for _ in range(2))
    put(client, kept["id"], b"k" * CHUNK, 0)
    put(client, finished["id"], b"f" * CHUNK, 0)
    # Finished, but its process stopped before deleting the chunks; and chunks of an upload
    # whose row is gone (its tenant was deleted).
    UploadSession.objects.filter(id=finished["id"]).update(status=UploadSession.Status.COMPLETE)
    gone = "0b4e9d3c-58d5-4a0c-9a53-2f8c2c1f7a61"
    default_storage.save(layout.upload_part_path(gone, 0), ContentFile(b"g"))

    assert chunked.upload_sessions_sweep(idle_s=3600) == 0
    assert layout.stored_names(layout.UPLOAD_PARTS_FOLDER) == [layout.upload_part_path(kept["id"], 0)]
    assert parts_left(settings) == [
        Path(settings.MEDIA_ROOT) / layout.upload_parts_folder(kept["id"]),
        Path(default_storage.path(layout.upload_part_path(kept["id"], 0))),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_chunk_sent_while_another_request_holds_the_upload_is_told_the_offset(client, bob, media_dir):
    """Two web replicas taking chunks of one upload at once: the row lock decides, not a
    process's own lock, and the second is answered at once instead of waiting."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers on the whole file")
    data = (media_dir / "lesson.mp4").read_bytes()
    session = create(login(client, bob), "lesson.mp4", len(data)).json()
    holding, release = threading.Event(), threading.Event()

    def another_replica():  # its own thread, so its own database connection
        with transaction.atomic():
            UploadSession.objects.select_for_update().get(id=session["id"])
            holding.set()
            release.wait(10)
        connection.close()

    other = threading.Thread(target=another_replica)
    other.start()
    try:
        assert holding.wait(10)
        response = put(client, session["id"], data[:CHUNK], 0)
    finally:
        release.set()
        other.join()
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "wrong_offset" and response.json()["offset"] == 0
    assert layout.stored_names(layout.upload_parts_folder(session["id"])) == []
    assert put(client, session["id"], data[:CHUNK], 0).json() == {"offset": CHUNK}  # once it is free


def test_the_reconciler_sweeps_abandoned_uploads(client, bob, tenant_a, redis_queues):
    from jobs.reconcile import reconcile

    made = create(login(client, bob), "lesson.mp4", 1000)
    assert made.status_code == 201
    session = UploadSession.objects.get()
    assert reconcile()["uploads"] == 0  # fresh: left alone
    UploadSession.objects.filter(id=session.id).update(updated_at=timezone.now() - timedelta(days=3))
    assert reconcile()["uploads"] == 1
    session.refresh_from_db()
    assert session.status == UploadSession.Status.ABORTED
