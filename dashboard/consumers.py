"""WebSocket streams of job state. The consumers only check the tenant and join a group;
services publish through jobs/events.py."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cultivate.accounts.selectors import membership_for_user
from jobs import events
from jobs.selectors import job_get, job_state


@database_sync_to_async
def _tenant_of(user):
    membership = membership_for_user(user=user)
    return membership.tenant if membership else None


@database_sync_to_async
def _job_state(tenant, job_id):
    job = job_get(tenant=tenant, job_id=job_id)
    return job_state(job) if job else None


class JobConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/jobs/<id>/``: the job's state now, then every change. Other tenants are refused."""

    async def connect(self):
        tenant = await _tenant_of(self.scope.get("user"))
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        state = await _job_state(tenant, job_id) if tenant else None
        if state is None:
            await self.close()  # before accept: the handshake is refused, nothing leaks
            return
        self.group = events.job_group(job_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(state)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def job_update(self, event):
        await self.send_json(event["job"])


class TenantConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/tenant/``: every job change in the signed-in user's tenant."""

    async def connect(self):
        tenant = await _tenant_of(self.scope.get("user"))
        if tenant is None:
            await self.close()
            return
        self.group = events.tenant_group(tenant.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def job_update(self, event):
        await self.send_json(event["job"])

    async def tenant_notice(self, event):
        await self.send_json({"notice": event["notice"]})
