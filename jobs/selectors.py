"""Reads. Every selector takes ``tenant=``: another tenant's rows are never visible."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from cultivate.accounts.models import Tenant
from jobs.models import Job


def job_list(
    *,
    tenant: Tenant,
    statuses: list[str] | None = None,
    kind: str | None = None,
    created_after=None,
    created_before=None,
    uploader: str | None = None,
) -> QuerySet[Job]:
    """The tenant's jobs, newest first, optionally filtered.

    Args:
      uploader: A username, or an API key's prefix (``cvk_...``).
    """
    jobs = Job.objects.filter(tenant=tenant).select_related("video", "created_by", "api_key")
    if statuses:
        jobs = jobs.filter(status__in=statuses)
    if kind:
        jobs = jobs.filter(kind=kind)
    if created_after:
        jobs = jobs.filter(created_at__gte=created_after)
    if created_before:
        jobs = jobs.filter(created_at__lt=created_before)
    if uploader:
        jobs = jobs.filter(Q(created_by__username=uploader) | Q(api_key__prefix=uploader))
    return jobs.order_by("-created_at")


def job_get(*, tenant: Tenant, job_id) -> Job | None:
    """The tenant's job with this id, or None (also for malformed ids)."""
    try:
        return job_list(tenant=tenant).filter(id=job_id).first()
    except (ValidationError, ValueError, TypeError):  # a malformed UUID
        return None


def job_for_key(*, tenant: Tenant, key: str) -> Job | None:
    """The tenant's job submitted with this ``Idempotency-Key``, if any."""
    if not key:
        return None
    return Job.objects.filter(tenant=tenant, idempotency_key=key[:255]).first()


def job_state(job: Job) -> dict:
    """The public live state of a job: what the status endpoint and the socket send."""
    return {
        "id": str(job.id),
        "status": job.status,
        "stage": job.stage,
        "stage_label": job.stage_label,
        "progress": job.progress,
        "attempts": job.attempts,
        "error": {"code": job.error_code, "message": job.error_message} if job.error_code else None,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "cost": {
            "estimated": str(job.estimated_cost),
            "actual": None if job.cost is None else str(job.cost),
            "currency": settings.COST_CURRENCY,
        },
    }


def job_result(job: Job) -> dict | None:
    """The job's ``cultivate.result/1`` document, or None before it succeeded."""
    if not job.result_file:
        return None
    with job.result_file.open("rb") as f:
        return json.load(f)
