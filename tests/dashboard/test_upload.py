"""Uploading through the page: good files become queued jobs, bad files get a specific message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jobs.models import Job, Video
from tests.conftest import login

BAD = [
    ("empty.mp4", 400, "empty"),
    ("notes.mp4", 400, "not a video or audio file"),
    ("report.mp4", 400, "not a video or audio file"),
    ("truncated.mp4", 201, None),  # the header is intact; decoding finds the damage later
    ("silent-video.mp4", 400, "no audio track"),
]


def post_file(client, path, accept_json=True, name=None):
    upload = SimpleUploadedFile(name or path.name, path.read_bytes())
    headers = {"Accept": "application/json"} if accept_json else {}
    return client.post(reverse("dashboard:upload"), {"file": upload}, headers=headers)


@pytest.mark.parametrize("name", ["lesson.mp4", "lesson.flac"])
def test_it_queues_a_job_for_a_good_upload(
    client, bob, media_dir, name, redis_queues, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(login(client, bob), media_dir / name)
    assert response.status_code == 201, response.content
    job = Job.objects.get(id=response.json()["job"]["id"])
    assert job.status == Job.Status.QUEUED and job.tenant == bob.memberships.get().tenant
    assert job.video.original_name == name and len(job.video.sha256) == 64
    assert job.video.probe["duration_s"] > 8
    assert job.rq_id in redis_queues[1].job_ids  # the default queue


@pytest.mark.parametrize(("name", "status", "says"), BAD)
def test_it_explains_a_bad_upload(client, bob, media_dir, name, status, says):
    response = post_file(login(client, bob), media_dir / name)
    assert response.status_code == status
    if says:
        assert says in response.json()["error"]["message"]
        assert not Video.objects.exists() and not Job.objects.exists()  # nothing half-written


def test_it_shows_the_message_on_the_page_without_javascript(client, bob, media_dir):
    response = post_file(login(client, bob), media_dir / "silent-video.mp4", accept_json=False)
    assert response.status_code == 400
    assert "no audio track" in response.content.decode()


def test_it_refuses_file_types_it_does_not_take(client, bob, media_dir):
    response = post_file(login(client, bob), media_dir / "report.mp4", name="report.pdf")
    assert response.status_code == 415  # the same status as the API's: one table of refusals
    assert response.json()["error"]["code"] == "bad_type"


def test_it_refuses_files_over_the_size_limit(client, bob, media_dir, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    response = post_file(login(client, bob), media_dir / "lesson.mp4")
    assert response.json()["error"]["code"] == "too_large"


def test_it_asks_for_a_file(client, bob):
    response = login(client, bob).post(reverse("dashboard:upload"), {}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "no_file"


def test_viewers_cannot_upload(client, vera, media_dir):
    assert login(client, vera).get(reverse("dashboard:upload")).status_code == 403
    assert post_file(client, media_dir / "lesson.mp4").status_code == 403
    assert not Job.objects.exists()


def test_a_repeated_upload_with_the_same_idempotency_key_is_one_job(client, alice, media_dir, redis_queues):
    login(client, alice)  # an admin: the high queue is theirs to choose
    ids = []
    for _ in range(2):
        upload = SimpleUploadedFile("lesson.mp4", (media_dir / "lesson.mp4").read_bytes())
        response = client.post(
            reverse("dashboard:upload"),
            {"file": upload, "priority": "high"},
            headers={"Accept": "application/json", "Idempotency-Key": "lesson-42"},
        )
        assert response.status_code in (200, 201)
        ids.append(response.json()["job"]["id"])
    assert ids[0] == ids[1]
    assert Video.objects.count() == 1
    assert Job.objects.get(id=ids[0]).queue == "high"


def test_an_unknown_priority_is_refused(client, bob, media_dir):
    login(client, bob)
    upload = SimpleUploadedFile("lesson.mp4", (media_dir / "lesson.mp4").read_bytes())
    response = client.post(
        reverse("dashboard:upload"), {"file": upload, "priority": "urgent"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_option"
    assert Video.objects.count() == 0


def test_coaches_cancel_and_rerun_but_viewers_cannot(client, bob, vera, media_dir, redis_queues):
    login(client, bob)
    upload = SimpleUploadedFile("lesson.mp4", (media_dir / "lesson.mp4").read_bytes())
    job_id = client.post(reverse("dashboard:upload"), {"file": upload}, headers={"Accept": "application/json"}).json()[
        "job"
    ]["id"]
    client.post(reverse("dashboard:job_cancel", args=[job_id]))
    assert Job.objects.get(id=job_id).status == Job.Status.CANCELLED
    page = client.get(reverse("dashboard:job", args=[job_id])).content.decode()
    assert "Run it again" in page
    client.post(reverse("dashboard:job_retry", args=[job_id]))
    assert Job.objects.get(id=job_id).status == Job.Status.QUEUED
    login(client, vera)
    assert client.post(reverse("dashboard:job_cancel", args=[job_id])).status_code == 403
    assert Job.objects.get(id=job_id).status == Job.Status.QUEUED
