"""Uploads that hold resources: open chunked sessions are capped per user and per tenant (by
count and declared bytes), and an inbox object is copied at submission, so swapping it later
cannot change what is analysed."""

from __future__ import annotations

import hashlib
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from jobs.media import uploads
from jobs.models import Job, UploadSession, Video
from tests.api.conftest import key_client
from tests.conftest import login

JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.UPLOAD_SESSIONS_PER_MINUTE = 1000  # the creation rate is not what is tested here
    settings.UPLOAD_MAX_OPEN_SESSIONS = 2
    settings.UPLOAD_MAX_OPEN_SESSIONS_PER_TENANT = 3
    settings.UPLOAD_MAX_OPEN_BYTES = 10_000_000
    settings.UPLOAD_MAX_OPEN_BYTES_PER_TENANT = 25_000_000


def open_session(client, size: int = 1000, name: str = "lesson.mp4"):
    return client.post(reverse("dashboard:upload_sessions"), {"name": name, "size": size}, headers=JSON)


def assert_refused(response) -> None:
    assert response.status_code == 429, response.content
    error = response.json()["error"]
    assert error["code"] == "too_many_uploads" and "Finish or cancel" in error["message"]


def test_a_user_cannot_hold_more_open_uploads_than_the_cap(client, bob):
    login(client, bob)
    first = open_session(client)
    assert first.status_code == 201 and open_session(client).status_code == 201
    assert_refused(open_session(client))
    assert UploadSession.objects.count() == 2
    client.delete(reverse("dashboard:upload_session", args=[first.json()["id"]]), headers=JSON)
    assert open_session(client).status_code == 201  # cancelling one frees its place


def test_a_tenant_cannot_hold_more_open_uploads_than_its_cap(client, alice, bob, charlie):
    for _ in range(2):
        assert open_session(login(client, bob)).status_code == 201
    client.logout()
    assert open_session(login(client, alice)).status_code == 201
    assert_refused(open_session(client))  # the tenant's third and fourth
    client.logout()
    assert open_session(login(client, charlie)).status_code == 201  # another tenant is not affected


def test_the_declared_bytes_of_open_uploads_are_capped(client, alice, bob):
    login(client, bob)
    assert open_session(client, size=6_000_000).status_code == 201
    assert_refused(open_session(client, size=6_000_000))  # 12 MB > the user's 10 MB
    assert open_session(client, size=4_000_000).status_code == 201
    client.logout()
    login(client, alice)
    assert open_session(client, size=9_000_000).status_code == 201
    assert_refused(open_session(client, size=9_000_000))  # the tenant's 28 MB > 25 MB


def test_uploads_left_idle_past_the_sweep_do_not_count(client, bob, settings):
    login(client, bob)
    for _ in range(2):
        assert open_session(client).status_code == 201
    long_ago = timezone.now() - timedelta(seconds=settings.UPLOAD_ABANDONED_AFTER_S + 60)
    UploadSession.objects.update(updated_at=long_ago)
    assert open_session(client).status_code == 201


def _sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_an_inbox_object_swapped_after_submission_does_not_change_what_is_analysed(
    tenant_a, bob, media_dir, redis_queues
):
    inbox = Path(default_storage.path(f"inbox/{tenant_a.pk}/2026/lesson.mp4"))
    inbox.parent.mkdir(parents=True)
    shutil.copy(media_dir / "lesson.mp4", inbox)
    original = _sha256(media_dir / "lesson.mp4")

    response = key_client(tenant_a, "coach").post("/api/v1/jobs", {"source_path": "2026/lesson.mp4"}, format="json")
    assert response.status_code == 202, response.content
    video = Video.objects.get()
    assert video.sha256 == original

    shutil.copy(media_dir / "silent-video.mp4", inbox)  # another recording under the same name
    job = Job.objects.get()
    with uploads.stored_path(job.video.file.name) as path:  # what the worker opens
        assert _sha256(path) == original
    assert inbox.exists()  # the tenant's own object is left where it was


def test_a_refused_inbox_submission_keeps_no_copy(tenant_a, bob, media_dir, redis_queues, settings):
    inbox = Path(default_storage.path(f"inbox/{tenant_a.pk}/notes.mp4"))
    inbox.parent.mkdir(parents=True)
    shutil.copy(media_dir / "notes.mp4", inbox)
    response = key_client(tenant_a, "coach").post("/api/v1/jobs", {"source_path": "notes.mp4"}, format="json")
    assert response.status_code == 400
    assert not Video.objects.exists() and not (Path(settings.MEDIA_ROOT) / "videos").exists()
    assert inbox.exists()
