"""Writes a worker makes while it holds a job, and the end of each attempt.

A worker claims a queued job with ``job_start``, which opens a ``JobAttempt`` and makes its
number the job's ``current_attempt``. From then on every write the worker makes (heartbeat,
progress, result, failure, retry) is a conditional update on ``status=running`` *and*
``current_attempt=<its number>``: the fence. A worker whose attempt was taken back (the
reconciler declared it lost and another worker took the job, or a coach cancelled it) finds
its writes refused and stops; its files live under its own attempt's folder
(``jobs.layout``), so what it removes on the way out is only ever its own.

Every attempt is billed when it ends, however it ends: the worker reports what it used
(CPU seconds of its process and ffmpeg children, written with each heartbeat too), so an
attempt that is cancelled or whose worker dies is billed what was measured up to its last
heartbeat.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from jobs import events, layout, metrics
from jobs.billing import budgets, costs
from jobs.dispatch import dispatch_later
from jobs.models import Job, JobAttempt
from jobs.review.headline import headline_of_result
from jobs.selectors import job_state
from jobs.webhooks import deliveries

log = logging.getLogger(__name__)


def job_start(*, job_id, rq_id: str = "", worker: str = "") -> Job | None:
    """Claim a queued job for this worker. Returns None if it was not queued any more.

    The returned job's ``current_attempt`` is this worker's fence: pass it to every write.
    """
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
        number = JobAttempt.objects.filter(job_id=job_id).count() + 1  # runs before a rerun are kept
        JobAttempt.objects.create(job_id=job_id, number=number, worker=worker[:200], started_at=now)
        Job.objects.filter(id=job_id).update(current_attempt=number)
        job = Job.objects.select_related("video", "tenant").get(id=job_id)
        dispatch_later(job.tenant_id)  # its place on the queues is free for the tenant's next job
    events.job_publish(job)
    return job


def _fenced(job_id, attempt: int) -> QuerySet[Job]:
    """The job, only while this attempt holds it."""
    return Job.objects.filter(id=job_id, status=Job.Status.RUNNING, current_attempt=attempt)


def job_heartbeat(*, job_id, attempt: int, usage: costs.Usage | None = None) -> bool:
    """The worker is still on the job (and has used ``usage`` so far); False once the
    attempt no longer holds the job."""
    now = timezone.now()
    with transaction.atomic():
        held = bool(_fenced(job_id, attempt).update(heartbeat_at=now))
        if held and usage is not None:
            JobAttempt.objects.filter(job_id=job_id, number=attempt).update(cpu_s=usage.cpu_s, gpu_s=usage.gpu_s)
    return held


def job_progress(*, job_id, attempt: int, stage: str, progress: int) -> bool:
    """Record a running job's stage and percent; False if the attempt no longer holds it."""
    changed = _fenced(job_id, attempt).update(
        stage=stage, progress=max(0, min(int(progress), 100)), updated_at=timezone.now()
    )
    if changed:
        job_announce(job_id)
    return bool(changed)


def job_progress_event(*, job_id, attempt: int) -> None:
    """Send the ``job.progress`` webhook (the worker throttles how often it calls this)."""
    with transaction.atomic():
        job = _fenced(job_id, attempt).first()
        if job is not None:
            job_emit(job, "job.progress")


def job_store_artifacts(*, job: Job, attempt: int, folder: str) -> list[str]:
    """Copy rendered clips, thumbnails and captions into this attempt's folder in storage.

    Returns:
      The stored names ([] if the attempt no longer holds the job: nothing is stored).
    """
    if not _fenced(job.id, attempt).exists():
        return []
    target = f"{layout.attempt_folder(job, attempt)}/highlights"
    stored = []
    for path in sorted(Path(folder).glob("*")):
        if path.suffix in layout.CLIP_SUFFIXES and path.is_file():
            with open(path, "rb") as f:
                stored.append(default_storage.save(f"{target}/{path.name}", f))
    return stored


def job_discard_attempt(*, job: Job, attempt: int) -> None:
    """Remove what an attempt stored, unless it is the attempt the job succeeded with."""
    if Job.objects.filter(id=job.id, status=Job.Status.SUCCEEDED, current_attempt=attempt).exists():
        return
    layout.delete_names(layout.stored_names(layout.attempt_folder(job, attempt)))


def job_succeed(*, job_id, attempt: int, result: dict, stored_bytes: int = 0, usage: costs.Usage | None = None) -> bool:
    """Store the result document, mark the job succeeded and bill the attempt.

    The document is written into the attempt's folder first and the row flipped after, only
    while this attempt holds the job; if it no longer does (cancelled, taken back), the
    caller removes the attempt's files (``job_discard_attempt``). The state, the cost lines
    and the ``job.succeeded`` webhook commit together.

    Args:
      stored_bytes: Bytes of clips and thumbnails stored for the job (billed as storage
        with the recording and the result).
      usage: What the worker measured for the whole attempt; the pipeline's own timings are
        used where they say more.
    """
    job = Job.objects.select_related("video").get(id=job_id)
    if not _fenced(job_id, attempt).exists():
        return False
    body = json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode()
    name = default_storage.save(f"{layout.attempt_folder(job, attempt)}/result.json", ContentFile(body))
    now = timezone.now()
    timings = result.get("timings", {})
    measured = costs.usage_from_timings(timings, stored_bytes=job.video.size_bytes + len(body) + stored_bytes)
    if usage is not None:
        measured = costs.Usage(
            cpu_s=max(measured.cpu_s, usage.cpu_s), gpu_s=max(measured.gpu_s, usage.gpu_s),
            stored_bytes=measured.stored_bytes,
        )  # fmt: skip
    with transaction.atomic():
        changed = _fenced(job_id, attempt).update(
            status=Job.Status.SUCCEEDED,
            stage="done",
            progress=100,
            result_file=name,
            timings=timings,
            **headline_of_result(result),
            finished_at=now,
            updated_at=now,
        )
        if changed:
            _attempt_end(job, attempt, JobAttempt.Outcome.SUCCEEDED, usage=measured)
            job_emit(Job.objects.get(id=job_id), "job.succeeded")
            dispatch_later(job.tenant_id)
    if not changed:
        default_storage.delete(name)
        return False
    metrics.job_observe(job.kind, timings, media_s=job.video.duration_s)
    job_announce(job_id)
    return True


def job_fail(*, job_id, attempt: int, code: str, message: str, usage: costs.Usage | None = None) -> bool:
    """Fail the job this attempt holds, with a stable code and a readable message."""
    now = timezone.now()
    with transaction.atomic():
        job = _fenced(job_id, attempt).first()
        changed = job is not None and _fenced(job_id, attempt).update(
            status=Job.Status.FAILED, error_code=code[:60], error_message=message, finished_at=now, updated_at=now
        )
        if changed:
            _attempt_end(job, attempt, JobAttempt.Outcome.FAILED, code, message, usage=usage)
            job_emit(Job.objects.get(id=job_id), "job.failed")
            dispatch_later(job.tenant_id)
    if changed:
        job_announce(job_id)
    return bool(changed)


def job_retry_or_fail(
    *,
    job_id,
    attempt: int,
    code: str,
    message: str,
    outcome: str = JobAttempt.Outcome.RETRYING,
    delay_s: float | None = None,
    usage: costs.Usage | None = None,
    stale_before: datetime | None = None,
) -> str:
    """After a transient failure: queue the job again with backoff, or fail it for good.

    Attempts are counted by ``job_start``; after ``JOB_MAX_ATTEMPTS`` the job fails with the
    last error. The wait doubles each time from ``JOB_RETRY_BACKOFF_S`` (or is ``delay_s``).
    The job goes back to waiting for its tenant's turn (``jobs.dispatch``); one with a wait
    keeps ``not_before`` and is handed over once the wait is over, so the database alone
    holds the schedule.

    Args:
      stale_before: For the reconciler: act only if the worker's last heartbeat is older
        than this (a worker that answered meanwhile keeps its job).
    Returns:
      The job's status afterwards (``queued`` or ``failed``), or ``""`` if this attempt did
      not hold the job (any more).
    """
    held = _fenced(job_id, attempt)
    if stale_before is not None:
        held = held.filter(Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, started_at__lt=stale_before))
    job = held.first()
    if job is None:
        return ""
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        ended = f"{message} (gave up after {job.attempts} attempts)"
        now = timezone.now()
        with transaction.atomic():
            changed = held.update(
                status=Job.Status.FAILED, error_code=code[:60], error_message=ended, finished_at=now, updated_at=now
            )
            if changed:
                last = outcome if outcome == JobAttempt.Outcome.LOST else JobAttempt.Outcome.FAILED
                _attempt_end(job, attempt, last, code, message, usage=usage)
                job_emit(Job.objects.get(id=job_id), "job.failed")
                dispatch_later(job.tenant_id)
        if changed:
            job_announce(job_id)
        return Job.Status.FAILED if changed else ""
    delay = settings.JOB_RETRY_BACKOFF_S * 2 ** (job.attempts - 1) if delay_s is None else delay_s
    now = timezone.now()
    with transaction.atomic():
        changed = held.update(
            status=Job.Status.QUEUED,
            stage="queued",
            progress=0,
            error_code=code[:60],
            error_message=message,
            not_before=now + timedelta(seconds=delay) if delay > 0 else None,
            dispatched_at=None,
            updated_at=now,
        )
        if changed:
            _attempt_end(job, attempt, outcome, code, message, usage=usage)
            dispatch_later(job.tenant_id)
    if not changed:
        return ""
    job_announce(job_id)
    return Job.Status.QUEUED


def attempt_end_for_job(job: Job, outcome: str, code: str = "", message: str = "") -> None:
    """End (and bill) whatever attempt holds ``job`` now, for a change made from outside
    the worker (a cancel). Runs in the transaction that made the change."""
    if job.current_attempt:
        _attempt_end(job, job.current_attempt, outcome, code, message)


def _attempt_end(
    job: Job, attempt: int, outcome: str, code: str = "", message: str = "", usage: costs.Usage | None = None
) -> None:
    """Close the attempt's row and bill it: what the worker measured (``usage``, or its
    last heartbeat's figures), plus storage when it succeeded."""
    row = JobAttempt.objects.select_for_update().filter(job_id=job.id, number=attempt).first()
    if row is None or row.outcome != JobAttempt.Outcome.RUNNING:
        return  # ended before (and billed then)
    if usage is not None:
        row.cpu_s, row.gpu_s = max(row.cpu_s, usage.cpu_s), max(row.gpu_s, usage.gpu_s)
    row.outcome, row.error_code, row.error_message = outcome, code[:60], message
    row.finished_at = timezone.now()
    row.save(update_fields=["cpu_s", "gpu_s", "outcome", "error_code", "error_message", "finished_at"])
    stored = usage.stored_bytes if usage is not None and outcome == JobAttempt.Outcome.SUCCEEDED else 0
    budgets.cost_record(job=job, attempt=row, usage=costs.Usage(cpu_s=row.cpu_s, gpu_s=row.gpu_s, stored_bytes=stored))


def job_emit(job: Job, event: str) -> None:
    """Queue the job's webhook ``event`` (inside the transaction that made the change)."""
    deliveries.event_emit(
        tenant=job.tenant_id, event=event, data={"job": job_state(job)}, endpoint_id=job.options.get("webhook")
    )


def job_announce(job_id) -> Job:
    """Send the job's state to open pages."""
    job = Job.objects.get(id=job_id)
    events.job_publish(job)
    return job
