"""Compare the database (the truth) with RQ (the work in flight) and repair the difference.

Run periodically (``manage.py reconcile --every 30``; ``manage.py serve`` starts it):

- A running job whose worker has not written a heartbeat for ``JOB_LOST_AFTER_S`` lost its
  worker (killed, machine gone). It is queued again, or failed as ``worker_lost`` once it
  has used ``JOB_MAX_ATTEMPTS``.
- A queued job that was handed to RQ but that Redis does not know (Redis restarted empty,
  or the enqueue failed while Redis was down) is enqueued again.
- Queued jobs waiting for their tenant's turn, or for their retry wait to end, are handed to
  RQ as the tenant's fair share allows (``jobs.dispatch``).
- A webhook delivery whose next attempt is due is handed to a worker.
- RQ's own registries are cleaned so abandoned RQ jobs do not pile up.

Every repair is a conditional update, so two reconcilers, or a reconciler racing a worker,
cannot run a job twice: only one ``job_start`` can claim a queued row.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import django_rq
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job as RqJob

from jobs import attempts, dispatch
from jobs.media import chunked
from jobs.models import Job, JobAttempt
from jobs.webhooks import deliveries

log = logging.getLogger(__name__)

# RQ states in which an RQ job will still reach a worker.
ALIVE = {"queued", "scheduled", "started", "deferred"}


def reconcile(*, lost_after_s: float | None = None, grace_s: float = 10) -> dict[str, int]:
    """One pass. Returns how many jobs were requeued, failed, re-enqueued and dispatched, how
    many webhook deliveries were handed to a worker, and how many abandoned uploads were swept.

    Args:
      lost_after_s: Heartbeat age after which a running job's worker counts as lost.
      grace_s: A queued row younger than this is left alone (its enqueue may be in flight).
    """
    lost_after_s = settings.JOB_LOST_AFTER_S if lost_after_s is None else lost_after_s
    now = timezone.now()
    counts = {"requeued": 0, "failed": 0, "enqueued": 0, "webhooks": 0}

    stale = now - timedelta(seconds=lost_after_s)
    for job in Job.objects.filter(status=Job.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)
    ):
        # Fenced on the attempt and on the heartbeat still being stale: a worker that wrote
        # one meanwhile keeps its job; the lost worker's own writes are refused from now on.
        status = attempts.job_retry_or_fail(
            job_id=job.id,
            attempt=job.current_attempt,
            code="worker_lost",
            message="The worker running this job stopped answering (killed, or its machine was lost).",
            outcome=JobAttempt.Outcome.LOST,
            delay_s=0,
            stale_before=stale,
        )
        if status == Job.Status.QUEUED:
            counts["requeued"] += 1
            log.warning("job %s: worker lost, queued again (attempt %s done)", job.id, job.attempts)
        elif status == Job.Status.FAILED:
            counts["failed"] += 1
            log.warning("job %s: worker lost on its last attempt; failed", job.id)

    # Jobs handed to RQ that Redis does not hold (it restarted empty, or was down when they
    # were handed over) are enqueued again.
    handed = Job.objects.filter(
        status=Job.Status.QUEUED, dispatched_at__isnull=False, updated_at__lt=now - timedelta(seconds=grace_s)
    )
    for job in handed:
        if not _in_rq(job.queue, job.rq_id) and dispatch.job_enqueue(job_id=job.id):
            counts["enqueued"] += 1
            log.warning("job %s: queued in the database but not in Redis; enqueued again", job.id)
    # Jobs waiting their tenant's turn, or whose retry wait is over, are handed over if it is their turn.
    counts["dispatched"] = dispatch.dispatch_due()

    # Webhook deliveries whose retry time has come, or whose worker died mid-send.
    # One still waiting in RQ (behind a long job, say) is left there rather than doubled.
    for delivery in deliveries.deliveries_due().filter(next_attempt_at__lte=now - timedelta(seconds=grace_s)):
        if not _in_rq(settings.WEBHOOK_QUEUE, delivery.rq_id, waiting_only=True) and deliveries.delivery_enqueue(
            delivery_id=delivery.id
        ):
            counts["webhooks"] += 1

    # Chunked uploads abandoned for UPLOAD_ABANDONED_AFTER_S: their stored chunks go.
    counts["uploads"] = chunked.upload_sessions_sweep(idle_s=settings.UPLOAD_ABANDONED_AFTER_S)

    _clean_registries()
    return counts


def _in_rq(queue: str, rq_id: str, waiting_only: bool = False) -> bool:
    """Whether RQ still holds this job to run (or, with ``waiting_only``, to start)."""
    if not rq_id:
        return False
    try:
        rq_job = RqJob.fetch(rq_id, connection=django_rq.get_connection(queue))
        return rq_job.get_status(refresh=False) in (ALIVE - {"started"} if waiting_only else ALIVE)
    except NoSuchJobError:
        return False
    except RedisError:
        return True  # Redis is down: nothing can be enqueued now anyway


def _clean_registries() -> None:
    """Let RQ move jobs of dead workers out of its started registries."""
    for name in settings.RQ_QUEUES:
        try:
            django_rq.get_queue(name).started_job_registry.cleanup()
        except RedisError as exc:
            log.warning("RQ registry of %s not cleaned: %s", name, exc)
