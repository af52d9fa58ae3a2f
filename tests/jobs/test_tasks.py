"""The RQ task called directly, as a worker would call it."""

import json

import pytest

from cultivate.refusals import Refusal
from jobs import attempts, dispatch, services
from jobs.media import uploads
from jobs.models import Job
from jobs.tasks import INTERNAL_ERROR, run_job
from tests.conftest import TEACHER_LINE, overlap, uploaded
from tests.factories import JobFactory

# Committed rows: the worker's heartbeat thread reads the job on a connection of its own.
pytestmark = pytest.mark.django_db(transaction=True)


def _job_for(path, tenant, user):
    with uploaded(path) as upload:
        video = uploads.video_create(tenant=tenant, uploader=user, upload=upload)
    return services.job_create(tenant=tenant, video=video, created_by=user)


@pytest.mark.slow
def test_it_runs_a_job_to_success_and_stores_the_result(media_dir, tenant_a, bob, redis_queues):
    job = _job_for(media_dir / "lesson.mp4", tenant_a, bob)
    run_job(str(job.id))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress, job.stage, job.attempts) == (100, "done", 1)
    assert job.started_at <= job.finished_at
    result = json.loads(job.result_file.read())
    assert result["schema"] == "cultivate.result/1"
    assert result["source"]["name"] == "lesson.mp4"
    assert overlap(TEACHER_LINE, " ".join(s["text"] for s in result["segments"])) >= 0.8
    assert job.timings["transcribe"]["wall_s"] > 0
    # What it used is in the ledger: the attempt's CPU seconds as the worker measured them (the
    # pipeline's, plus saving the result), priced at the settings' rate.
    assert job.timings["total"]["cpu_s"] > 0
    cpu = job.cost_entries.get(kind="cpu")
    attempt = job.attempt_log.get()
    assert cpu.attempt == attempt and float(cpu.quantity) == pytest.approx(attempt.cpu_s, abs=0.001)
    assert job.timings["total"]["cpu_s"] <= attempt.cpu_s < job.timings["total"]["cpu_s"] + 5
    assert job.cost == sum(e.amount for e in job.cost_entries.all()) > 0


def test_it_fails_a_job_whose_stored_video_has_no_sound(media_dir, tenant_a, bob, redis_queues):
    job = JobFactory(video__tenant=tenant_a, video__file__from_path=str(media_dir / "silent-video.mp4"))
    run_job(str(job.id))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error_code == "no_audio"
    assert "no audio track" in job.error_message
    assert not job.result_file


def test_it_fails_a_job_whose_stored_file_is_not_media(tenant_a, redis_queues):
    job = JobFactory(video__tenant=tenant_a)  # the factory's file holds plain text
    run_job(str(job.id))
    job.refresh_from_db()
    assert (job.status, job.error_code) == (Job.Status.FAILED, "not_media")


def test_it_records_an_unexpected_crash_without_raising(tenant_a, redis_queues, monkeypatch):
    job = JobFactory(video__tenant=tenant_a)

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("analysis.pipeline.run", explode)
    run_job(str(job.id))  # the worker survives
    job.refresh_from_db()
    assert (job.status, job.error_code, job.error_message) == (Job.Status.FAILED, "internal_error", INTERNAL_ERROR)


def test_it_does_not_run_a_job_twice(tenant_a):
    job = JobFactory(video__tenant=tenant_a)
    assert attempts.job_start(job_id=job.id) is not None
    assert attempts.job_start(job_id=job.id) is None  # another worker got there first
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)


def test_it_never_overwrites_a_finished_job(tenant_a):
    job = JobFactory(video__tenant=tenant_a)
    attempt = attempts.job_start(job_id=job.id).current_attempt
    assert attempts.job_fail(job_id=job.id, attempt=attempt, code="x", message="first")
    assert not attempts.job_progress(job_id=job.id, attempt=attempt, stage="transcribing", progress=50)
    assert not attempts.job_succeed(job_id=job.id, attempt=attempt, result={"timings": {}})
    job.refresh_from_db()
    assert (job.status, job.error_message, job.progress) == (Job.Status.FAILED, "first", 0)
    assert not job.result_file


def test_it_enqueues_on_commit_to_the_jobs_queue(tenant_a, django_capture_on_commit_callbacks, redis_queues):
    video = JobFactory(video__tenant=tenant_a).video
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(tenant=tenant_a, video=video, created_by=None, priority="high")
    job.refresh_from_db()
    high = redis_queues[0]
    assert job.rq_id in high.job_ids
    assert high.fetch_job(job.rq_id).args == (str(job.id),)


def test_a_tenant_default_priority_picks_the_queue(tenant_a, django_capture_on_commit_callbacks, redis_queues):
    tenant_a.default_priority = "low"
    tenant_a.save()
    video = JobFactory(video__tenant=tenant_a).video
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(tenant=tenant_a, video=video, created_by=None)
    job.refresh_from_db()
    assert job.queue == "low" and job.rq_id in redis_queues[2].job_ids


def test_an_unknown_priority_is_a_clear_error(tenant_a):
    video = JobFactory(video__tenant=tenant_a).video
    with pytest.raises(Refusal) as caught:
        services.job_create(tenant=tenant_a, video=video, created_by=None, priority="urgent")
    assert caught.value.code == "bad_option" and "high, default, low" in caught.value.message


def test_the_same_idempotency_key_returns_the_same_job(tenant_a, tenant_b, redis_queues):
    first = JobFactory(video__tenant=tenant_a).video
    second = JobFactory(video__tenant=tenant_a).video
    a = services.job_create(tenant=tenant_a, video=first, created_by=None, idempotency_key="k-1")
    again = services.job_create(tenant=tenant_a, video=second, created_by=None, idempotency_key="k-1")
    assert again.id == a.id
    other = services.job_create(
        tenant=tenant_b, video=JobFactory(video__tenant=tenant_b).video, created_by=None, idempotency_key="k-1"
    )
    assert other.id != a.id  # keys belong to a tenant


def test_timeouts_grow_with_the_recording(tenant_a, settings):
    settings.JOB_TIMEOUT_BASE_S, settings.JOB_TIMEOUT_PER_MEDIA_S, settings.JOB_TIMEOUT_MAX_S = 600, 4, 43200
    short = JobFactory(video__tenant=tenant_a, video__probe={"duration_s": 300}).video
    long = JobFactory(video__tenant=tenant_a, video__probe={"duration_s": 7200}).video
    assert dispatch.timeout_for(short) == 1800
    assert dispatch.timeout_for(long) == 29400  # a two-hour lesson gets eight hours, not thirty minutes
