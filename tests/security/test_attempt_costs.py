"""F15: every attempt is billed what it used, however it ended (real workers, real ledger)."""

from __future__ import annotations

import signal
import time
from decimal import Decimal

import pytest

from jobs import attempts, services
from jobs.billing import budgets, costs
from jobs.media import uploads
from jobs.models import CostEntry, Job, JobAttempt
from jobs.reconcile import reconcile
from tests.conftest import run_worker_process, start_worker_process, uploaded
from tests.factories import VideoFactory
from tests.visual_media import make_lesson_video

pytestmark = pytest.mark.django_db(transaction=True)

BEAT = {"JOB_HEARTBEAT_S": "1"}


@pytest.fixture(scope="module")
def long_lesson(tmp_path_factory):
    return make_lesson_video(tmp_path_factory.mktemp("costs"))


def submit(path, tenant, user) -> Job:
    with uploaded(path) as upload:
        video = uploads.video_create(tenant=tenant, uploader=user, upload=upload)
    return services.job_create(tenant=tenant, video=video, created_by=user)


def measured_cpu(job: Job) -> float:
    """Wait until the running attempt's heartbeat has reported some CPU seconds."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        row = JobAttempt.objects.filter(job=job, outcome=JobAttempt.Outcome.RUNNING).first()
        if row is not None and row.cpu_s > 1:
            return row.cpu_s
        time.sleep(0.2)
    raise AssertionError("the worker never reported what it used")


def billed(job: Job) -> dict[int, Decimal]:
    """CPU seconds billed per attempt number."""
    return {
        e.attempt.number: e.quantity for e in CostEntry.objects.filter(job=job, kind="cpu").select_related("attempt")
    }


@pytest.mark.slow
def test_a_cancelled_attempt_is_billed_what_it_used(long_lesson, tenant_a, bob, redis_queues):
    job = submit(long_lesson, tenant_a, bob)
    worker = start_worker_process(**BEAT)
    used = measured_cpu(job)
    assert services.job_cancel(job_id=job.id)
    worker.wait(timeout=90)  # a bound, not a timing: a busy machine may take a while to stop
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert billed(job)[1] >= Decimal(str(used)) > 0
    assert job.cost == sum(e.amount for e in job.cost_entries.all()) > 0
    assert budgets.budget_usage(tenant=tenant_a).spent == job.cost


@pytest.mark.slow
def test_a_lost_attempt_is_billed_up_to_its_last_heartbeat(long_lesson, tenant_a, bob, redis_queues):
    job = submit(long_lesson, tenant_a, bob)
    worker = start_worker_process(**BEAT)
    used = measured_cpu(job)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(1.2)
    assert reconcile(lost_after_s=1)["requeued"] == 1
    assert billed(job)[1] >= Decimal(str(used)) > 0
    assert JobAttempt.objects.get(job=job, number=1).outcome == JobAttempt.Outcome.LOST


@pytest.mark.slow
def test_a_timed_out_attempt_fails_as_such_and_is_billed(long_lesson, tenant_a, bob, redis_queues, settings):
    settings.JOB_TIMEOUT_BASE_S, settings.JOB_TIMEOUT_PER_MEDIA_S = 6, 0  # the RQ limit is set when queued
    job = submit(long_lesson, tenant_a, bob)
    done = run_worker_process(**BEAT)
    job.refresh_from_db()
    assert (job.status, job.error_code) == (Job.Status.FAILED, "timed_out"), done.stderr[-2000:]
    assert "time limit" in job.error_message
    assert billed(job)[1] > 0


@pytest.mark.slow
def test_failed_and_retried_attempts_are_billed_one_line_each(media_dir, tenant_a, bob, redis_queues):
    job = submit(media_dir / "lesson.mp4", tenant_a, bob)
    # A model that cannot load is retried; both attempts ran (loading, probing) and are billed.
    run_worker_process(WHISPER_MODEL="/nonexistent/model", JOB_MAX_ATTEMPTS="2", JOB_RETRY_BACKOFF_S="0")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    lines = billed(job)
    assert sorted(lines) == [1, 2] and all(q > 0 for q in lines.values())
    assert job.cost == sum(e.amount for e in job.cost_entries.all())


def test_an_attempt_is_billed_once_even_if_ended_twice(tenant_a, bob, redis_queues):
    job = services.job_create(tenant=tenant_a, video=VideoFactory(tenant=tenant_a), created_by=bob)
    attempt = attempts.job_start(job_id=job.id).current_attempt
    assert attempts.job_heartbeat(job_id=job.id, attempt=attempt, usage=costs.Usage(cpu_s=7.5))
    assert services.job_cancel(job_id=job.id)
    assert not attempts.job_fail(job_id=job.id, attempt=attempt, code="x", message="late", usage=costs.Usage(cpu_s=9))
    assert billed(job) == {1: Decimal("7.5")}
