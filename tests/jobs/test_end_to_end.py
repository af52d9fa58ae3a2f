"""Upload through the page, a real RQ worker in burst mode on real Redis, the transcript back."""

import json

import django_rq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rq.worker import SimpleWorker

from jobs.models import Job
from tests.conftest import CHILD_LINE, TEACHER_LINE, login, overlap

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def work_off_queues():
    worker = django_rq.get_worker("high", "default", "low", worker_class=SimpleWorker)
    worker.work(burst=True)


def test_an_uploaded_lesson_comes_back_transcribed(client, alice, bob, media_dir, redis_queues):
    login(client, bob)
    upload = SimpleUploadedFile("lesson.mp4", (media_dir / "lesson.mp4").read_bytes())
    response = client.post(reverse("dashboard:upload"), {"file": upload}, headers={"Accept": "application/json"})
    assert response.status_code == 201
    job_id = response.json()["job"]["id"]
    assert redis_queues[1].count == 1

    work_off_queues()

    state = client.get(reverse("dashboard:job_status", args=[job_id])).json()
    assert state["status"] == "succeeded", state
    assert state["progress"] == 100
    page = client.get(reverse("dashboard:job", args=[job_id])).content.decode()
    assert "0:10 long" in page and "h264" not in page  # a coach sees the lesson, not the codecs
    client.logout()
    login(client, alice)
    page = client.get(reverse("dashboard:job", args=[job_id])).content.decode()
    assert "1280 × 720" in page and "h264" in page  # an admin has them under Details
    result = json.loads(client.get(reverse("dashboard:job_result", args=[job_id])).content)
    text = " ".join(s["text"] for s in result["segments"])
    assert overlap(TEACHER_LINE, text) >= 0.8
    assert overlap(CHILD_LINE, text) >= 0.6
    assert redis_queues[1].count == 0


def test_a_damaged_upload_fails_with_its_reason_and_the_worker_goes_on(client, bob, media_dir, redis_queues):
    login(client, bob)
    ids = []
    for name in ("truncated.mp4", "lesson.flac"):
        upload = SimpleUploadedFile(name, (media_dir / name).read_bytes())
        response = client.post(reverse("dashboard:upload"), {"file": upload}, headers={"Accept": "application/json"})
        ids.append(response.json()["job"]["id"])

    work_off_queues()  # one worker takes both: the bad file must not stop it

    damaged, good = (Job.objects.get(id=i) for i in ids)
    assert (damaged.status, damaged.error_code) == (Job.Status.FAILED, "corrupt")
    assert "damaged" in damaged.error_message
    assert good.status == Job.Status.SUCCEEDED
    page = client.get(reverse("dashboard:job", args=[damaged.id])).content.decode()
    assert damaged.error_message in page
