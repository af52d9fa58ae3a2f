"""Writes for videos and jobs.

Job state changes are conditional updates (``filter(status=...).update(...)``) that go on
only when one row changed, so two workers can never both win a job, and a job that was
finished elsewhere is never overwritten. Each change is published to live pages.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import django_rq
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from analysis.errors import AnalysisError
from cultivate.accounts.models import Tenant
from jobs import budgets, costs, events, metrics, webhooks
from jobs.models import Job, JobAttempt, Video
from jobs.options import parse_session, parse_speakers
from jobs.selectors import job_state

log = logging.getLogger(__name__)


def job_options(*, speakers=None, session=None, blur_others=None, render=None, webhook=None) -> dict:
    """Validated analysis options for a job.

    Args:
      render: False to skip rendering highlight clips (the highlights are still chosen).
      webhook: The id of one of the tenant's endpoints: this job's events go there only.
        ``job_create`` checks that it is the tenant's.
    Raises:
      AnalysisError: ``bad_option`` with a message for people.
    """
    try:
        options = {"speakers": parse_speakers(speakers), "session": parse_session(session)}
    except ValueError as exc:
        raise AnalysisError("bad_option", str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    if blur_others is not None:
        options["blur_others"] = _truthy(blur_others)
    if render is not None:
        options["render"] = _truthy(render)
    if webhook:
        options["webhook"] = str(webhook)
    return options


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "on", "yes")


def job_create(
    *,
    tenant: Tenant,
    video: Video,
    created_by,
    api_key=None,
    priority: str | None = None,
    options: dict | None = None,
    idempotency_key: str = "",
    teacher: str = "",
    kind: str = Job.Kind.ANALYZE,
    extra_options: dict | None = None,
    estimate_duration_s: float | None = None,
) -> Job:
    """Create a queued job (an analysis unless ``kind`` says otherwise) and enqueue it once
    the row is committed.

    Args:
      created_by: The signed-in user who submitted it (None through an API key).
      api_key: The API key it was submitted with, if any.
      priority: ``high``, ``default`` or ``low`` (the RQ queue); the tenant's default if None.
      options: ``speakers`` (a number or ``"auto"``), ``session`` (``classroom`` or
        ``coaching``) and ``blur_others``; validated by ``job_options``.
      idempotency_key: A client's key: a second create with the same key in the same tenant
        returns the first job (and leaves the new video for the caller to delete).
      teacher: Whose lesson it is (free text, spaces tidied), for the teacher progress page.
      kind: ``analyze`` or ``convert``; a convert job's own options come checked in
        ``extra_options`` (``jobs.conversions``), and ``options`` may only name its webhook.
      estimate_duration_s: Seconds of media the job works on, for its estimate (default: all).
    Raises:
      AnalysisError: ``bad_option`` for an unknown priority or option; ``budget_exceeded``
        when the job's estimate does not fit in what is left of the tenant's month (checked
        under a lock on the tenant, so concurrent submissions cannot overspend).
    """
    if tenant.is_suspended:
        raise AnalysisError("tenant_suspended", "This organisation's account is suspended; no new jobs can start.")
    queue = priority or tenant.default_priority
    if queue not in Job.Priority.values:
        raise AnalysisError("bad_option", f"Priority must be one of: {', '.join(Job.Priority.values)}.")
    key = (idempotency_key or "")[:255]
    if kind == Job.Kind.ANALYZE:
        checked = job_options(**(options or {}))
        if "blur_others" not in checked and tenant.blur_others_default:
            checked["blur_others"] = True  # the tenant's privacy default, unless the job said otherwise
    else:
        checked = {"webhook": str(options["webhook"])} if options and options.get("webhook") else {}
    checked.update(extra_options or {})
    if "webhook" in checked and webhooks.webhook_get(tenant=tenant, endpoint_id=checked["webhook"]) is None:
        raise AnalysisError("bad_option", "The webhook is not one of this tenant's endpoints.")
    media_s = video.duration_s if estimate_duration_s is None else estimate_duration_s
    estimate = costs.estimate(duration_s=media_s, size_bytes=video.size_bytes)
    try:
        with transaction.atomic():
            budgets.budget_hold(tenant=tenant, estimate=estimate)
            job = Job.objects.create(
                tenant=tenant,
                video=video,
                created_by=created_by,
                api_key=api_key,
                kind=kind,
                queue=queue,
                options=checked,
                idempotency_key=key,
                estimated_cost=estimate,
                teacher=" ".join((teacher or "").split())[: Job._meta.get_field("teacher").max_length],
            )
            _webhook(job, "job.queued")
            transaction.on_commit(lambda: job_enqueue(job_id=job.id))
    except IntegrityError:
        existing = Job.objects.filter(tenant=tenant, idempotency_key=key).first() if key else None
        if existing is None:
            raise
        return existing
    return job


def job_rerun(*, job_id) -> bool:
    """Queue a failed or cancelled job again, with a fresh count of attempts (the log stays).

    Raises:
      AnalysisError: ``budget_exceeded`` if its estimate no longer fits the month's budget.
    """
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.filter(id=job_id).select_related("tenant").first()
        if job is None or job.status not in (Job.Status.FAILED, Job.Status.CANCELLED):
            return False
        budgets.budget_hold(tenant=job.tenant, estimate=job.estimated_cost)
        changed = Job.objects.filter(id=job_id, status__in=[Job.Status.FAILED, Job.Status.CANCELLED]).update(
            status=Job.Status.QUEUED,
            stage="queued",
            progress=0,
            attempts=0,
            error_code="",
            error_message="",
            not_before=None,
            started_at=None,
            finished_at=None,
            updated_at=now,
        )
        if changed:
            _webhook(Job.objects.get(id=job_id), "job.queued")
            transaction.on_commit(lambda: job_enqueue(job_id=job_id))
    if changed:
        _publish(job_id)
    return bool(changed)


def job_enqueue(*, job_id) -> str | None:
    """Put a queued job on its RQ queue; returns the RQ job id, or None if Redis is down.

    The reconciler calls this again for a queued job that Redis has lost; a duplicate RQ
    job is harmless because only one worker can claim the row.
    """
    job = Job.objects.select_related("video").get(id=job_id)
    try:
        # We enqueue after our own commit already, so RQ must not defer again ("auto").
        rq_job = django_rq.get_queue(job.queue, commit_mode="auto").enqueue(
            "jobs.tasks.run_job",
            str(job.id),
            job_timeout=timeout_for(job.video),
            failure_ttl=7 * 86400,
            result_ttl=3600,
        )
    except RedisError as exc:
        # The row stays queued; the reconciler enqueues it again when Redis is back.
        log.error("job %s could not be enqueued: %s", job.id, exc)
        return None
    Job.objects.filter(id=job.id).update(rq_id=rq_job.id)
    events.job_publish(job)
    return rq_job.id


def job_start(*, job_id, rq_id: str = "", worker: str = "") -> Job | None:
    """Claim a queued job for this worker. Returns None if it was not queued any more."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Job.objects.filter(id=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING,
            stage="probing",
            progress=0,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
            not_before=None,
            error_code="",
            error_message="",
            updated_at=now,
            **({"rq_id": rq_id} if rq_id else {}),
        )
        if not claimed:
            return None  # cancelled, or another worker got there first
        job = Job.objects.get(id=job_id)
        number = JobAttempt.objects.filter(job=job).count() + 1  # runs before a rerun are kept
        JobAttempt.objects.create(job=job, number=number, worker=worker[:200], started_at=now)
    events.job_publish(job)
    return job


def job_heartbeat(*, job_id) -> bool:
    """The worker is still on the job; False once the job is no longer running here."""
    return bool(Job.objects.filter(id=job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now()))


def job_progress(*, job_id, stage: str, progress: int) -> bool:
    """Record a running job's stage and percent; False if it is no longer running."""
    changed = Job.objects.filter(id=job_id, status=Job.Status.RUNNING).update(
        stage=stage, progress=max(0, min(int(progress), 100)), updated_at=timezone.now()
    )
    if changed:
        _publish(job_id)
    return bool(changed)


def job_store_artifacts(*, job_id, folder: str) -> list[str]:
    """Copy rendered clips, thumbnails and captions into storage next to the result."""
    job = Job.objects.get(id=job_id)
    stored = []
    for path in sorted(Path(folder).glob("*")):
        if path.suffix in (".mp4", ".jpg", ".vtt") and path.is_file():
            name = f"results/{job.tenant_id}/{job.id}/highlights/{path.name}"
            with open(path, "rb") as f:
                stored.append(default_storage.save(name, f))
    return stored


def job_discard_artifacts(names: list[str]) -> None:
    """Remove stored clip files of a job that did not succeed after all."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError as exc:
            log.warning("could not delete %s: %s", name, exc)


def job_succeed(*, job_id, result: dict, stored_bytes: int = 0) -> bool:
    """Store the result document, mark the job succeeded and record what it cost.

    The file is written first and the row flipped after; if the job stopped running in
    between (cancelled, failed by a reconciler) the file is removed again. The state, the
    cost ledger lines and the ``job.succeeded`` webhook commit together.

    Args:
      stored_bytes: Bytes of clips and thumbnails stored for the job (billed as storage
        with the recording and the result).
    """
    job = Job.objects.select_related("video").get(id=job_id)
    body = json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode()
    job.result_file.save("result.json", ContentFile(body), save=False)
    now = timezone.now()
    timings = result.get("timings", {})
    with transaction.atomic():
        changed = Job.objects.filter(id=job_id, status=Job.Status.RUNNING).update(
            status=Job.Status.SUCCEEDED,
            stage="done",
            progress=100,
            result_file=job.result_file.name,
            timings=timings,
            finished_at=now,
            updated_at=now,
        )
        if changed:
            _attempt_end(job_id, JobAttempt.Outcome.SUCCEEDED)
            usage = costs.usage_from_timings(timings, stored_bytes=job.video.size_bytes + len(body) + stored_bytes)
            budgets.cost_record(job=job, usage=usage)
            _webhook(Job.objects.get(id=job_id), "job.succeeded")
    if not changed:
        job.result_file.delete(save=False)
        return False
    metrics.job_observe(job.kind, timings, media_s=job.video.duration_s)
    _publish(job_id)
    return True


def job_fail(*, job_id, code: str, message: str) -> bool:
    """Mark a queued or running job failed with a stable code and a readable message."""
    now = timezone.now()
    with transaction.atomic():
        changed = Job.objects.filter(id=job_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).update(
            status=Job.Status.FAILED, error_code=code[:60], error_message=message, finished_at=now, updated_at=now
        )
        if changed:
            _attempt_end(job_id, JobAttempt.Outcome.FAILED, code, message)
            _webhook(Job.objects.get(id=job_id), "job.failed")
    if changed:
        _publish(job_id)
    return bool(changed)


def job_retry_or_fail(
    *, job_id, code: str, message: str, outcome: str = JobAttempt.Outcome.RETRYING, delay_s: float | None = None
) -> str:
    """After a transient failure: queue the job again with backoff, or fail it for good.

    Attempts are counted by ``job_start``; after ``JOB_MAX_ATTEMPTS`` the job fails with the
    last error. The wait doubles each time from ``JOB_RETRY_BACKOFF_S`` (or is ``delay_s``).
    A job with no wait is enqueued at once; one with a wait keeps ``not_before`` and the
    reconciler enqueues it when the wait is over, so the database alone holds the schedule.
    Returns:
      The job's status afterwards (``queued`` or ``failed``), or ``""`` if it was not running.
    """
    job = Job.objects.filter(id=job_id).first()
    if job is None or job.status != Job.Status.RUNNING:
        return ""
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        job_fail(job_id=job_id, code=code, message=f"{message} (gave up after {job.attempts} attempts)")
        return Job.Status.FAILED
    delay = settings.JOB_RETRY_BACKOFF_S * 2 ** (job.attempts - 1) if delay_s is None else delay_s
    now = timezone.now()
    with transaction.atomic():
        changed = Job.objects.filter(id=job_id, status=Job.Status.RUNNING).update(
            status=Job.Status.QUEUED,
            stage="queued",
            progress=0,
            error_code=code[:60],
            error_message=message,
            not_before=now + timedelta(seconds=delay),
            updated_at=now,
        )
        if changed:
            _attempt_end(job_id, outcome, code, message)
    if not changed:
        return ""
    if delay <= 0:
        transaction.on_commit(lambda: job_enqueue(job_id=job_id))
    _publish(job_id)
    return Job.Status.QUEUED


def job_cancel(*, job_id) -> bool:
    """Cancel a queued or running job. A running job's worker notices within seconds.

    The row flips first (the truth); then the RQ job is cancelled or told to stop, best effort.
    """
    now = timezone.now()
    job = Job.objects.filter(id=job_id).first()
    if job is None:
        return False
    with transaction.atomic():
        changed = Job.objects.filter(id=job_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).update(
            status=Job.Status.CANCELLED, stage="cancelled", finished_at=now, updated_at=now
        )
        if changed:
            _attempt_end(job_id, JobAttempt.Outcome.CANCELLED, "cancelled", "Cancelled.")
            _webhook(Job.objects.get(id=job_id), "job.cancelled")
    if not changed:
        return False
    if job.rq_id:
        _rq_stop(job.queue, job.rq_id)
    _publish(job_id)
    return True


def job_delete(*, job_id) -> bool:
    """Delete a finished job with its result and clips (the recording stays). False if unfinished."""
    job = Job.objects.filter(id=job_id, status__in=Job.FINISHED).first()
    if job is None:
        return False
    folder = f"results/{job.tenant_id}/{job.id}/highlights"
    try:
        names = [f"{folder}/{n}" for n in default_storage.listdir(folder)[1]]
    except (FileNotFoundError, NotImplementedError):
        names = []
    if job.result_file:
        names.append(job.result_file.name)
    Job.objects.filter(id=job.id).delete()
    transaction.on_commit(lambda: job_discard_artifacts(names))
    return True


def _attempt_end(job_id, outcome: str, code: str = "", message: str = "") -> None:
    JobAttempt.objects.filter(job_id=job_id, outcome=JobAttempt.Outcome.RUNNING).update(
        outcome=outcome, error_code=code[:60], error_message=message, finished_at=timezone.now()
    )


def _rq_stop(queue_name: str, rq_id: str) -> None:
    """Take a job off its RQ queue, or tell the worker running it to stop (forking workers)."""
    from rq.command import send_stop_job_command
    from rq.exceptions import InvalidJobOperation, NoSuchJobError
    from rq.job import Job as RqJob

    connection = django_rq.get_connection(queue_name)
    try:
        rq_job = RqJob.fetch(rq_id, connection=connection)
        if rq_job.get_status() == "started":
            send_stop_job_command(connection, rq_id)
        else:
            rq_job.cancel()
    except (NoSuchJobError, InvalidJobOperation):
        pass
    except RedisError as exc:
        log.warning("RQ job %s not stopped: %s", rq_id, exc)


def job_progress_event(*, job_id) -> None:
    """Send the ``job.progress`` webhook (the worker throttles how often it calls this)."""
    job = Job.objects.filter(id=job_id, status=Job.Status.RUNNING).first()
    if job is not None:
        _webhook(job, "job.progress")


def _webhook(job: Job, event: str) -> None:
    webhooks.event_emit(
        tenant=job.tenant_id, event=event, data={"job": job_state(job)}, endpoint_id=job.options.get("webhook")
    )


def _publish(job_id) -> Job:
    job = Job.objects.get(id=job_id)
    events.job_publish(job)
    return job


def timeout_for(video: Video) -> int:
    """RQ timeout scaled to the recording: a two-hour lesson is not killed by a five-minute limit."""
    duration = video.duration_s or 0
    return int(
        min(settings.JOB_TIMEOUT_MAX_S, settings.JOB_TIMEOUT_BASE_S + settings.JOB_TIMEOUT_PER_MEDIA_S * duration)
    )
