"""WebSocket streams of job state. The consumers only check the member and the tenant and join
groups; services publish through jobs/events.py.

A socket is refused at the handshake unless its user is a member of an active tenant. Once
open, it also listens on two control groups (cultivate/accounts/sockets.py): removing the
member or suspending the tenant closes it. As a second line, when an event arrives and the
last check is older than ``RECHECK_EVERY_S``, access is checked again before the event is sent.

A job socket opened with ``?comments=1`` also carries the lesson's comment events (the review
page's comments script asks for them; the status script does not, and reads job state only).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cultivate.accounts import sockets
from cultivate.accounts.models import Membership
from cultivate.accounts.selectors import membership_for_user
from jobs import events
from jobs.selectors import job_get, job_state

RECHECK_EVERY_S = 10.0
CLOSE_CODE = 4403  # access withdrawn; the pages' scripts fall back to polling, which is refused too


@database_sync_to_async
def _active_membership(user):
    """The membership the user acts through, or None when there is none or its tenant is suspended."""
    membership = membership_for_user(user=user)
    if membership is None or membership.tenant.is_suspended:
        return None
    return membership


@database_sync_to_async
def _still_allowed(user_id, tenant_id) -> bool:
    return (
        Membership.objects.filter(user_id=user_id, tenant_id=tenant_id, tenant__suspended_at=None)
        .exclude(user__is_active=False)
        .exists()
    )


@database_sync_to_async
def _job_state(tenant, job_id):
    job = job_get(tenant=tenant, job_id=job_id)
    return job_state(job) if job else None


class _MemberConsumer(AsyncJsonWebsocketConsumer):
    """What both streams share: the access check, the groups, and closing when access goes."""

    async def join(self, membership, *groups: str) -> None:
        self.user_id, self.tenant_id = membership.user_id, membership.tenant_id
        self.checked_at = time.monotonic()
        self.groups_joined = [
            *groups,
            sockets.member_group(self.user_id, self.tenant_id),
            sockets.tenant_sockets_group(self.tenant_id),
        ]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def session_close(self, event):
        await self.close(code=CLOSE_CODE)

    async def allowed(self) -> bool:
        """Re-check the membership and the tenant at most every ``RECHECK_EVERY_S``; close if gone."""
        if time.monotonic() - self.checked_at < RECHECK_EVERY_S:
            return True
        if not await _still_allowed(self.user_id, self.tenant_id):
            await self.close(code=CLOSE_CODE)
            return False
        self.checked_at = time.monotonic()
        return True

    async def job_update(self, event):
        if await self.allowed():
            await self.send_json(event["job"])


class JobConsumer(_MemberConsumer):
    """``/ws/jobs/<id>/``: the job's state now, then every change. Other tenants are refused.
    With ``?comments=1``, also its comments as they are added, deleted or marked shared."""

    async def connect(self):
        membership = await _active_membership(self.scope.get("user"))
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        state = await _job_state(membership.tenant, job_id) if membership else None
        if state is None:
            await self.close()  # before accept: the handshake is refused, nothing leaks
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.wants_comments = query.get("comments") == ["1"]
        self.is_admin = membership.role == Membership.Role.ADMIN
        await self.join(membership, events.job_group(job_id))
        await self.accept()
        await self.send_json(state)

    async def comment_event(self, event):
        """``{"comment_event": kind, "comment": {...}}``, with this reader's right to delete it."""
        if not self.wants_comments or event["tenant_id"] != self.tenant_id:
            return  # the group is per job, and a job has one tenant: a second line all the same
        if not await self.allowed():
            return
        can_delete = self.is_admin or (event["author_id"] is not None and event["author_id"] == self.user_id)
        comment = {**event["comment"], "can_delete": can_delete}
        await self.send_json({"comment_event": event["kind"], "comment": comment})


class TenantConsumer(_MemberConsumer):
    """``/ws/tenant/``: every job change in the signed-in user's tenant."""

    async def connect(self):
        membership = await _active_membership(self.scope.get("user"))
        if membership is None:
            await self.close()
            return
        await self.join(membership, events.tenant_group(membership.tenant_id))
        await self.accept()

    async def tenant_notice(self, event):
        if await self.allowed():
            await self.send_json({"notice": event["notice"]})
