"""F6: a worker whose attempt was taken back can write nothing, and removes only its own files.

The fence is the job's ``current_attempt``: every write a worker makes names its attempt.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from jobs import attempts, layout, services, tasks
from jobs.media import uploads
from jobs.models import Job, JobAttempt
from jobs.reconcile import reconcile
from tests.conftest import start_worker_process, uploaded
from tests.factories import VideoFactory
from tests.visual_media import make_lesson_video

pytestmark = pytest.mark.django_db(transaction=True)


def queued(tenant, user) -> Job:
    return services.job_create(tenant=tenant, video=VideoFactory(tenant=tenant), created_by=user)


def lose(job: Job) -> None:
    """The reconciler finds the running attempt's heartbeat stale and takes the job back."""
    Job.objects.filter(id=job.id).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    assert reconcile(lost_after_s=60)["requeued"] == 1


def clip_folder(tmp_path, name: str, content: bytes):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "01.mp4").write_bytes(content)
    return folder


def test_a_worker_whose_attempt_was_taken_back_can_write_nothing(tenant_a, bob, tmp_path, redis_queues):
    job = queued(tenant_a, bob)
    zombie = attempts.job_start(job_id=job.id).current_attempt
    lose(job)
    winner = attempts.job_start(job_id=job.id).current_attempt
    assert (zombie, winner) == (1, 2)

    # The first worker wakes up and carries on: every write is refused.
    assert not attempts.job_heartbeat(job_id=job.id, attempt=zombie)
    assert not attempts.job_progress(job_id=job.id, attempt=zombie, stage="rendering", progress=90)
    old = clip_folder(tmp_path, "zombie", b"the zombie's clip")
    assert attempts.job_store_artifacts(job=job, attempt=zombie, folder=str(old)) == []
    assert not attempts.job_succeed(job_id=job.id, attempt=zombie, result={"timings": {}, "by": "zombie"})
    assert not attempts.job_fail(job_id=job.id, attempt=zombie, code="x", message="zombie")
    assert attempts.job_retry_or_fail(job_id=job.id, attempt=zombie, code="x", message="zombie") == ""

    new = clip_folder(tmp_path, "winner", b"the winner's clip")
    assert attempts.job_store_artifacts(job=job, attempt=winner, folder=str(new))
    assert attempts.job_succeed(job_id=job.id, attempt=winner, result={"timings": {}, "by": "winner"})
    attempts.job_discard_attempt(job=job, attempt=zombie)  # the zombie cleans up on its way out
    attempts.job_discard_attempt(job=job, attempt=winner)  # a no-op for the attempt that won

    job.refresh_from_db()
    assert (job.status, job.current_attempt) == (Job.Status.SUCCEEDED, winner)
    assert b'"by":"winner"' in job.result_file.read()
    with default_storage.open(layout.clip_path(job, "01.mp4")) as clip:
        assert clip.read() == b"the winner's clip"
    assert layout.clip_path(job, "01.mp4").startswith(layout.attempt_folder(job, winner))
    assert [a.outcome for a in job.attempt_log.all()] == [JobAttempt.Outcome.LOST, JobAttempt.Outcome.SUCCEEDED]


def test_a_cancelled_attempt_cannot_bring_itself_back(tenant_a, bob, redis_queues):
    job = queued(tenant_a, bob)
    attempt = attempts.job_start(job_id=job.id).current_attempt
    assert services.job_cancel(job_id=job.id)
    assert not attempts.job_progress(job_id=job.id, attempt=attempt, stage="transcribing", progress=40)
    assert not attempts.job_succeed(job_id=job.id, attempt=attempt, result={"timings": {}})
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and not job.result_file
    assert layout.stored_names(layout.attempt_folder(job, attempt)) == []  # the refused result was removed


def test_the_heartbeat_outlives_a_database_error(tenant_a, bob, settings, redis_queues):
    settings.JOB_HEARTBEAT_S = 0.2
    job = queued(tenant_a, bob)
    attempt = attempts.job_start(job_id=job.id).current_attempt
    progress = tasks._ProgressReporter(str(job.id), attempt)
    beat = tasks._Heartbeat(str(job.id), attempt, progress, tasks._AttemptClock())
    beat.start()
    try:
        with connection.cursor() as cursor:  # a real database error of a kind nobody expects
            cursor.execute("ALTER TABLE jobs_jobattempt RENAME COLUMN cpu_s TO cpu_s_away")
        time.sleep(1.0)  # several beats fail meanwhile
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE jobs_jobattempt RENAME COLUMN cpu_s_away TO cpu_s")
        mark = timezone.now()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Job.objects.get(id=job.id).heartbeat_at <= mark:
            time.sleep(0.1)
        assert Job.objects.get(id=job.id).heartbeat_at > mark  # beating again
        assert beat.is_alive() and progress.running
    finally:
        beat.stop()


@pytest.fixture(scope="module")
def long_lesson(tmp_path_factory):
    return make_lesson_video(tmp_path_factory.mktemp("fencing"))


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout} s")


@pytest.mark.slow
def test_a_worker_frozen_past_its_heartbeat_stops_when_it_wakes_and_spares_the_winner(
    long_lesson, tenant_a, bob, redis_queues
):
    with uploaded(long_lesson) as upload:
        video = uploads.video_create(tenant=tenant_a, uploader=bob, upload=upload)
    job = services.job_create(tenant=tenant_a, video=video, created_by=bob)
    env = {"JOB_HEARTBEAT_S": "1"}
    first = start_worker_process(**env)
    wait_for(lambda: Job.objects.get(id=job.id).stage == "transcribing", 120, "the first worker starting")
    first.send_signal(signal.SIGSTOP)  # frozen (a stalled machine, a long GC pause): no heartbeat
    try:
        time.sleep(1.5)
        assert reconcile(lost_after_s=1)["requeued"] == 1
        second = start_worker_process(**env)
        wait_for(lambda: Job.objects.get(id=job.id).current_attempt == 2, 60, "the second worker taking the job")
    finally:
        first.send_signal(signal.SIGCONT)
    # The first worker's next heartbeat or progress write is refused: it stops its pipeline
    # and its burst worker exits, long before a whole analysis could have run.
    first.wait(timeout=30)
    assert Job.objects.get(id=job.id).current_attempt == 2
    second.wait(timeout=240)
    job.refresh_from_db()
    assert (job.status, job.current_attempt) == (Job.Status.SUCCEEDED, 2), job.error_message
    assert [a.outcome for a in job.attempt_log.all()] == [JobAttempt.Outcome.LOST, JobAttempt.Outcome.SUCCEEDED]
    assert layout.stored_names(layout.attempt_folder(job, 1)) == []
    clips = layout.stored_names(layout.clips_folder(job))
    assert any(name.endswith("01.mp4") for name in clips) and all(default_storage.size(n) > 0 for n in clips)
