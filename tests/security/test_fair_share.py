"""F2: one tenant cannot starve another (jobs, the high queue, webhooks).

Real Redis queues, real PostgreSQL, real worker processes, a real (slow) HTTP receiver.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jobs import attempts, services
from jobs.media import conversions, uploads
from jobs.models import Job, JobAttempt, WebhookDelivery
from jobs.webhooks import deliveries
from tests.api.conftest import key_client
from tests.conftest import run_worker_process, uploaded
from tests.factories import VideoFactory

pytestmark = pytest.mark.django_db(transaction=True)


def queued_job(tenant, user, **fields) -> Job:
    video = VideoFactory(tenant=tenant)
    return services.job_create(tenant=tenant, video=video, created_by=user, **fields)


def waiting_on(queue) -> list[str]:
    """Job ids in an RQ queue's order."""
    return [queue.fetch_job(rq_id).args[0] for rq_id in queue.job_ids]


def test_another_tenants_job_waits_behind_only_a_share_of_a_busy_tenants_jobs(
    tenant_a, tenant_b, bob, charlie, redis_queues, settings
):
    settings.TENANT_MAX_WAITING_JOBS = 2
    busy = [queued_job(tenant_a, bob) for _ in range(8)]
    theirs = queued_job(tenant_b, charlie)
    order = waiting_on(redis_queues[1])
    assert order == [str(busy[0].id), str(busy[1].id), str(theirs.id)]
    # The rest wait in the database, still queued, and are handed over as earlier ones start.
    assert Job.objects.filter(tenant=tenant_a, status=Job.Status.QUEUED).count() == 8
    attempts.job_start(job_id=busy[0].id)
    assert waiting_on(redis_queues[1])[-1] == str(busy[2].id)


def test_the_tenants_own_jobs_go_by_priority_then_age(tenant_a, alice, bob, redis_queues, settings):
    settings.TENANT_MAX_WAITING_JOBS = 1
    first = queued_job(tenant_a, bob)
    later = queued_job(tenant_a, bob, priority="low")
    urgent = queued_job(tenant_a, alice, priority="high")
    assert waiting_on(redis_queues[1]) == [str(first.id)]
    attempts.job_start(job_id=first.id)
    assert waiting_on(redis_queues[0]) == [str(urgent.id)]  # high before the older low one
    attempts.job_start(job_id=urgent.id)
    assert waiting_on(redis_queues[2]) == [str(later.id)]


def test_a_running_cap_keeps_a_tenant_from_taking_every_worker(tenant_a, bob, redis_queues, settings):
    settings.TENANT_MAX_WAITING_JOBS, settings.TENANT_MAX_RUNNING_JOBS = 2, 2
    jobs = [queued_job(tenant_a, bob) for _ in range(4)]
    attempts.job_start(job_id=jobs[0].id)
    attempts.job_start(job_id=jobs[1].id)
    assert Job.objects.filter(dispatched_at__isnull=False, status=Job.Status.QUEUED).count() == 0
    started = attempts.job_start(job_id=jobs[0].id)  # a duplicate claim changes nothing
    assert started is None
    job = Job.objects.get(id=jobs[0].id)
    attempts.job_fail(job_id=job.id, attempt=job.current_attempt, code="x", message="done")
    assert waiting_on(redis_queues[1])[2:] == [str(jobs[2].id)]  # after the two it started


@pytest.mark.slow
def test_a_busy_tenant_cannot_starve_another_through_a_real_worker(
    media_dir, tenant_a, tenant_b, bob, charlie, redis_queues, settings
):
    """Six quick conversions of one tenant, then one of another: the worker gets to the second
    tenant's job after at most its share of the first's."""
    settings.TENANT_MAX_WAITING_JOBS = 2

    def convert(tenant, user):
        with uploaded(media_dir / "lesson.mp4") as upload:
            video = uploads.video_create(tenant=tenant, uploader=user, upload=upload)
        options = {"format": "gif", "fps": 2, "width": 64, "end_s": 2}
        return conversions.conversion_create(tenant=tenant, video=video, created_by=user, options=options)

    busy = [convert(tenant_a, bob) for _ in range(6)]
    theirs = convert(tenant_b, charlie)
    done = run_worker_process(TENANT_MAX_WAITING_JOBS="2")
    assert done.returncode == 0, done.stderr[-2000:]
    order = [a.job_id for a in JobAttempt.objects.order_by("started_at")]
    assert set(order) == {j.id for j in [*busy, theirs]}
    assert order.index(theirs.id) <= 2, order


class _Slow(BaseHTTPRequestHandler):
    """A receiver that takes its time over every answer."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(3)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.slow
def test_slow_webhooks_and_redeliveries_never_hold_up_another_tenants_job(
    media_dir, tenant_a, tenant_b, alice, charlie, redis_queues, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        deliveries.webhook_create(
            tenant=tenant_a, url=f"http://127.0.0.1:{server.server_port}/slow", events=["job.failed"]
        )
        sent = [deliveries.event_emit(tenant=tenant_a, event="job.failed", data={})[0] for _ in range(4)]
        for delivery in sent[:3]:
            deliveries.webhook_redeliver(delivery=delivery)
        with uploaded(media_dir / "lesson.mp4") as upload:
            video = uploads.video_create(tenant=tenant_b, uploader=charlie, upload=upload)
        job = conversions.conversion_create(
            tenant=tenant_b, video=video, created_by=charlie, options={"format": "gif", "fps": 2, "width": 64}
        )
        done = run_worker_process(WEBHOOK_ALLOW_PRIVATE="true")  # the job worker, as make run starts it
    finally:
        server.shutdown()
        server.server_close()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, done.stderr[-2000:]
    # Deliveries have a queue and a worker of their own: the job worker never waited on one.
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {0}
    assert redis_queues[3].count == 7


def test_a_coach_cannot_jump_the_queue_but_an_admin_or_an_allowed_tenant_can(tenant_a, media_dir, redis_queues):
    coach, admin = key_client(tenant_a, "coach"), key_client(tenant_a, "admin")

    def submit(client):
        with open(media_dir / "lesson.mp4", "rb") as f:
            return client.post("/api/v1/jobs", {"file": f, "priority": "high", "render": "false"}, format="multipart")

    refused = submit(coach)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "priority_not_allowed"
    assert not Job.objects.exists()
    assert submit(admin).status_code == 202
    tenant_a.high_priority_allowed = True
    tenant_a.save()
    assert submit(coach).status_code == 202


def test_the_upload_page_offers_high_priority_only_to_those_who_may_use_it(client, tenant_a, bob, alice):
    from tests.conftest import login

    assert 'value="high"' not in login(client, bob).get("/upload/").content.decode()
    client.logout()
    assert 'value="high"' in login(client, alice).get("/upload/").content.decode()


def test_endpoints_and_redeliveries_are_capped_per_tenant(tenant_a, alice, settings, redis_queues):
    settings.WEBHOOK_MAX_ENDPOINTS, settings.WEBHOOK_REDELIVERIES_PER_MINUTE = 3, 2
    api = key_client(tenant_a, "admin")
    made = [
        api.post("/api/v1/webhooks", {"url": f"https://hooks.example.org/{n}", "events": ["job.failed"]}, format="json")
        for n in range(4)
    ]
    assert [r.status_code for r in made] == [201, 201, 201, 409]
    assert made[-1].json()["error"]["code"] == "webhook_limit"
    endpoint = made[0].json()["id"]
    (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={}, endpoint_id=endpoint)
    url = f"/api/v1/webhooks/{endpoint}/deliveries/{delivery.id}/redeliver"
    answers = [api.post(url) for _ in range(3)]
    assert [r.status_code for r in answers] == [202, 202, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
