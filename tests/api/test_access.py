"""Who may call what: keys, roles and tenants on every endpoint of the API."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from cultivate.accounts.models import ApiKey, AuditEntry
from jobs.models import WebhookDelivery
from jobs.webhooks import deliveries
from tests.api.conftest import error_of, key_client
from tests.conftest import login
from tests.factories import JobFactory


@pytest.fixture
def job_a(tenant_a, bob):
    job = JobFactory(video__tenant=tenant_a, video__uploader=bob, created_by=bob, status="succeeded")
    job.result_file.save("result.json", ContentFile(b'{"schema": "cultivate.result/1", "segments": []}'))
    return job


@pytest.fixture
def failed_job_a(tenant_a, bob):
    return JobFactory(video__tenant=tenant_a, created_by=bob, status="failed", error_code="x", error_message="X.")


@pytest.fixture
def endpoint_a(tenant_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    endpoint = deliveries.webhook_create(tenant=tenant_a, url="http://127.0.0.1:9/hook", events=["job.succeeded"])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="job.succeeded", event_id="6f1c1f7e-2b1e-4d55-9d0b-3f5c6a0c2a11", payload={}
    )
    endpoint.delivery = delivery
    return endpoint


def object_endpoints(job, failed, endpoint, key) -> list[tuple[str, str, dict | None]]:
    """(method, path, body) of every endpoint that names one of tenant A's objects."""
    d = endpoint.delivery
    return [
        ("get", f"/api/v1/jobs/{job.id}", None),
        ("get", f"/api/v1/jobs/{job.id}/result", None),
        ("get", f"/api/v1/jobs/{job.id}/artifacts", None),
        ("post", f"/api/v1/jobs/{failed.id}/retry", None),
        ("delete", f"/api/v1/jobs/{job.id}", None),
        ("get", f"/api/v1/webhooks/{endpoint.id}", None),
        ("patch", f"/api/v1/webhooks/{endpoint.id}", {"description": "mine now"}),
        ("get", f"/api/v1/webhooks/{endpoint.id}/deliveries", None),
        ("post", f"/api/v1/webhooks/{endpoint.id}/deliveries/{d.id}/redeliver", None),
        ("delete", f"/api/v1/webhooks/{endpoint.id}", None),
        ("delete", f"/api/v1/keys/{key.id}", None),
    ]


def call(client, method, path, body=None):
    return getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)


def test_another_tenants_objects_are_a_404_on_every_endpoint(
    api_charlie, job_a, failed_job_a, endpoint_a, tenant_a, redis_queues
):
    key_a = ApiKey.objects.create(tenant=tenant_a, name="a", prefix="cvk_0000000a", key_hash="0" * 64)
    for method, path, body in object_endpoints(job_a, failed_job_a, endpoint_a, key_a):
        response = call(api_charlie, method, path, body)
        assert response.status_code == 404, (method, path, response.content)
        assert error_of(response)["code"] == "not_found"
    # Nothing of tenant A changed, and A's lists show nothing to charlie.
    failed_job_a.refresh_from_db()
    key_a.refresh_from_db()
    assert failed_job_a.status == "failed" and key_a.revoked_at is None
    assert api_charlie.get("/api/v1/jobs").json()["results"] == []
    assert api_charlie.get("/api/v1/webhooks").json() == []
    assert [k["prefix"] for k in api_charlie.get("/api/v1/keys").json()] == [api_charlie.key.prefix]


def test_the_owning_tenants_admin_reaches_every_endpoint(
    api_alice, job_a, failed_job_a, endpoint_a, tenant_a, redis_queues
):
    key_a = ApiKey.objects.create(tenant=tenant_a, name="a", prefix="cvk_0000000a", key_hash="0" * 64)
    for method, path, body in object_endpoints(job_a, failed_job_a, endpoint_a, key_a):
        response = call(api_alice, method, path, body)
        # The finished job cannot be cancelled (409); everything else goes through.
        expected = 409 if (method, path) == ("delete", f"/api/v1/jobs/{job_a.id}") else None
        if expected:
            assert response.status_code == expected and error_of(response)["code"] == "not_cancellable"
        else:
            assert response.status_code < 300, (method, path, response.content)


def test_a_coach_submits_and_reads_jobs_but_not_keys_or_webhooks(
    api_bob, job_a, failed_job_a, endpoint_a, redis_queues
):
    assert api_bob.get(f"/api/v1/jobs/{job_a.id}").status_code == 200
    assert api_bob.post(f"/api/v1/jobs/{failed_job_a.id}/retry").status_code == 202
    for method, path in [
        ("get", "/api/v1/webhooks"),
        ("post", "/api/v1/webhooks"),
        ("get", f"/api/v1/webhooks/{endpoint_a.id}"),
        ("get", "/api/v1/keys"),
        ("post", "/api/v1/keys"),
    ]:
        response = call(api_bob, method, path, {} if method == "post" else None)
        assert response.status_code == 403, path
        assert error_of(response)["code"] == "admin_only"


def test_a_viewer_reads_but_cannot_submit_cancel_or_retry(api_vera, job_a, failed_job_a, media_dir, redis_queues):
    assert api_vera.get(f"/api/v1/jobs/{job_a.id}").status_code == 200
    assert api_vera.get(f"/api/v1/jobs/{job_a.id}/result").status_code == 200
    assert api_vera.get("/api/v1/usage").status_code == 200
    assert api_vera.post("/api/v1/analyze/text", {"lines": ["Why?"]}, format="json").status_code == 200
    with open(media_dir / "lesson.mp4", "rb") as f:
        refused = [
            api_vera.post("/api/v1/jobs", {"file": f}, format="multipart"),
            api_vera.delete(f"/api/v1/jobs/{job_a.id}"),
            api_vera.post(f"/api/v1/jobs/{failed_job_a.id}/retry"),
        ]
    for response in refused:
        assert response.status_code == 403
        assert error_of(response)["code"] == "read_only_role"
    failed_job_a.refresh_from_db()
    assert failed_job_a.status == "failed"
    assert job_a.tenant.videos.count() == 2  # the two fixtures' only: nothing was stored


@pytest.mark.parametrize(
    "header, code",
    [
        (None, "not_authenticated"),
        ("Bearer", "authentication_failed"),
        ("Bearer cvk_00000000_notarealkeynotarealkeynotarealkey", "authentication_failed"),
        ("Bearer something-else", "authentication_failed"),
    ],
)
def test_no_key_or_a_wrong_key_is_a_401(db, header, code):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/jobs")
    assert response.status_code == 401
    assert error_of(response)["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working_and_use_is_recorded(api_alice, tenant_a, redis_queues):
    other = key_client(tenant_a, "coach")
    assert other.get("/api/v1/jobs").status_code == 200
    other.key.refresh_from_db()
    assert other.key.last_used_at is not None
    response = api_alice.delete(f"/api/v1/keys/{other.key.id}")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert other.get("/api/v1/jobs").status_code == 401
    assert AuditEntry.objects.filter(action="apikey.revoke", target_id=str(other.key.id)).exists()


def test_a_key_is_shown_once_and_stored_hashed(api_alice, tenant_a):
    response = api_alice.post("/api/v1/keys", {"name": "LMS sync", "role": "viewer"}, format="json")
    assert response.status_code == 201
    made = response.json()
    raw = made["key"]
    assert raw.startswith(made["prefix"] + "_")
    row = ApiKey.objects.get(id=made["id"])
    assert row.role == "viewer" and raw not in (row.key_hash, row.prefix)
    listed = {k["id"]: k for k in api_alice.get("/api/v1/keys").json()}
    assert "key" not in listed[made["id"]]
    # The new key works, with its role.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/jobs").status_code == 200
    assert client.post("/api/v1/analyze/text", {"lines": ["Why?"]}, format="json").status_code == 200
    assert error_of(client.delete(f"/api/v1/jobs/{row.id}"))["code"] == "read_only_role"
    entry = AuditEntry.objects.get(action="apikey.create")
    assert entry.tenant == tenant_a and entry.details["prefix"] == made["prefix"]


def test_a_browser_session_works_with_its_membership(client, bob, job_a, vera):
    login(client, bob)
    assert client.get(f"/api/v1/jobs/{job_a.id}").json()["id"] == str(job_a.id)
    client.logout()
    login(client, vera)
    assert client.get("/api/v1/jobs").status_code == 200


def test_a_user_of_no_tenant_is_told_so(client, db):
    from tests.factories import UserFactory

    login(client, UserFactory())
    response = client.get("/api/v1/jobs")
    assert response.status_code == 403 and error_of(response)["code"] == "no_tenant"


def test_writes_through_the_api_are_audited_with_the_key_and_address(api_bob, failed_job_a, tenant_a, redis_queues):
    api_bob.post(f"/api/v1/jobs/{failed_job_a.id}/retry", REMOTE_ADDR="203.0.113.9")
    entry = AuditEntry.objects.get(action="job.rerun")
    assert entry.tenant == tenant_a and entry.target_id == str(failed_job_a.id)
    assert entry.actor is None and api_bob.key.prefix in entry.actor_label
    assert entry.ip == "203.0.113.9"


def test_behind_a_trusted_proxy_the_audit_log_keeps_the_clients_address(api_bob, failed_job_a, settings, redis_queues):
    settings.USE_X_FORWARDED_FOR = True
    api_bob.post(
        f"/api/v1/jobs/{failed_job_a.id}/retry",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9",  # a claimed address, then the one our proxy saw
    )
    assert AuditEntry.objects.get(action="job.rerun").ip == "203.0.113.9"
