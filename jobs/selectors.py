"""Reads. Every selector takes ``tenant=``: another tenant's rows are never visible."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, F, FloatField, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Lower, NullIf

from cultivate.accounts.models import Tenant
from cultivate.api.authentication import caller
from cultivate.refusals import Refusal
from jobs.models import Job

# What a list of jobs can be sorted on, by the name the lessons list's links use. The length
# is read from the recording's probe (JSON) in the database, so sorting needs no extra column.
# The date is plain ``created_at`` (no NULLS LAST: it is never null, and the index serves it).
JOB_SORTS = {
    "date": None,
    "teacher": lambda: Lower(NullIf("teacher", Value(""))),  # no teacher sorts last, not first
    "length": lambda: Cast(KeyTextTransform("duration_s", "video__probe"), FloatField()),
    "oeq": lambda: F("oeq_share"),
    "wait": lambda: F("mean_wait_s"),
}


def job_list(
    *,
    tenant: Tenant,
    statuses: list[str] | None = None,
    kind: str | None = None,
    created_after=None,
    created_before=None,
    uploader: str | None = None,
    search: str = "",
    teacher: str = "",
    sort: str = "date",
    descending: bool = True,
) -> QuerySet[Job]:
    """The tenant's jobs, newest first unless sorted otherwise, optionally filtered.

    Args:
      uploader: A username, or an API key's prefix (``cvk_...``).
      search: Part of the recording's file name or the teacher's name.
      teacher: The teacher's whole name, in any case.
      sort: One of ``JOB_SORTS``; jobs without the value come last either way, and jobs
        that tie come newest first.
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
    if search:
        jobs = jobs.filter(Q(video__original_name__icontains=search) | Q(teacher__icontains=search))
    if teacher:
        jobs = jobs.filter(teacher__iexact=teacher)
    if uploader:
        jobs = jobs.filter(Q(created_by__username=uploader) | Q(api_key__prefix=uploader))
    if JOB_SORTS[sort] is None:
        return jobs.order_by("-created_at" if descending else "created_at")
    key = JOB_SORTS[sort]()
    return jobs.order_by(key.desc(nulls_last=True) if descending else key.asc(nulls_last=True), "-created_at")


def job_get(*, tenant: Tenant, job_id) -> Job | None:
    """The tenant's job with this id, or None (also for malformed ids)."""
    try:
        return job_list(tenant=tenant).filter(id=job_id).first()
    except (ValidationError, ValueError, TypeError):  # a malformed UUID
        return None


def job_or_404(request, job_id) -> Job:
    """For API views: the caller's tenant's job, else the API's 404 (another tenant's job is
    answered as if it did not exist)."""
    job = job_get(tenant=caller(request).tenant, job_id=job_id)
    if job is None:
        raise Refusal("not_found", "No such job.", status=404)
    return job


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


def teacher_names(*, tenant: Tenant) -> list[dict]:
    """The teachers named on the tenant's succeeded jobs, A to Z, with how many lessons each."""
    rows = (
        Job.objects.filter(tenant=tenant, status=Job.Status.SUCCEEDED)
        .exclude(teacher="")
        .values("teacher")
        .annotate(lessons=Count("id"))
        .order_by("teacher")
    )
    return [{"name": r["teacher"], "lessons": r["lessons"]} for r in rows]


PROGRESS_MAX_LESSONS = 200  # each lesson is one result file read; the page shows the latest this many


def teacher_progress(*, tenant: Tenant, teacher: str, read=job_result) -> list[dict]:
    """One point per succeeded lesson of the teacher, oldest first: its date (when it was
    uploaded), OEQ share, mean wait time and the teacher's talk share, read from each job's
    result file (nothing is cached yet). A value is None where the lesson had nothing to
    measure; a lesson whose result cannot be read is left out.

    Args:
      read: Turns a job into its result document (e.g. one with a coach's corrections applied).
    """
    jobs = job_list(tenant=tenant, statuses=[Job.Status.SUCCEEDED]).filter(teacher=teacher)
    points = []
    for job in list(jobs[:PROGRESS_MAX_LESSONS])[::-1]:
        try:
            result = read(job)
        except (OSError, ValueError):
            continue
        if result is not None:
            points.append({"job": job, "date": job.created_at, **lesson_measures(result)})
    return points


def lesson_measures(result: dict) -> dict:
    """The three progress measures of one ``cultivate.result/1`` document."""
    metrics = result.get("metrics") or {}
    talk = metrics.get("teacher_talk_share")
    if talk is None:  # older results: add up the teacher speakers' shares
        shares = [s.get("talk_share") or 0 for s in result.get("speakers") or [] if s.get("role") == "teacher"]
        talk = round(sum(shares), 3) if shares else None
    return {
        "oeq_share": metrics.get("oeq_share"),
        "mean_wait_time_s": metrics.get("mean_wait_time_s"),
        "teacher_talk_share": talk,
    }
