"""Time-stamped comments on a job's recording: reads and writes.

Who may write: a tenant's admins and coaches comment (a teacher who should take part in the
conversation gets a coach membership); viewers read. A comment is deleted by its author or
by an admin. Callers (views) check the role; the services write the audit entry when given
an ``Actor``. A comment marked ``shared`` goes into the lesson report sent to the teacher.

Every change is published to the job's socket group after the transaction commits
(``jobs.events.comment_publish``), so open pages of the lesson follow without a reload.
"""

from __future__ import annotations

import math
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import dateformat, timezone

from cultivate.accounts.audit import Actor, audit_actor
from cultivate.accounts.models import Membership, Tenant
from cultivate.refusals import Refusal
from jobs import events
from jobs.models import Comment, Job

# A player's end time can pass ffprobe's duration by a frame or two: such a time is the end.
END_SLACK_S = 0.5


def can_delete(membership: Membership | None, comment: Comment) -> bool:
    if membership is None:
        return False
    return membership.role == Membership.Role.ADMIN or comment.author_id == membership.user_id


def comment_list(*, tenant: Tenant, job: Job) -> QuerySet[Comment]:
    """The job's comments in the order of the recording (then of writing)."""
    return Comment.objects.filter(tenant=tenant, job=job).select_related("author").order_by("at_s", "created_at")


def comment_data(comment: Comment) -> dict:
    """The comment as the page's script reads it, from the JSON endpoint or the job socket.

    The reader's right to delete it (``can_delete``) is not included: it depends on who reads.
    """
    created = timezone.localtime(comment.created_at)
    return {
        "id": str(comment.id),
        "at_s": comment.at_s,
        "clock": clock_text(comment.at_s),
        "author": comment.author.username if comment.author else None,
        "body": comment.body,
        "created_at": created.isoformat(),
        "created_text": dateformat.format(created, "Y-m-d H:i"),  # as the page prints it
        "shared": comment.shared,
    }


def clock_text(seconds: float) -> str:
    """Seconds as ``m:ss`` or ``h:mm:ss``, as the page's ``clock`` filter prints them."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def comment_get(*, tenant: Tenant, job: Job, comment_id) -> Comment | None:
    """The tenant's comment on this job, or None (also for malformed ids)."""
    try:
        return comment_list(tenant=tenant, job=job).filter(id=comment_id).first()
    except (ValidationError, ValueError, TypeError):  # a malformed UUID
        return None


@transaction.atomic
def comment_create(
    *, tenant: Tenant, job: Job, author, at_s: float, body: str, shared: bool = False, actor: Actor | None = None
) -> Comment:
    """Add a comment at ``at_s`` seconds into the job's recording; ``shared`` puts it in the
    lesson report at once.

    Raises:
      Refusal: ``bad_comment`` for an empty or too long body, ``bad_time`` for a time
        before the start or after the end of the recording (when its length is known).
    """
    if job.tenant_id != tenant.id:
        raise Refusal("bad_comment", "No such job.")
    text = (body or "").strip()
    if not text:
        raise Refusal("bad_comment", "Write something to comment.")
    if len(text) > Comment.MAX_BODY:
        raise Refusal("bad_comment", f"A comment can be at most {Comment.MAX_BODY} characters.")
    duration = job.video.duration_s
    if not math.isfinite(at_s) or at_s < 0 or (duration is not None and at_s > duration + END_SLACK_S):
        raise Refusal("bad_time", "The time must be within the recording.")
    if duration is not None:
        at_s = min(at_s, duration)
    comment = Comment.objects.create(
        tenant=tenant, job=job, author=author, at_s=round(at_s, 2), body=text, shared=bool(shared)
    )
    _audit(actor, "comment.create", comment)
    _publish("created", comment)
    return comment


@transaction.atomic
def comment_share(*, comment: Comment, shared: bool, actor: Actor | None = None) -> Comment:
    """Put the comment in the lesson report sent to the teacher (``shared``), or take it out.

    Setting the mark it already has changes nothing and is neither audited nor published.
    """
    shared = bool(shared)
    # Conditional: of two coaches who click at once, only the one who changes the row audits.
    changed = Comment.objects.filter(pk=comment.pk).exclude(shared=shared).update(shared=shared)
    comment.shared = shared
    if changed:
        _audit(actor, "comment.share" if shared else "comment.unshare", comment)
        _publish("shared", comment)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: Actor | None = None) -> None:
    _audit(actor, "comment.delete", comment)  # first: a deleted row has no key to name
    data = comment_data(comment)
    comment.delete()
    _publish("deleted", comment, data)


def _audit(actor: Actor | None, action: str, comment: Comment) -> None:
    if actor is not None:
        details = {"job": str(comment.job_id), "at_s": comment.at_s}
        audit_actor(actor, action, tenant=comment.tenant, target=comment, details=details)


def _publish(kind: str, comment: Comment, data: dict | None = None) -> None:
    """Tell the lesson's open pages once the change is committed (never a change rolled back)."""
    send = partial(
        events.comment_publish,
        tenant_id=comment.tenant_id,
        job_id=comment.job_id,
        kind=kind,
        comment=data or comment_data(comment),
        author_id=comment.author_id,
    )
    transaction.on_commit(send)
