"""Jobs over the API: submit, list, cancel, retry, results and download links."""

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from cultivate.accounts.models import AuditEntry
from jobs.models import Job, Video, WebhookDelivery
from jobs.webhooks import deliveries
from tests.api.conftest import error_of, key_client
from tests.factories import JobFactory


def submit(client, path, headers=None, **fields):
    with open(path, "rb") as f:
        return client.post("/api/v1/jobs", {"file": f, **fields}, format="multipart", **(headers or {}))


def in_inbox(tenant, name: str, source: Path) -> Path:
    """Put a recording in the tenant's storage inbox, as an integrator would with its bucket."""
    target = Path(default_storage.path(f"inbox/{tenant.pk}/{name}"))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


def rq_ids(queues) -> set[str]:
    return {rq_id for q in queues for rq_id in q.job_ids}


def test_a_coach_submits_a_file_and_gets_a_queued_job(
    api_bob, media_dir, redis_queues, tenant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(api_bob, media_dir / "lesson.mp4", speakers="auto", priority="low", render="false")
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued" and job["priority"] == "low"
    assert job["options"] == {"speakers": "auto", "session": "classroom", "render": False}
    assert job["video"]["name"] == "lesson.mp4" and job["video"]["duration_s"] > 5
    assert job["submitted_by"] == api_bob.key.prefix
    assert response.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert job["links"]["self"].endswith(f"/api/v1/jobs/{job['id']}")
    row = Job.objects.get(id=job["id"])
    assert row.api_key == api_bob.key and row.created_by is None and not row.renders
    assert row.rq_id in rq_ids(redis_queues)
    assert AuditEntry.objects.filter(action="job.create", target_id=job["id"], tenant=tenant_a).exists()


def test_privacy_blur_follows_the_job_then_the_tenant(api_bob, media_dir, tenant_a, redis_queues):
    options = [
        submit(api_bob, media_dir / "lesson.mp4", **extra).json()["options"] for extra in ({}, {"blur_others": "true"})
    ]
    assert "blur_others" not in options[0] and options[1]["blur_others"] is True
    tenant_a.blur_others_default = True
    tenant_a.save()
    options = [
        submit(api_bob, media_dir / "lesson.mp4", **extra).json()["options"] for extra in ({}, {"blur_others": "false"})
    ]
    assert options[0]["blur_others"] is True and options[1]["blur_others"] is False


def test_the_same_idempotency_key_returns_the_same_job(api_bob, media_dir, redis_queues):
    first = submit(api_bob, media_dir / "lesson.mp4", headers={"HTTP_IDEMPOTENCY_KEY": "lesson-42"})
    again = submit(api_bob, media_dir / "lesson.mp4", headers={"HTTP_IDEMPOTENCY_KEY": "lesson-42"})
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1 and Video.objects.count() == 1


@pytest.mark.parametrize(
    "name, status, code",
    [("report.mp4", 400, None), ("empty.mp4", 400, "empty_file"), ("notes.mp4", 400, None)],
)
def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_kept(
    api_bob, media_dir, redis_queues, name, status, code
):
    response = submit(api_bob, media_dir / name)
    assert response.status_code == status, response.content
    error = error_of(response)
    assert code is None or error["code"] == code
    assert Video.objects.count() == 0 and Job.objects.count() == 0
    assert not default_storage.exists("videos") or default_storage.listdir("videos") == ([], [])


def test_a_wrong_type_is_a_415(api_bob, tmp_path, redis_queues):
    doc = tmp_path / "notes.pdf"
    doc.write_bytes(b"%PDF-1.4\n")
    response = submit(api_bob, doc)
    assert response.status_code == 415 and error_of(response)["code"] == "bad_type"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "non_field_errors"),
        ({"source_path": "a.mp4", "speakers": "many"}, "speakers"),
        ({"source_path": "a.mp4", "priority": "urgent"}, "priority"),
        ({"source_path": "a.mp4", "webhook": "not-a-uuid"}, "webhook"),
    ],
)
def test_wrong_fields_are_named_in_the_error(api_bob, redis_queues, body, field):
    response = api_bob.post("/api/v1/jobs", body, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error" and field in error["details"]


def test_a_recording_in_the_storage_inbox_is_submitted_without_upload(api_bob, media_dir, tenant_a, redis_queues):
    in_inbox(tenant_a, "2026/lesson.mp4", media_dir / "lesson.mp4")
    response = api_bob.post("/api/v1/jobs", {"source_path": "2026/lesson.mp4", "speakers": "2"}, format="json")
    assert response.status_code == 202, response.content
    video = Video.objects.get()
    assert video.file.name.startswith(f"videos/{tenant_a.pk}/") and video.duration_s > 5  # a copy of its own

    for path, code in [("2026/missing.mp4", "source_not_found"), ("../other/lesson.mp4", "bad_source")]:
        response = api_bob.post("/api/v1/jobs", {"source_path": path}, format="json")
        assert response.status_code == 400 and error_of(response)["code"] == code


def test_another_tenants_inbox_is_out_of_reach(api_charlie, media_dir, tenant_a, redis_queues):
    in_inbox(tenant_a, "lesson.mp4", media_dir / "lesson.mp4")
    for path in ["lesson.mp4", f"../{tenant_a.pk}/lesson.mp4", f"/inbox/{tenant_a.pk}/lesson.mp4"]:
        response = api_charlie.post("/api/v1/jobs", {"source_path": path}, format="json")
        assert response.status_code == 400, path
    assert Job.objects.count() == 0


def test_over_budget_is_a_402_and_the_inbox_file_stays(api_bob, media_dir, tenant_a, redis_queues):
    tenant_a.monthly_budget = Decimal("0.00")
    tenant_a.save()
    response = submit(api_bob, media_dir / "lesson.mp4")
    assert response.status_code == 402 and error_of(response)["code"] == "budget_exceeded"
    assert Video.objects.count() == 0
    target = in_inbox(tenant_a, "lesson.mp4", media_dir / "lesson.mp4")
    response = api_bob.post("/api/v1/jobs", {"source_path": "lesson.mp4"}, format="json")
    assert response.status_code == 402
    assert target.exists() and Video.objects.count() == 0


def test_a_job_can_name_its_own_webhook_of_the_same_tenant(
    api_bob, media_dir, tenant_a, tenant_b, settings, redis_queues
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    mine = deliveries.webhook_create(tenant=tenant_a, url="http://127.0.0.1:9/a", events=["job.queued"])
    other = deliveries.webhook_create(tenant=tenant_a, url="http://127.0.0.1:9/b", events=["job.queued"])
    foreign = deliveries.webhook_create(tenant=tenant_b, url="http://127.0.0.1:9/c", events=["job.queued"])
    response = submit(api_bob, media_dir / "lesson.mp4", webhook=str(mine.id))
    assert response.status_code == 202
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [mine.id]
    assert other.deliveries.count() == 0
    response = submit(api_bob, media_dir / "lesson.mp4", webhook=str(foreign.id))
    assert response.status_code == 400 and error_of(response)["code"] == "bad_option"


def test_the_list_filters_orders_and_pages(api_bob, tenant_a, bob, alice):
    now = timezone.now()
    made = []
    for i, status in enumerate(["queued", "running", "succeeded", "failed", "succeeded"]):
        job = JobFactory(video__tenant=tenant_a, status=status, created_by=bob if i % 2 else alice)
        Job.objects.filter(id=job.id).update(created_at=now - timedelta(hours=5 - i))
        made.append(str(job.id))
    newest_first = list(reversed(made))

    def ids(query=""):
        return [j["id"] for j in api_bob.get(f"/api/v1/jobs{query}").json()["results"]]

    assert ids() == newest_first
    assert ids("?ordering=created_at") == made
    assert ids("?status=succeeded") == [made[4], made[2]]
    assert ids("?status=failed,queued") == [made[3], made[0]]
    assert ids("?uploader=bob") == [made[3], made[1]]
    after = (now - timedelta(hours=3, minutes=30)).isoformat().replace("+00:00", "Z")
    assert ids(f"?created_after={after}") == newest_first[:3]
    # Cursor pages of two, followed to the end.
    seen, url = [], "/api/v1/jobs?limit=2"
    while url:
        page = api_bob.get(url).json()
        assert len(page["results"]) <= 2
        seen += [j["id"] for j in page["results"]]
        url = page["next"]
    assert seen == newest_first
    bad = api_bob.get("/api/v1/jobs?status=done")
    assert bad.status_code == 400 and "status" in error_of(bad)["details"]


def test_cancel_then_retry(api_bob, tenant_a, media_dir, redis_queues):
    job_id = submit(api_bob, media_dir / "lesson.mp4").json()["id"]
    response = api_bob.delete(f"/api/v1/jobs/{job_id}")
    assert response.status_code == 202 and response.json()["status"] == "cancelled"
    again = api_bob.delete(f"/api/v1/jobs/{job_id}")
    assert again.status_code == 409 and error_of(again)["code"] == "not_cancellable"
    response = api_bob.post(f"/api/v1/jobs/{job_id}/retry")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    again = api_bob.post(f"/api/v1/jobs/{job_id}/retry")
    assert again.status_code == 409 and error_of(again)["code"] == "not_retryable"
    actions = list(AuditEntry.objects.filter(target_id=job_id).values_list("action", flat=True))
    assert sorted(actions) == ["job.cancel", "job.create", "job.rerun"]


def test_result_and_artifacts_with_links_that_expire(api_bob, tenant_a, settings):
    job = JobFactory(video__tenant=tenant_a, status="queued")
    assert error_of(api_bob.get(f"/api/v1/jobs/{job.id}/result"))["code"] == "result_not_ready"
    assert api_bob.get(f"/api/v1/jobs/{job.id}/artifacts").json() == []

    job.result_file.save("result.json", ContentFile(b'{"schema": "cultivate.result/1", "highlights": []}'))
    folder = f"results/{tenant_a.pk}/{job.id}/highlights"
    default_storage.save(f"{folder}/01.mp4", ContentFile(b"clip bytes"))
    default_storage.save(f"{folder}/01.jpg", ContentFile(b"jpeg bytes"))
    default_storage.save(f"{folder}/01.vtt", ContentFile(b"WEBVTT\n"))
    Job.objects.filter(id=job.id).update(status="succeeded")

    assert api_bob.get(f"/api/v1/jobs/{job.id}/result").json()["schema"] == "cultivate.result/1"
    artifacts = api_bob.get(f"/api/v1/jobs/{job.id}/artifacts").json()
    assert [(a["name"], a["kind"]) for a in artifacts] == [
        ("result.json", "result"),
        ("highlights/01.jpg", "thumbnail"),
        ("highlights/01.mp4", "clip"),
        ("highlights/01.vtt", "captions"),
    ]
    clip = next(a for a in artifacts if a["kind"] == "clip")
    assert clip["size_bytes"] == len(b"clip bytes")
    # The link works without a key, and only for that file.
    anonymous = APIClient()
    download = anonymous.get(clip["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"clip bytes"
    assert download.headers["Content-Type"] == "video/mp4"
    assert anonymous.get(clip["url"][:-3] + "xyz").status_code == 404
    settings.API_LINK_TTL_S = 1  # links made from now on last a second
    short = next(a for a in api_bob.get(f"/api/v1/jobs/{job.id}/artifacts").json() if a["kind"] == "clip")
    time.sleep(2)
    assert anonymous.get(clip["url"]).status_code == 200  # the first link keeps its own expiry
    expired = anonymous.get(short["url"])
    assert expired.status_code == 410 and error_of(expired)["code"] == "link_expired"


def test_a_key_over_its_rate_limit_gets_a_429_with_retry_after(tenant_a, redis_queues):
    client = key_client(tenant_a, "coach", requests_per_minute=3)
    statuses = [client.get("/api/v1/usage").status_code for _ in range(4)]
    if statuses[-1] == 200:  # the minute turned over between requests: once more
        statuses = [client.get("/api/v1/usage").status_code for _ in range(4)]
    assert statuses[-1] == 429
    refused = client.get("/api/v1/usage")
    assert refused.status_code == 429
    error = error_of(refused)
    assert error["code"] == "rate_limited" and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert error["details"]["retry_after"] == int(refused.headers["Retry-After"])
    # Another key of the same tenant is not held back by this one's limit.
    assert key_client(tenant_a, "coach").get("/api/v1/usage").status_code == 200


def test_a_tenants_keys_share_the_tenant_limit(tenant_a, tenant_b, redis_queues):
    tenant_a.api_requests_per_minute = 4
    tenant_a.save()
    first, second = key_client(tenant_a, "coach"), key_client(tenant_a, "viewer")
    statuses = [c.get("/api/v1/usage").status_code for c in (first, second, first, second, first, second)]
    assert 429 in statuses and statuses.count(200) <= 4
    assert key_client(tenant_b, "coach").get("/api/v1/usage").status_code == 200


def test_transcript_questions_and_usage(api_vera, tenant_a):
    response = api_vera.post(
        "/api/v1/analyze/text",
        {"lines": ["Teacher: What do you think will happen next?", "Teacher: Is it red?", "Child: It is red."]},
        format="json",
    )
    body = response.json()
    assert [line["label"] for line in body["lines"]] == ["OEQ", "CEQ", "NONQ"]
    assert body["lines"][0]["speaker"] == "Teacher"
    assert body["summary"]["oeq_count"] == 1 and body["summary"]["ceq_count"] == 1
    bad = api_vera.post("/api/v1/analyze/text", {"text": "no lines field"}, format="json")
    assert bad.status_code == 400 and "lines" in error_of(bad)["details"]

    tenant_a.monthly_budget = Decimal("50.00")
    tenant_a.save()
    usage = api_vera.get("/api/v1/usage").json()
    assert usage["budget"] == "50.00" and usage["remaining"] == "50.000000" and usage["currency"] == "USD"


def test_webhooks_over_the_api(api_alice, tenant_a, settings, redis_queues):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    made = api_alice.post(
        "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["job.failed"]}, format="json"
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    endpoint_id = made.json()["id"]
    bad = api_alice.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/", "events": ["job.eaten"]}, format="json")
    assert bad.status_code == 400 and "events" in error_of(bad)["details"]
    changed = api_alice.patch(
        f"/api/v1/webhooks/{endpoint_id}", {"events": ["job.failed", "job.succeeded"]}, format="json"
    )
    assert changed.json()["events"] == ["job.succeeded", "job.failed"]
    assert [w["id"] for w in api_alice.get("/api/v1/webhooks").json()] == [endpoint_id]

    endpoint = deliveries.webhook_get(tenant=tenant_a, endpoint_id=endpoint_id)
    from django.db import transaction

    with transaction.atomic():
        (sent,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={"job": {"id": "x"}})
    page = api_alice.get(f"/api/v1/webhooks/{endpoint_id}/deliveries").json()
    assert [d["id"] for d in page["results"]] == [str(sent.id)]
    again = api_alice.post(f"/api/v1/webhooks/{endpoint_id}/deliveries/{sent.id}/redeliver")
    assert again.status_code == 202
    assert again.json()["event_id"] == str(sent.event_id) and again.json()["redelivery_of"] == str(sent.id)

    api_alice.patch(f"/api/v1/webhooks/{endpoint_id}", {"is_active": False}, format="json")
    refused = api_alice.post(f"/api/v1/webhooks/{endpoint_id}/deliveries/{sent.id}/redeliver")
    assert refused.status_code == 409 and error_of(refused)["code"] == "webhook_disabled"
    assert api_alice.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 204
    assert not type(endpoint).objects.filter(id=endpoint_id).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"webhook.create", "webhook.disable", "webhook.redeliver", "webhook.delete"} <= actions


def test_every_error_has_the_one_shape(api_bob, db):
    for response, status in [
        (api_bob.put("/api/v1/jobs", {}, format="json"), 405),
        (api_bob.get("/api/v1/no-such-thing"), 404),
        (api_bob.get("/api/v1/jobs/6f1c1f7e-2b1e-4d55-9d0b-3f5c6a0c2a11"), 404),
        (api_bob.post("/api/v1/analyze/text", "{not json", content_type="application/json"), 400),
        (api_bob.post("/api/v1/analyze/text", "lines=x", content_type="text/plain"), 415),
        (api_bob.get("/api/v1/usage", HTTP_ACCEPT="text/csv"), 406),
    ]:
        assert response.status_code == status
        assert error_of(response)["code"]


def test_rate_limits_let_requests_through_when_redis_is_unreachable(api_bob, settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    assert api_bob.get("/api/v1/usage").status_code == 200
    assert "rate limit not checked" in caplog.text
