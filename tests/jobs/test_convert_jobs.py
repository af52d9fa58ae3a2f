"""Conversion jobs through the API, the queue and a real worker: a file, or a highlight clip."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from jobs.models import Job
from tests.api.conftest import error_of, key_client
from tests.conftest import run_worker_process
from tests.factories import JobFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def submit(api, media_dir, **fields):
    with open(media_dir / "lesson.mp4", "rb") as f:
        return api.post("/api/v1/jobs", {"file": f, "kind": "convert", **fields}, format="multipart")


def test_a_recording_becomes_a_gif_through_a_real_worker(tenant_a, media_dir, redis_queues):
    api = key_client(tenant_a, "coach")
    response = submit(api, media_dir, format="gif", fps="5", width="160", start_s="1", end_s="4")
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["kind"] == "convert"
    assert Job.objects.get(id=job_id).options["format"] == "gif"

    worker = run_worker_process()
    assert worker.returncode == 0, worker.stderr[-2000:]
    job = Job.objects.get(id=job_id)
    assert job.status == "succeeded", job.error_message
    assert job.cost is not None and job.cost > 0

    result = api.get(f"/api/v1/jobs/{job_id}/result").json()
    assert result["schema"] == "cultivate.convert/1"
    out = result["output"]
    assert out["format"] == "gif" and out["width"] == 160 and abs(out["frames"] - 15) <= 1
    artifacts = {a["kind"]: a for a in api.get(f"/api/v1/jobs/{job_id}/artifacts").json()}
    download = APIClient().get(artifacts["output"]["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content)[:6] == b"GIF89a"


def test_a_highlight_clip_of_an_analysed_job_is_converted(tenant_a, media_dir, redis_queues):
    source = JobFactory(video__tenant=tenant_a, status="succeeded")
    default_storage.save(
        f"results/{tenant_a.pk}/{source.id}/highlights/01.mp4", ContentFile((media_dir / "lesson.mp4").read_bytes())
    )
    api = key_client(tenant_a, "coach")
    response = api.post(
        "/api/v1/jobs",
        {"kind": "convert", "source_job": str(source.id), "clip": "01.mp4", "format": "webp", "fps": 4, "width": 120},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert run_worker_process().returncode == 0
    job = Job.objects.get(id=response.json()["id"])
    assert job.status == "succeeded", job.error_message
    result = api.get(f"/api/v1/jobs/{job.id}/result").json()
    assert result["source"]["clip"] == "01.mp4" and result["output"]["format"] == "webp"


def test_bad_conversions_are_refused_before_queueing(tenant_a, tenant_b, media_dir, redis_queues):
    api = key_client(tenant_a, "coach")
    for fields, code in [({"format": "gif", "fps": "0"}, "bad_option"), ({"fps": "5"}, "validation_error")]:
        response = submit(api, media_dir, **fields)
        assert response.status_code == 400, response.content
        assert error_of(response)["code"] == code
    foreign = JobFactory(video__tenant=tenant_b, status="succeeded")
    mine = JobFactory(video__tenant=tenant_a, status="succeeded")
    for body, code in [
        ({"source_job": str(foreign.id)}, "bad_source"),
        ({"source_job": str(mine.id), "clip": "07.mp4"}, "not_found"),
    ]:
        response = api.post("/api/v1/jobs", {"kind": "convert", "format": "mp4", **body}, format="json")
        assert response.status_code in (400, 404) and error_of(response)["code"] == code
    assert not Job.objects.filter(kind="convert").exists()
    assert not any(q.count for q in redis_queues)


def test_a_coach_converts_a_clip_from_the_job_page(client, bob, vera, tenant_a, media_dir, redis_queues):
    import json

    from django.urls import reverse

    from tests.conftest import login

    source = JobFactory(video__tenant=tenant_a, status="succeeded")
    doc = {"schema": "cultivate.result/1", "media": {"duration_s": 10.8}, "segments": [], "speakers": [],
           "questions": [], "metrics": {}, "visual": {"samples": []},
           "highlights": [{"start": 0, "end": 10, "title": "Open question", "reason": [], "score": 3, "clip": "01.mp4"}]}  # fmt: skip
    source.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))
    default_storage.save(
        f"results/{tenant_a.pk}/{source.id}/highlights/01.mp4", ContentFile((media_dir / "lesson.mp4").read_bytes())
    )
    login(client, vera)
    assert b"h-convert" not in client.get(reverse("dashboard:job", args=[source.id])).content
    assert client.post(reverse("dashboard:job_convert", args=[source.id]), {"format": "gif"}).status_code == 403
    client.logout()

    login(client, bob)
    page = client.get(reverse("dashboard:job", args=[source.id])).content.decode()
    assert 'id="h-convert"' in page and "Highlight 1 (01.mp4)" in page
    bad = client.post(reverse("dashboard:job_convert", args=[source.id]), {"format": "gif", "fps": "0"}, follow=True)
    assert "fps" in bad.content.decode().lower() and not Job.objects.filter(kind="convert").exists()
    response = client.post(
        reverse("dashboard:job_convert", args=[source.id]),
        {"clip": "01.mp4", "format": "gif", "fps": "4", "width": "96"},
    )
    made = Job.objects.get(kind="convert")
    assert response.url == reverse("dashboard:job", args=[made.id])
    assert run_worker_process().returncode == 0
    page = client.get(response.url).content.decode()
    assert "Converted clip 01.mp4 to GIF" in page and reverse("dashboard:job_output", args=[made.id]) in page
    output = client.get(reverse("dashboard:job_output", args=[made.id]))
    assert output.status_code == 200 and b"".join(output.streaming_content)[:6] == b"GIF89a"
    assert "conversion to gif" in client.get(reverse("dashboard:home")).content.decode()
