"""Share links: one highlight clip of a job that plays without signing in, or the lesson's
report (a PDF), to send to a teacher.

A link to the report is a link whose ``clip`` is ``REPORT``: it is made, checked, revoked,
audited (``report.share``, ``report.share_revoke``) and listed like a clip's, with no other
table. The report is made from the lesson as it is when the link is opened, so corrections
and comments shared or unshared later show there.

The token is random (``secrets.token_urlsafe(32)``), handed out once, and only its SHA-256 is
stored: the link names no storage path, tenant or job, and a copy of the database cannot be
turned back into working links. Every request for a link checks it again (``share_link_resolve``):
a revoked or expired link, a suspended tenant, or a clip that is gone stops it at once, and a
tenant resumed before the link expired gets it back.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from cultivate.accounts.audit import audit_record
from cultivate.accounts.models import Tenant
from cultivate.refusals import Refusal
from jobs.layout import clip_path
from jobs.models import Job, ShareLink
from jobs.review.report import report_available

CLIP_NAME = re.compile(r"^\d{2}\.mp4$")
REPORT = "report.pdf"  # the ``clip`` of a link to the lesson report
MAX_TOKEN_CHARS = 100  # a real token has 43; anything longer is not worth hashing


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def share_link_create(*, tenant: Tenant, job: Job, clip: str, user, ip: str | None = None) -> tuple[ShareLink, str]:
    """Make a link to clip ``clip`` (``01.mp4``, or ``REPORT``) of the tenant's ``job``, valid for
    ``SHARE_LINK_TTL_S``, and audit it. Returns the row and the token, which is not kept:
    the caller shows it once. Role checks (coaches and admins) are the caller's."""
    if job.tenant_id != tenant.pk:
        raise Refusal("not_found", "No such job.")
    if tenant.is_suspended:
        raise Refusal("tenant_suspended", "This organisation's account is suspended; clips cannot be shared.")
    if not _shareable(job, clip):
        raise Refusal("not_found", "No such report." if clip == REPORT else "No such clip.")
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        tenant=tenant,
        job=job,
        clip=clip,
        token_hash=_digest(token),
        created_by=user if user is not None and user.pk is not None else None,
        expires_at=timezone.now() + timedelta(seconds=settings.SHARE_LINK_TTL_S),
    )
    details = {"job": str(job.id), "clip": clip, "expires": link.expires_at.isoformat()}
    audit_record(tenant=tenant, action=f"{_subject(clip)}.share", actor=user, target=link, details=details, ip=ip)
    return link, token


@transaction.atomic
def share_link_revoke(
    *, tenant: Tenant, link_id, user, job: Job | None = None, ip: str | None = None
) -> ShareLink | None:
    """Revoke the tenant's link ``link_id`` (of ``job``, when given): it stops working at once.

    Returns the link (revoking one already revoked changes nothing and audits nothing), or
    None when the tenant has no such link, so that another tenant's link is a 404."""
    link = share_link_get(tenant=tenant, link_id=link_id)
    if link is None or (job is not None and link.job_id != job.pk):
        return None
    now = timezone.now()
    revoker = user if user is not None and user.pk is not None else None
    # Conditional: two clicks at once revoke (and audit) once.
    if ShareLink.objects.filter(pk=link.pk, revoked_at=None).update(revoked_at=now, revoked_by=revoker):
        link.revoked_at, link.revoked_by = now, revoker
        details = {"job": str(link.job_id), "clip": link.clip}
        audit_record(
            tenant=tenant, action=f"{_subject(link.clip)}.share_revoke", actor=user, target=link, details=details, ip=ip
        )
    else:
        link.refresh_from_db()
    return link


def share_link_resolve(token: str) -> tuple[ShareLink | None, str]:
    """The link a visitor's token opens, checked now, with the reason when it does not open.

    Returns ``(link, "ok")``, or ``(None, reason)`` with reason ``unknown``, ``revoked``,
    ``expired`` (the only one a visitor is told about), ``suspended`` or ``gone`` (the clip
    is no longer stored, or the lesson no longer has a report)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return None, "unknown"
    link = ShareLink.objects.select_related("tenant", "job", "job__video").filter(token_hash=_digest(token)).first()
    if link is None:
        return None, "unknown"
    if link.revoked_at is not None:
        return None, "revoked"
    if link.expires_at <= timezone.now():
        return None, "expired"
    if link.tenant.is_suspended:
        return None, "suspended"
    if link.job.tenant_id != link.tenant_id or not _shareable(link.job, link.clip):
        return None, "gone"
    return link, "ok"


def share_link_for_token(token: str) -> ShareLink | None:
    """The link ``token`` opens, or None when unknown, revoked, expired, its tenant is
    suspended, or its job or clip is gone."""
    return share_link_resolve(token)[0]


def share_link_subject(link: ShareLink) -> str:
    """What a link opens, in words: "clip 01" or "the lesson report"."""
    return "the lesson report" if link.clip == REPORT else f"clip {link.clip[:2]}"


def _shareable(job: Job, clip: str) -> bool:
    """The clip is stored, or (``REPORT``) the lesson has a report."""
    if clip == REPORT:
        return report_available(job)
    return bool(CLIP_NAME.match(clip)) and default_storage.exists(clip_path(job, clip))


def _subject(clip: str) -> str:
    return "report" if clip == REPORT else "clip"


def share_link_get(*, tenant: Tenant, link_id) -> ShareLink | None:
    """The tenant's link with this id, or None (also for a malformed id)."""
    try:
        link_id = uuid.UUID(str(link_id))
    except ValueError:
        return None
    return _links(tenant).filter(pk=link_id).first()


def share_links_for_job(tenant: Tenant, job: Job) -> QuerySet[ShareLink]:
    """The links to the clips and report of the tenant's ``job``, active ones first, newest first."""
    return _active_first(_links(tenant).filter(job=job))


def share_links_for_tenant(tenant: Tenant) -> QuerySet[ShareLink]:
    """All the tenant's links, active ones first, newest first (the admin's list)."""
    return _active_first(_links(tenant))


def _links(tenant: Tenant) -> QuerySet[ShareLink]:
    return ShareLink.objects.filter(tenant=tenant).select_related("job__video", "created_by", "revoked_by")


def _active_first(links: QuerySet[ShareLink]) -> QuerySet[ShareLink]:
    active = Q(revoked_at=None, expires_at__gt=timezone.now())
    flag = Case(When(active, then=Value(True)), default=Value(False), output_field=BooleanField())
    return links.annotate(active=flag).order_by("-active", "-created_at")
