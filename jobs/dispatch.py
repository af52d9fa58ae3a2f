"""Fair share: when a queued job is handed to an RQ queue, and putting it there.

RQ queues are first in, first out, so a tenant that queues a hundred jobs would keep
another tenant's one job waiting behind all of them. Jobs therefore wait in the database
(``status=queued``, ``dispatched_at`` empty) and are handed to RQ per tenant: at most
``TENANT_MAX_WAITING_JOBS`` of a tenant's jobs sit on the RQ queues at a time (and, with
``TENANT_MAX_RUNNING_JOBS``, at most that many run). Whenever one of a tenant's jobs is
taken by a worker or ends, the tenant's next waiting job is handed over, highest priority
first, then oldest. Another tenant's new job therefore has at most that many of each
other tenant's jobs ahead of it, whatever they queued; and free workers are never kept
idle while any tenant has work (handing over is cheap and happens as soon as a job starts).

The count and the hand-over happen under a row lock on the tenant, so two submissions at
once cannot both take the last place. The reconciler calls ``dispatch_due`` on every pass,
which also hands over jobs whose retry wait is over.
"""

from __future__ import annotations

import logging

import django_rq
from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from redis.exceptions import RedisError

from cultivate.accounts.models import Tenant
from jobs import events
from jobs.models import Job, Video

log = logging.getLogger(__name__)

_PRIORITY_ORDER = Case(
    *(When(queue=name, then=Value(rank)) for rank, name in enumerate(settings.JOB_QUEUES)),
    default=Value(len(settings.JOB_QUEUES)),
    output_field=IntegerField(),
)


def dispatch(*, tenant_id) -> list:
    """Hand as many of the tenant's waiting jobs to RQ as its share allows.

    Call it after the change that freed a place has committed (``transaction.on_commit``).
    Returns:
      The ids of the jobs handed over (enqueued once this transaction commits).
    """
    now = timezone.now()
    with transaction.atomic():
        Tenant.objects.select_for_update().filter(pk=tenant_id).first()  # one dispatcher per tenant at a time
        mine = Job.objects.filter(tenant_id=tenant_id)
        waiting = mine.filter(status=Job.Status.QUEUED, dispatched_at__isnull=False).count()
        free = settings.TENANT_MAX_WAITING_JOBS - waiting
        if settings.TENANT_MAX_RUNNING_JOBS:
            running = mine.filter(status=Job.Status.RUNNING).count()
            free = min(free, settings.TENANT_MAX_RUNNING_JOBS - running - waiting)
        if free <= 0:
            return []
        ids = list(
            mine.filter(status=Job.Status.QUEUED, dispatched_at__isnull=True)
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .annotate(rank=_PRIORITY_ORDER)
            .order_by("rank", "created_at")
            .values_list("id", flat=True)[:free]
        )
        if not ids:
            return []
        Job.objects.filter(id__in=ids, status=Job.Status.QUEUED, dispatched_at__isnull=True).update(dispatched_at=now)
        transaction.on_commit(lambda: [job_enqueue(job_id=i) for i in ids])
    return ids


def dispatch_later(tenant_id) -> None:
    """Dispatch for the tenant once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: dispatch(tenant_id=tenant_id))


def dispatch_due() -> int:
    """Dispatch for every tenant with a job waiting its turn. Returns how many were handed over."""
    now = timezone.now()
    tenants = (
        Job.objects.filter(status=Job.Status.QUEUED, dispatched_at__isnull=True)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    return sum(len(dispatch(tenant_id=t)) for t in list(tenants))


def job_enqueue(*, job_id) -> str | None:
    """Put a dispatched job on its RQ queue; returns the RQ job id, or None if Redis is down
    or the job is not queued any more.

    The reconciler calls this again for a dispatched job that Redis has lost; a duplicate RQ
    job is harmless because only one worker can claim the row.
    """
    job = Job.objects.select_related("video").filter(id=job_id, status=Job.Status.QUEUED).first()
    if job is None:
        return None
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
        # The row stays queued and dispatched; the reconciler enqueues it again when Redis is back.
        log.error("job %s could not be enqueued: %s", job.id, exc)
        return None
    Job.objects.filter(id=job.id).update(rq_id=rq_job.id)
    events.job_publish(job)
    return rq_job.id


def timeout_for(video: Video) -> int:
    """RQ timeout scaled to the recording: a two-hour lesson is not killed by a five-minute limit."""
    duration = video.duration_s or 0
    return int(
        min(settings.JOB_TIMEOUT_MAX_S, settings.JOB_TIMEOUT_BASE_S + settings.JOB_TIMEOUT_PER_MEDIA_S * duration)
    )
