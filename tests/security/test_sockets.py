"""WebSockets: refused for a suspended tenant, and closed when a member is removed or the tenant
is suspended; through the real ASGI application and the Redis channel layer."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from cultivate.accounts import invitations
from cultivate.accounts.models import Membership
from cultivate.accounts.services import tenant_suspend
from dashboard import consumers
from jobs import events
from tests.factories import JobFactory
from tests.sockets import socket_headers, socket_open

pytestmark = pytest.mark.django_db(transaction=True)


async def _closed(communicator) -> bool:
    """True once the server closed the socket (anything else it sends first is skipped)."""
    for _ in range(10):
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return True
    return False


def test_it_refuses_both_sockets_of_a_suspended_tenant(client, bob, tenant_a):
    job = JobFactory(video__tenant=tenant_a)
    headers = socket_headers(client, bob)
    tenant_suspend(tenant=tenant_a)

    async def scenario():
        results = []
        for path in (f"/ws/jobs/{job.id}/", "/ws/tenant/"):
            communicator, connected = await socket_open(path, headers)
            await communicator.disconnect()
            results.append(connected)
        return results

    assert async_to_sync(scenario)() == [False, False]


def test_it_closes_a_removed_members_sockets_and_no_one_elses(client, alice, bob, tenant_a):
    job = JobFactory(video__tenant=tenant_a)
    bob_headers = socket_headers(client, bob)
    alice_headers = socket_headers(client.__class__(), alice)
    membership = Membership.objects.get(user=bob, tenant=tenant_a)

    async def scenario():
        job_socket, ok1 = await socket_open(f"/ws/jobs/{job.id}/", bob_headers)
        tenant_socket, ok2 = await socket_open("/ws/tenant/", bob_headers)
        alices, ok3 = await socket_open("/ws/tenant/", alice_headers)
        assert ok1 and ok2 and ok3
        await job_socket.receive_json_from(timeout=5)  # the job's state on connect
        await sync_to_async(invitations.member_remove)(membership=membership)
        closed = [await _closed(job_socket), await _closed(tenant_socket)]
        # The tenant's events keep flowing to the members who remain.
        await sync_to_async(events.job_publish)(job)
        event = await alices.receive_json_from(timeout=5)
        for communicator in (job_socket, tenant_socket, alices):
            await communicator.disconnect()
        return closed, event

    closed, event = async_to_sync(scenario)()
    assert closed == [True, True]
    assert event["id"] == str(job.id)


def test_it_closes_every_socket_of_a_tenant_when_it_is_suspended(client, alice, bob, charlie, tenant_a):
    job = JobFactory(video__tenant=tenant_a)
    headers = [socket_headers(client.__class__(), user) for user in (alice, bob)]
    charlies = socket_headers(client.__class__(), charlie)

    async def scenario():
        opened = [
            await socket_open("/ws/tenant/", headers[0]),
            await socket_open(f"/ws/jobs/{job.id}/", headers[1]),
        ]
        other, ok = await socket_open("/ws/tenant/", charlies)
        assert ok and all(connected for _, connected in opened)
        await sync_to_async(tenant_suspend)(tenant=job.tenant)
        closed = [await _closed(communicator) for communicator, _ in opened]
        still_open = await other.receive_nothing(timeout=0.5)
        for communicator, _ in opened:
            await communicator.disconnect()
        await other.disconnect()
        return closed, still_open

    closed, still_open = async_to_sync(scenario)()
    assert closed == [True, True]
    assert still_open  # another tenant's socket is not touched


def test_it_checks_access_again_before_sending_an_event(client, bob, tenant_a, monkeypatch):
    """Should the close message be lost, the next event finds the membership gone."""
    monkeypatch.setattr(consumers, "RECHECK_EVERY_S", 0)
    job = JobFactory(video__tenant=tenant_a)
    headers = socket_headers(client, bob)

    async def scenario():
        communicator, connected = await socket_open("/ws/tenant/", headers)
        assert connected
        # Gone without the service (as when a user is deleted in the Django admin).
        await sync_to_async(Membership.objects.filter(user=bob).delete)()
        await sync_to_async(events.job_publish)(job)
        output = await communicator.receive_output(timeout=5)
        await communicator.disconnect()
        return output

    assert async_to_sync(scenario)()["type"] == "websocket.close"
