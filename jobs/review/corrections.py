"""Coaches' corrections of finished jobs: write them, read a job's reviewed result, and the
tenant's record of how often coaches change the machine's labels."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from redis.exceptions import RedisError

from analysis import corrections
from cultivate.accounts.audit import Actor, audit_actor
from cultivate.accounts.models import Tenant
from cultivate.refusals import Refusal
from jobs.models import Correction, Job
from jobs.review.headline import headline_refresh
from jobs.selectors import job_result

ACCURACY_CACHE_S = 600


@transaction.atomic
def correction_add(*, job: Job, author, kind: str, data: dict, actor: Actor | None = None) -> Correction:
    """Record one correction of a succeeded job's result; audited as ``correction.<kind>`` by ``actor``.

    Raises:
      Refusal: ``not_ready`` before the job succeeded; ``bad_correction`` with the reason.
    """
    result = job_result(job) if job.status == Job.Status.SUCCEEDED else None
    if result is None:
        raise Refusal("not_ready", "Only a finished job's result can be corrected.")
    # One correction at a time per job: each is checked against the ones before it (a merged
    # speaker is gone, a new one is there).
    Job.objects.select_for_update().filter(pk=job.pk).first()
    try:
        clean = corrections.validate(result, kind, data, correction_list(job=job))
    except ValueError as exc:
        raise Refusal("bad_correction", str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    made = Correction.objects.create(tenant=job.tenant, job=job, author=author, kind=kind, data=clean)
    if actor is not None:
        audit_actor(actor, f"correction.{kind}", tenant=job.tenant, target=job, details=made.data)
    headline_refresh(job, corrections.apply(result, correction_list(job=job)))
    return made


def correction_list(*, job: Job) -> list[dict]:
    """The job's corrections, oldest first, as ``analysis.corrections.apply`` takes them."""
    return [correction_dict(c) for c in Correction.objects.filter(job=job).select_related("author")]


def correction_dict(correction: Correction) -> dict:
    """One correction as ``analysis.corrections.apply`` takes it (``by``: empty for an API key)."""
    return {
        "kind": correction.kind,
        "data": correction.data,
        "by": correction.author.get_username() if correction.author else "",
        "at": correction.created_at.isoformat(),
    }


def job_review(job: Job) -> dict | None:
    """The job's result with its corrections applied (None before it succeeded)."""
    result = job_result(job)
    if result is None:
        return None
    return corrections.apply(result, correction_list(job=job))


def label_accuracy(*, tenant: Tenant) -> dict:
    """How often the tenant's coaches changed the machine's question labels.

    Returns ``{"machine_questions", "changed", "added", "kept_share", "jobs_reviewed"}``.
    Reads every succeeded job's result, so it is cached until a job or a correction is added.
    """
    done = Job.objects.filter(tenant=tenant, status=Job.Status.SUCCEEDED).exclude(result_file="")
    latest = done.aggregate(n=Count("id"), t=Max("finished_at"))
    changed = Correction.objects.filter(tenant=tenant).aggregate(m=Max("id"))["m"]
    stamp = latest["t"].timestamp() if latest["t"] else 0
    key = f"label-accuracy:{tenant.pk}:{tenant.created_at.timestamp()}:{latest['n']}:{stamp}:{changed}"
    try:
        found = cache.get(key)
    except RedisError:
        found = None
    if found is not None:
        return found
    totals = {"machine_questions": 0, "changed": 0, "added": 0, "jobs_reviewed": 0}
    for job in done:
        cs = correction_list(job=job)
        try:
            result = job_result(job) or {}
        except (OSError, ValueError):  # a result file that is gone or damaged counts for nothing
            continue
        counted = corrections.label_changes(result, cs)
        for k in ("machine_questions", "changed", "added"):
            totals[k] += counted[k]
        totals["jobs_reviewed"] += bool(cs)
    n = totals["machine_questions"]
    totals["kept_share"] = round(1 - totals["changed"] / n, 3) if n else None
    try:
        cache.set(key, totals, ACCURACY_CACHE_S)
    except RedisError:
        pass
    return totals
