"""Submit a recording: the one path from a file (or an earlier job's recording) to a queued job,
for the upload page, ``POST /api/v1/jobs`` and a finished chunked upload alike.

In order: a submission whose idempotency key was seen before returns that job and stores
nothing; the priority is checked before a byte is stored; the recording is stored and the
job created (and audited, as ``job.create`` by the actor) in one transaction; a refusal
(over budget, a bad option) deletes the recording it stored and goes on up; a submission that
loses a race with another using the same key keeps the first job and deletes its own copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cultivate.accounts.audit import Actor, audit_actor
from cultivate.accounts.models import Tenant
from cultivate.refusals import Refusal
from jobs import selectors, services
from jobs.media import conversions, uploads
from jobs.models import Job, Video


@dataclass
class Submitted:
    """Attributes:
    job: The job, new or the one an earlier submission with the same key made.
    created: False when the key was seen before (nothing new was stored or queued).
    """

    job: Job
    created: bool


def job_submit(
    *,
    tenant: Tenant,
    actor: Actor,
    recording: Callable[[], Video] | Video,
    idempotency_key: str = "",
    priority: str | None = None,
    options: dict | None = None,
    teacher: str = "",
    convert: dict | None = None,
    audit_details: dict | None = None,
) -> Submitted:
    """Queue an analysis (or, with ``convert``, a conversion) of a recording.

    Args:
      recording: A function that stores the upload and returns its new ``Video`` (called
        only once the submission is checked), or an existing ``Video`` (an earlier job's),
        which is never deleted.
      options: Analysis options as ``services.job_options`` takes them.
      convert: ``{"options": {...}, "clip": "01.mp4", "webhook": id}`` for a conversion.
      audit_details: Added to the audit entry's details (the file's name is always there).
    Raises:
      Refusal: from checking the submission, storing the recording or creating the job.
    """
    key = (idempotency_key or "").strip()[:255]
    earlier = selectors.job_for_key(tenant=tenant, key=key)
    if earlier is not None:
        return Submitted(earlier, False)
    if priority is not None and priority not in Job.Priority.values:
        raise Refusal("bad_option", f"Priority must be one of: {', '.join(Job.Priority.values)}.")
    if convert is None:
        services.job_options(**(options or {}))  # a bad option is refused before a byte is stored
    new = callable(recording)
    video = recording() if new else recording
    started = timezone.now()
    try:
        with transaction.atomic():
            job = _create(tenant, actor, video, key, priority, options, teacher, convert)
            created = job.created_at >= started
            if created:
                details = {"file": video.original_name, **(audit_details or {})}
                audit_actor(actor, "job.create", tenant=tenant, target=job, details=details)
    except BaseException:
        if new:
            uploads.video_delete(video=video)  # refused: keep nothing
        raise
    if not created and new:  # lost a race with the same key: the first job stands
        uploads.video_delete(video=video)
    return Submitted(job, created)


def _create(tenant, actor: Actor, video, key, priority, options, teacher, convert) -> Job:
    if convert is not None:
        return conversions.conversion_create(
            tenant=tenant,
            video=video,
            created_by=actor.signed_in_user,
            api_key=actor.api_key,
            options=convert.get("options") or {},
            clip=convert.get("clip", ""),
            priority=priority,
            idempotency_key=key,
            webhook=convert.get("webhook"),
        )
    return services.job_create(
        tenant=tenant,
        video=video,
        created_by=actor.signed_in_user,
        api_key=actor.api_key,
        priority=priority,
        options=options,
        idempotency_key=key,
        teacher=teacher,
    )
