"""Closing the open WebSockets of a member who was removed, or of a suspended tenant.

A socket is checked when it connects (dashboard/consumers.py); after that it only listens to
its groups. So every socket also joins two control groups, one for its user in its tenant and
one for all of the tenant's sockets, and the services that take access away send
``session.close`` there once their change is committed. The consumers close on it.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

CLOSE_TYPE = "session.close"  # handled by the consumers' session_close method


def member_group(user_id, tenant_id) -> str:
    """Every open socket of one user acting in one tenant."""
    return f"user-{user_id}-tenant-{tenant_id}"


def tenant_sockets_group(tenant_id) -> str:
    """Every open socket of a tenant, whichever its stream (job or tenant events)."""
    return f"sockets-tenant-{tenant_id}"


def close_member_sockets(*, user_id, tenant_id) -> None:
    """After the current transaction commits, close the user's sockets in the tenant."""
    transaction.on_commit(lambda: _send(member_group(user_id, tenant_id)))


def close_tenant_sockets(*, tenant_id) -> None:
    """After the current transaction commits, close every socket of the tenant."""
    transaction.on_commit(lambda: _send(tenant_sockets_group(tenant_id)))


def _send(group: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": CLOSE_TYPE})
    except (RedisError, OSError) as exc:
        # The consumers also re-check access when events reach them, so a lost close is caught there.
        log.warning("sockets of %s not closed: %s", group, exc)
