"""Writes for jobs from outside the worker: submit, run again, cancel, delete.

Job state changes are conditional updates (``filter(status=...).update(...)``) that go on
only when one row changed, so two workers can never both win a job, and a job that was
finished elsewhere is never overwritten. Each change is published to live pages. What a
worker writes while it holds a job is in ``jobs.attempts``; when a queued job reaches an
RQ queue is decided in ``jobs.dispatch`` (fair share between tenants).
"""

from __future__ import annotations

import logging

import django_rq
from django.db import IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from cultivate.accounts.audit import Actor, audit_actor
from cultivate.accounts.models import ApiKey, Membership, Tenant
from cultivate.refusals import Refusal
from jobs import layout
from jobs.attempts import attempt_end_for_job, job_announce, job_emit
from jobs.billing import budgets, costs
from jobs.dispatch import dispatch_later
from jobs.models import Job, JobAttempt, Video
from jobs.options import parse_session, parse_speakers
from jobs.webhooks import deliveries

log = logging.getLogger(__name__)


def job_options(*, speakers=None, session=None, blur_others=None, render=None, webhook=None) -> dict:
    """Validated analysis options for a job.

    Args:
      render: False to skip rendering highlight clips (the highlights are still chosen).
      webhook: The id of one of the tenant's endpoints: this job's events go there only.
        ``job_create`` checks that it is the tenant's.
    Raises:
      Refusal: ``bad_option`` with a message for people.
    """
    try:
        options = {"speakers": parse_speakers(speakers), "session": parse_session(session)}
    except ValueError as exc:
        raise Refusal("bad_option", str(exc)[:1].upper() + str(exc)[1:] + ".") from None
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
    """Create a queued job (an analysis unless ``kind`` says otherwise); it is handed to an
    RQ queue once the row is committed and its tenant's share allows (``jobs.dispatch``).

    Args:
      created_by: The signed-in user who submitted it (None through an API key).
      api_key: The API key it was submitted with, if any.
      priority: ``high``, ``default`` or ``low`` (the RQ queue); the tenant's default if None.
        ``high`` is for tenant admins (users or keys), or every member of a tenant that staff
        allowed it (``Tenant.high_priority_allowed``).
      options: ``speakers`` (a number or ``"auto"``), ``session`` (``classroom`` or
        ``coaching``) and ``blur_others``; validated by ``job_options``.
      idempotency_key: A client's key: a second create with the same key in the same tenant
        returns the first job (and leaves the new video for the caller to delete).
      teacher: Whose lesson it is (free text, spaces tidied), for the teacher progress page.
      kind: ``analyze`` or ``convert``; a convert job's own options come checked in
        ``extra_options`` (``jobs.media.conversions``), and ``options`` may only name its webhook.
      estimate_duration_s: Seconds of media the job works on, for its estimate (default: all).
    Raises:
      Refusal: ``bad_option`` for an unknown priority or option; ``priority_not_allowed``
        for ``high`` from someone who may not choose it; ``budget_exceeded`` when the job's
        estimate does not fit in what is left of the tenant's month (checked under a lock on
        the tenant, so concurrent submissions cannot overspend).
    """
    if tenant.is_suspended:
        raise Refusal("tenant_suspended", "This organisation's account is suspended; no new jobs can start.")
    queue = priority or tenant.default_priority
    if queue not in Job.Priority.values:
        raise Refusal("bad_option", f"Priority must be one of: {', '.join(Job.Priority.values)}.")
    if queue == Job.Priority.HIGH and not high_priority_allowed(tenant=tenant, user=created_by, api_key=api_key):
        raise Refusal(
            "priority_not_allowed", "Only an admin of your organisation can put a job on the high-priority queue."
        )
    key = (idempotency_key or "")[:255]
    if kind == Job.Kind.ANALYZE:
        checked = job_options(**(options or {}))
        if "blur_others" not in checked and tenant.blur_others_default:
            checked["blur_others"] = True  # the tenant's privacy default, unless the job said otherwise
    else:
        checked = {"webhook": str(options["webhook"])} if options and options.get("webhook") else {}
    checked.update(extra_options or {})
    if "webhook" in checked and deliveries.webhook_get(tenant=tenant, endpoint_id=checked["webhook"]) is None:
        raise Refusal("bad_option", "The webhook is not one of this tenant's endpoints.")
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
            job_emit(job, "job.queued")
            dispatch_later(tenant.pk)
    except IntegrityError:
        existing = Job.objects.filter(tenant=tenant, idempotency_key=key).first() if key else None
        if existing is None:
            raise
        return existing
    return job


def high_priority_allowed(*, tenant: Tenant, user=None, api_key: ApiKey | None = None) -> bool:
    """Whether a submission may use the ``high`` queue: the tenant was allowed it by staff
    (or given it as its default), or the submitter is one of its admins. Work the system
    submits itself (no user, no key) may."""
    if tenant.high_priority_allowed or tenant.default_priority == Job.Priority.HIGH:
        return True
    if api_key is not None:
        return api_key.role == Membership.Role.ADMIN
    if user is None:
        return True
    return Membership.objects.filter(tenant=tenant, user=user, role=Membership.Role.ADMIN).exists()


def job_rerun(*, job_id, actor: Actor | None = None, audit_details: dict | None = None) -> bool:
    """Queue a failed or cancelled job again, with a fresh count of attempts (the log stays);
    audited as ``job.rerun`` by ``actor`` when it was queued again.

    Raises:
      Refusal: ``budget_exceeded`` if its estimate no longer fits the month's budget.
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
            dispatched_at=None,
            started_at=None,
            finished_at=None,
            updated_at=now,
        )
        if changed:
            job_emit(Job.objects.get(id=job_id), "job.queued")
            dispatch_later(job.tenant_id)
            _audit(actor, "job.rerun", job, audit_details)
    if changed:
        job_announce(job_id)
    return bool(changed)


def job_cancel(*, job_id, actor: Actor | None = None) -> bool:
    """Cancel a queued or running job (audited as ``job.cancel`` by ``actor``). A running job's
    worker notices within seconds (its next heartbeat or progress write is refused); the
    attempt is billed what it measured.

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
            job = Job.objects.get(id=job_id)
            attempt_end_for_job(job, JobAttempt.Outcome.CANCELLED, "cancelled", "Cancelled.")  # if one was running
            job_emit(job, "job.cancelled")
            dispatch_later(job.tenant_id)
            _audit(actor, "job.cancel", job)
    if not changed:
        return False
    if job.rq_id:
        _rq_stop(job.queue, job.rq_id)
    job_announce(job_id)
    return True


@transaction.atomic
def job_delete(*, job_id, actor: Actor | None = None, audit_details: dict | None = None) -> bool:
    """Delete a finished job with its result and clips, every attempt's (the recording stays);
    audited as ``job.delete`` by ``actor``. False if unfinished."""
    job = Job.objects.filter(id=job_id, status__in=Job.FINISHED).first()
    if job is None:
        return False
    names = layout.stored_names(layout.job_folder(job))
    if job.result_file and job.result_file.name not in names:
        names.append(job.result_file.name)
    _audit(actor, "job.delete", job, audit_details)  # first: a deleted row has no key to name
    Job.objects.filter(id=job.id).delete()
    transaction.on_commit(lambda: layout.delete_names(names))
    return True


def _audit(actor: Actor | None, action: str, job: Job, details: dict | None = None) -> None:
    if actor is not None:
        audit_actor(actor, action, tenant=job.tenant, target=job, details=details)


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
