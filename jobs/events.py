"""Publish job state to Channels groups: one per job and one per tenant; and coaches'
comments on a lesson to its job group.

Events are a courtesy for live pages; the database stays the truth. If Redis is down the
event is dropped with a warning and the page's polling fallback catches up.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis.exceptions import RedisError

from jobs.models import Job
from jobs.selectors import job_state

log = logging.getLogger(__name__)

EVENT_TYPE = "job.update"  # handled by the consumers' job_update method


def job_group(job_id) -> str:
    return f"job.{job_id}"


def tenant_group(tenant_id) -> str:
    return f"tenant.{tenant_id}"


def job_publish(job: Job) -> None:
    """Send the job's current state to everyone watching it or its tenant."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": EVENT_TYPE, "job": job_state(job)}
    try:
        async_to_sync(layer.group_send)(job_group(job.id), message)
        async_to_sync(layer.group_send)(tenant_group(job.tenant_id), message)
    except (RedisError, OSError) as exc:
        log.warning("live update for job %s not sent: %s", job.id, exc)


NOTICE_TYPE = "tenant.notice"  # handled by TenantConsumer.tenant_notice


def tenant_notice(tenant_id, kind: str, message: str, data: dict | None = None) -> None:
    """Tell the tenant's open pages about something that is not a job (a budget alert)."""
    layer = get_channel_layer()
    if layer is None:
        return
    notice = {"kind": kind, "message": message, "data": data or {}}
    try:
        async_to_sync(layer.group_send)(tenant_group(tenant_id), {"type": NOTICE_TYPE, "notice": notice})
    except (RedisError, OSError) as exc:
        log.warning("notice for tenant %s not sent: %s", tenant_id, exc)


COMMENT_TYPE = "comment.event"  # handled by JobConsumer.comment_event
COMMENT_KINDS = ("created", "deleted", "shared")


def comment_publish(*, tenant_id, job_id, kind: str, comment: dict, author_id) -> None:
    """Tell the pages open on the job that one of its comments was added, deleted or marked.

    Args:
      kind: One of ``COMMENT_KINDS`` (``shared`` also when the mark was taken off).
      comment: ``jobs.review.comments.comment_data`` of the comment (before it was deleted).
      author_id: Its author's user id: each reader's consumer works out whether it may delete it.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    message = {
        "type": COMMENT_TYPE,
        "tenant_id": tenant_id,  # the consumer sends a comment only to its own tenant's sockets
        "kind": kind,
        "comment": comment,
        "author_id": author_id,
    }
    try:
        async_to_sync(layer.group_send)(job_group(job_id), message)
    except (RedisError, OSError) as exc:
        log.warning("comment event for job %s not sent: %s", job_id, exc)
