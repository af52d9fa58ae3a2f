"""The job and tenant sockets, through the real ASGI application and the Redis channel layer."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from jobs import attempts
from tests.factories import JobFactory
from tests.sockets import socket_headers, socket_open

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_streams_progress_events_for_a_job(client, bob, tenant_a):
    job = JobFactory(video__tenant=tenant_a)
    headers = socket_headers(client, bob)

    async def scenario():
        communicator, connected = await socket_open(f"/ws/jobs/{job.id}/", headers)
        assert connected
        first = await communicator.receive_json_from(timeout=5)
        assert (first["id"], first["status"]) == (str(job.id), "queued")
        started = await sync_to_async(attempts.job_start)(job_id=job.id)
        await sync_to_async(attempts.job_progress)(
            job_id=job.id, attempt=started.current_attempt, stage="transcribing", progress=42
        )
        started = await communicator.receive_json_from(timeout=5)
        progressed = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return started, progressed

    started, progressed = async_to_sync(scenario)()
    assert (started["status"], started["stage"]) == ("running", "probing")
    assert (progressed["stage"], progressed["progress"]) == ("transcribing", 42)


def test_it_refuses_a_job_socket_to_another_tenant(client, charlie, tenant_a):
    job = JobFactory(video__tenant=tenant_a)
    headers = socket_headers(client, charlie)

    async def scenario():
        communicator, connected = await socket_open(f"/ws/jobs/{job.id}/", headers)
        await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


def test_it_refuses_sockets_to_strangers(tenant_a):
    job = JobFactory(video__tenant=tenant_a)

    async def scenario():
        results = []
        for path in (f"/ws/jobs/{job.id}/", "/ws/tenant/"):
            communicator, connected = await socket_open(path, [(b"origin", b"http://localhost")])
            await communicator.disconnect()
            results.append(connected)
        return results

    assert async_to_sync(scenario)() == [False, False]


def test_the_tenant_socket_carries_only_its_own_tenants_jobs(client, alice, charlie, tenant_a, tenant_b):
    mine = JobFactory(video__tenant=tenant_a)
    theirs = JobFactory(video__tenant=tenant_b)
    headers = socket_headers(client, alice)

    async def scenario():
        communicator, connected = await socket_open("/ws/tenant/", headers)
        assert connected
        await sync_to_async(attempts.job_start)(job_id=theirs.id)
        await sync_to_async(attempts.job_start)(job_id=mine.id)
        event = await communicator.receive_json_from(timeout=5)
        nothing_else = await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()
        return event, nothing_else

    event, nothing_else = async_to_sync(scenario)()
    assert event["id"] == str(mine.id)
    assert nothing_else
