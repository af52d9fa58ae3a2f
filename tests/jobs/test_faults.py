"""Faults with real parts: worker processes killed with SIGKILL, Redis flushed, cancels, retries.

Workers are ``manage.py rqworker --burst`` processes on the test database and Redis; the
reconciler is called in the test process, as ``manage.py reconcile`` would.
"""

import signal
import subprocess
import time
from datetime import timedelta

import django_rq
import pytest
from django.utils import timezone

from jobs import services
from jobs.media import uploads
from jobs.models import Job, JobAttempt
from jobs.reconcile import reconcile
from tests.conftest import run_worker_process, start_worker_process, uploaded
from tests.visual_media import make_lesson_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def long_lesson(tmp_path_factory):
    """A 40 s lesson with a face: long enough to be caught running."""
    return make_lesson_video(tmp_path_factory.mktemp("faults"))


def submit(path, tenant, user, **kwargs) -> Job:
    with uploaded(path) as upload:  # closed here: Django moved the temporary file into storage
        video = uploads.video_create(tenant=tenant, uploader=user, upload=upload)
    return services.job_create(tenant=tenant, video=video, created_by=user, **kwargs)


def wait_until_running(job: Job, worker: subprocess.Popen, timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == Job.Status.RUNNING:
            return job
        assert worker.poll() is None, "the worker exited before it started the job"
        time.sleep(0.1)
    raise AssertionError(f"job never started: {job.status}")


def test_a_killed_worker_is_found_and_another_finishes_the_job(long_lesson, tenant_a, bob, redis_queues):
    job = submit(long_lesson, tenant_a, bob)
    worker = start_worker_process()
    wait_until_running(job, worker)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING  # nobody told the database: it looks alive

    time.sleep(1.2)
    assert reconcile(lost_after_s=1) == {
        "requeued": 1,
        "failed": 0,
        "enqueued": 0,
        "dispatched": 0,
        "webhooks": 0,
        "uploads": 0,
    }
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.error_code == "worker_lost"

    done = run_worker_process()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, done.stderr[-2000:]
    assert job.attempts == 2
    assert [a.outcome for a in job.attempt_log.all()] == [JobAttempt.Outcome.LOST, JobAttempt.Outcome.SUCCEEDED]


def test_a_queued_job_that_redis_forgot_is_enqueued_again(media_dir, tenant_a, bob, redis_queues):
    job = submit(media_dir / "lesson.mp4", tenant_a, bob)
    assert redis_queues[1].count == 1
    django_rq.get_connection("default").flushdb()  # Redis restarts with an empty memory
    assert reconcile(grace_s=0)["enqueued"] == 1
    assert reconcile(grace_s=0)["enqueued"] == 0  # once is enough: it is in Redis again

    run_worker_process()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


def test_redis_flushed_while_a_job_runs_loses_nothing(long_lesson, tenant_a, bob, redis_queues):
    job = submit(long_lesson, tenant_a, bob)
    worker = start_worker_process()
    wait_until_running(job, worker)
    django_rq.get_connection("default").flushdb()
    worker.wait(timeout=240)
    job.refresh_from_db()
    if job.status != Job.Status.SUCCEEDED:  # the worker lost its footing with Redis: repair
        time.sleep(1.2)
        reconcile(lost_after_s=1, grace_s=0)
        run_worker_process()
        job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


def test_a_permanent_error_fails_at_once_without_retries(media_dir, tenant_a, bob, redis_queues):
    job = submit(media_dir / "lesson.mp4", tenant_a, bob)
    with open(job.video.file.path, "wb") as f:  # the stored file went bad after upload
        f.write(b"%PDF-1.4 not a video")
    run_worker_process(JOB_RETRY_BACKOFF_S="0")
    job.refresh_from_db()
    assert (job.status, job.error_code, job.attempts) == (Job.Status.FAILED, "not_media", 1)
    assert [a.outcome for a in job.attempt_log.all()] == [JobAttempt.Outcome.FAILED]


def test_a_transient_error_is_retried_then_fails_visibly(media_dir, tenant_a, bob, redis_queues):
    job = submit(media_dir / "lesson.mp4", tenant_a, bob)
    # A model that cannot be loaded is a machine problem, not the recording's: it is retried.
    run_worker_process(WHISPER_MODEL="/nonexistent/model", JOB_MAX_ATTEMPTS="2", JOB_RETRY_BACKOFF_S="0")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 2
    assert "gave up after 2 attempts" in job.error_message
    outcomes = [a.outcome for a in job.attempt_log.all()]
    assert outcomes == [JobAttempt.Outcome.RETRYING, JobAttempt.Outcome.FAILED]
    assert all(a.error_message for a in job.attempt_log.all())


def test_a_running_job_is_cancelled_and_its_worker_freed(long_lesson, tenant_a, bob, redis_queues):
    job = submit(long_lesson, tenant_a, bob)
    worker = start_worker_process()
    wait_until_running(job, worker)
    assert services.job_cancel(job_id=job.id)
    # The burst worker exits once the job returns; a functional bound, not a speed target.
    worker.wait(timeout=10)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and not job.result_file
    assert [a.outcome for a in job.attempt_log.all()] == [JobAttempt.Outcome.CANCELLED]
    assert not (job.video.file.storage.exists(f"results/{job.tenant_id}/{job.id}/highlights/01.mp4"))


def test_a_queued_job_is_cancelled_before_any_worker_sees_it(media_dir, tenant_a, bob, redis_queues):
    job = submit(media_dir / "lesson.mp4", tenant_a, bob)
    assert services.job_cancel(job_id=job.id)
    run_worker_process()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.attempts == 0


def test_the_reconciler_fails_a_lost_job_on_its_last_attempt(media_dir, tenant_a, bob, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    job = submit(media_dir / "lesson.mp4", tenant_a, bob)
    stale = timezone.now() - timedelta(minutes=5)
    Job.objects.filter(id=job.id).update(status=Job.Status.RUNNING, attempts=2, current_attempt=2, heartbeat_at=stale)
    JobAttempt.objects.create(job=job, number=2, started_at=stale)
    assert reconcile()["failed"] == 1
    job.refresh_from_db()
    assert (job.status, job.error_code) == (Job.Status.FAILED, "worker_lost")
    assert "gave up after 2 attempts" in job.error_message


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(media_dir, tenant_a, bob):
    job = submit(media_dir / "lesson.mp4", tenant_a, bob)
    Job.objects.filter(id=job.id).update(status=Job.Status.RUNNING, attempts=1, heartbeat_at=timezone.now())
    assert reconcile() == {"requeued": 0, "failed": 0, "enqueued": 0, "dispatched": 0, "webhooks": 0, "uploads": 0}
