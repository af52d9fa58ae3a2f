"""Webhooks against real HTTP receivers on loopback: signatures, retries, redelivery, switching off."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from http.server import HTTPServer
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from cultivate.accounts.models import AuditEntry
from cultivate.refusals import Refusal
from jobs import services
from jobs.models import Job, WebhookDelivery, WebhookEndpoint
from jobs.reconcile import reconcile
from jobs.webhooks import deliveries
from tests.conftest import ROOT, run_delivery_worker, run_worker_process, uploaded
from tests.factories import JobFactory
from tests.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_BACKOFF_S = 30


def endpoint_for(tenant, url, events=("job.queued", "job.succeeded", "job.failed", "job.cancelled")):
    return deliveries.webhook_create(tenant=tenant, url=url, events=list(events))


def documented_receiver():
    """The receiver from docs/webhooks.md, run as written (its SECRET is set by the test)."""
    text = (ROOT / "docs" / "webhooks.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace


def test_it_signs_deliveries_that_the_documented_receiver_accepts(tenant_a, redis_queues):
    doc = documented_receiver()
    server = HTTPServer(("127.0.0.1", 0), doc["Hook"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = endpoint_for(tenant_a, f"http://127.0.0.1:{server.server_port}/hook")
        doc["SECRET"] = endpoint.secret.encode()
        job = JobFactory(video__tenant=tenant_a)
        (good,) = deliveries.event_emit(tenant=tenant_a, event="job.succeeded", data={"job": {"id": str(job.id)}})
        assert deliveries.delivery_send(delivery_id=good.id) == WebhookDelivery.Status.SUCCEEDED

        doc["SECRET"] = b"whsec_somebody-else"  # a forged signature is refused by the same code
        (forged,) = deliveries.event_emit(tenant=tenant_a, event="job.succeeded", data={"job": {"id": str(job.id)}})
        assert deliveries.delivery_send(delivery_id=forged.id) == WebhookDelivery.Status.PENDING
        forged.refresh_from_db()
        assert forged.response_status == 400 and forged.next_attempt_at > timezone.now()
    finally:
        server.shutdown()
        server.server_close()


def test_the_signature_covers_timestamp_and_body(tenant_a, redis_queues):
    with Receiver() as receiver:
        endpoint = endpoint_for(tenant_a, receiver.url)
        deliveries.event_emit(tenant=tenant_a, event="job.queued", data={"job": {"id": "x"}})
        deliveries.delivery_send(delivery_id=WebhookDelivery.objects.get().id)
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    t = int(re.match(r"t=(\d+),v1=[0-9a-f]{64}$", headers["X-Cultivate-Signature"]).group(1))
    assert headers["X-Cultivate-Signature"] == deliveries.sign(endpoint.secret, t, body)
    assert deliveries.sign(endpoint.secret, t, body + b" ") != headers["X-Cultivate-Signature"]
    payload = json.loads(body)
    assert payload["version"] == 1 and payload["type"] == "job.queued"
    assert payload["id"] == headers["X-Cultivate-Event-Id"]


def test_a_500_is_retried_with_backoff_until_it_is_delivered(tenant_a, redis_queues):
    with Receiver(statuses=[500, 503]) as receiver:
        endpoint_for(tenant_a, receiver.url)
        (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={"job": {"id": "x"}})

        assert deliveries.delivery_send(delivery_id=delivery.id) == WebhookDelivery.Status.PENDING
        delivery.refresh_from_db()
        first_wait = delivery.next_attempt_at - delivery.last_attempt_at
        assert (delivery.attempts, delivery.response_status) == (1, 500)
        assert timedelta(seconds=29) < first_wait <= timedelta(seconds=31)
        assert "receiver is down" in delivery.response_excerpt
        # Not due yet: a duplicate RQ job or an early reconciler does not send it again.
        assert deliveries.delivery_send(delivery_id=delivery.id) == ""
        assert len(receiver.requests) == 1

        WebhookDelivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert deliveries.delivery_send(delivery_id=delivery.id) == WebhookDelivery.Status.PENDING
        delivery.refresh_from_db()
        assert delivery.next_attempt_at - delivery.last_attempt_at > timedelta(seconds=59)  # doubled

        # The reconciler hands the due delivery to a real worker, which delivers it. (The
        # attempts above were made in this process: their RQ job is dropped as a worker's would be.)
        redis_queues[3].empty()
        WebhookDelivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now() - timedelta(seconds=60))
        assert reconcile()["webhooks"] == 1
        done = run_delivery_worker(WEBHOOK_ALLOW_PRIVATE="true")
        delivery.refresh_from_db()
        assert delivery.status == WebhookDelivery.Status.SUCCEEDED, done.stderr[-2000:]
        assert delivery.attempts == 3 and len(receiver.requests) == 3


def test_a_delivery_gives_up_after_the_last_attempt(tenant_a, redis_queues, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_BACKOFF_S = 0
    with Receiver(statuses=[500, 500, 500]) as receiver:
        endpoint_for(tenant_a, receiver.url)
        (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={})
        deliveries.delivery_send(delivery_id=delivery.id)
        assert deliveries.delivery_send(delivery_id=delivery.id) == WebhookDelivery.Status.FAILED
    assert len(receiver.requests) == 2


def test_redelivery_sends_the_same_event_again(tenant_a, redis_queues):
    with Receiver() as receiver:
        endpoint_for(tenant_a, receiver.url)
        (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.succeeded", data={"job": {"id": "y"}})
        deliveries.delivery_send(delivery_id=delivery.id)
        copy = deliveries.webhook_redeliver(delivery=delivery)
        deliveries.delivery_send(delivery_id=copy.id)
    first, second = receiver.requests
    assert first["headers"]["X-Cultivate-Event-Id"] == second["headers"]["X-Cultivate-Event-Id"]
    assert first["headers"]["X-Cultivate-Delivery"] != second["headers"]["X-Cultivate-Delivery"]
    assert json.loads(first["body"]) == json.loads(second["body"])
    assert copy.redelivery_of_id == delivery.id


def test_an_endpoint_failing_for_a_day_is_switched_off_and_admins_told(tenant_a, alice, redis_queues):
    alice.email = "alice@maple.example"
    alice.save()
    with Receiver(statuses=[500]) as receiver:
        endpoint = endpoint_for(tenant_a, receiver.url)
        WebhookEndpoint.objects.filter(id=endpoint.id).update(failing_since=timezone.now() - timedelta(hours=25))
        (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={})
        deliveries.event_emit(tenant=tenant_a, event="job.cancelled", data={})  # waiting behind it
        deliveries.delivery_send(delivery_id=delivery.id)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "HTTP 500" in endpoint.disabled_reason
    assert not WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).exists()
    assert [m.to for m in mail.outbox] == [["alice@maple.example"]]
    assert AuditEntry.objects.filter(tenant=tenant_a, action="webhook.disable", actor=None).count() == 1
    assert deliveries.event_emit(tenant=tenant_a, event="job.failed", data={}) == []  # nothing more is sent
    with pytest.raises(Refusal):
        deliveries.webhook_redeliver(delivery=delivery)


def test_a_success_clears_the_failure_record(tenant_a, redis_queues):
    with Receiver(statuses=[500]) as receiver:
        endpoint = endpoint_for(tenant_a, receiver.url)
        (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={})
        deliveries.delivery_send(delivery_id=delivery.id)
        endpoint.refresh_from_db()
        assert endpoint.failing_since is not None
        WebhookDelivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now())
        deliveries.delivery_send(delivery_id=delivery.id)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.is_active


def test_only_subscribed_active_endpoints_of_the_tenant_get_an_event(tenant_a, tenant_b, redis_queues):
    subscribed = endpoint_for(tenant_a, "http://127.0.0.1:9/a", events=["job.succeeded"])
    endpoint_for(tenant_a, "http://127.0.0.1:9/b", events=["job.failed"])
    off = endpoint_for(tenant_a, "http://127.0.0.1:9/c", events=["job.succeeded"])
    deliveries.webhook_update(endpoint=off, is_active=False)
    endpoint_for(tenant_b, "http://127.0.0.1:9/d", events=["job.succeeded"])
    sent = deliveries.event_emit(tenant=tenant_a, event="job.succeeded", data={})
    assert [d.endpoint_id for d in sent] == [subscribed.id]


def test_a_refused_connection_is_logged_as_an_error(tenant_a, redis_queues):
    endpoint_for(tenant_a, "http://127.0.0.1:9/nothing-listens-here")
    (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={})
    deliveries.delivery_send(delivery_id=delivery.id)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.response_status is None
    assert "Connection" in delivery.error or "refused" in delivery.error


def test_bad_endpoints_are_refused(tenant_a, settings):
    with pytest.raises(Refusal, match="Unknown event"):
        deliveries.webhook_create(tenant=tenant_a, url="https://example.org/h", events=["job.exploded"])
    with pytest.raises(Refusal, match="https://"):
        deliveries.webhook_create(tenant=tenant_a, url="ftp://example.org/h", events=["job.failed"])
    settings.WEBHOOK_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:8000/h", "http://localhost/h", "http://10.1.2.3/h", "http://[::1]/h"):
        with pytest.raises(Refusal, match="private or local"):
            deliveries.webhook_create(tenant=tenant_a, url=url, events=["job.failed"])


@pytest.mark.slow
def test_a_job_sends_queued_progress_and_succeeded_through_a_real_worker(media_dir, tenant_a, bob, redis_queues):
    from jobs.media import uploads

    with Receiver() as receiver:
        endpoint_for(tenant_a, receiver.url, events=list(WebhookEndpoint.EVENTS))
        with uploaded(Path(media_dir) / "lesson.mp4") as upload:
            video = uploads.video_create(tenant=tenant_a, uploader=bob, upload=upload)
        job = services.job_create(tenant=tenant_a, video=video, created_by=bob)
        done = run_worker_process(WEBHOOK_ALLOW_PRIVATE="true")  # runs the job
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED, done.stderr[-2000:]
        # The job's deliveries waited on their own queue; the delivery worker sends them.
        run_delivery_worker(WEBHOOK_ALLOW_PRIVATE="true")
    events = receiver.events()
    assert events[0] == "job.queued" and events[-1] == "job.succeeded"
    assert "job.progress" in events
    final = json.loads(receiver.requests[-1]["body"])["data"]["job"]
    assert final["id"] == str(job.id) and final["status"] == "succeeded"
    assert final["cost"]["actual"] is not None
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {WebhookDelivery.Status.SUCCEEDED}


def test_the_reconciler_neither_doubles_a_waiting_delivery_nor_loses_a_forgotten_one(tenant_a, redis_queues):
    import django_rq

    endpoint_for(tenant_a, "http://127.0.0.1:9/hook")
    (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={})  # enqueued on commit
    delivery.refresh_from_db()
    assert delivery.rq_id and redis_queues[3].count == 1
    WebhookDelivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert reconcile()["webhooks"] == 0  # still waiting in RQ behind other work
    django_rq.get_connection("webhooks").flushdb()  # Redis restarts empty
    assert reconcile()["webhooks"] == 1
    assert redis_queues[3].count == 1
