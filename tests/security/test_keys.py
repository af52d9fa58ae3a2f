"""An API key cannot mint a stronger key: no rate above its tenant's or its own, no higher role."""

from __future__ import annotations

import pytest

from cultivate.accounts.models import ApiKey
from cultivate.accounts.services import apikey_create
from cultivate.refusals import Refusal
from tests.api.conftest import error_of, key_client
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_it_refuses_a_key_faster_than_its_tenant(client, alice, tenant_a):
    tenant_a.api_requests_per_minute = 100
    tenant_a.save()
    admin = key_client(tenant_a, "admin")
    refused = admin.post("/api/v1/keys", {"name": "fast", "role": "coach", "requests_per_minute": 5000}, format="json")
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "validation_error" and "at most 100" in error_of(refused)["message"]
    # The same for an admin signed in to the dashboard's session.
    refused = login(client, alice).post(
        "/api/v1/keys", {"name": "fast", "role": "coach", "requests_per_minute": 101}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert not ApiKey.objects.filter(name="fast").exists()
    made = admin.post("/api/v1/keys", {"name": "ok", "role": "coach", "requests_per_minute": 100}, format="json")
    assert made.status_code == 201 and made.json()["requests_per_minute"] == 100


def test_it_refuses_the_sites_tenant_limit_when_the_tenant_has_none(tenant_a, settings):
    settings.API_TENANT_REQUESTS_PER_MINUTE = 1200
    admin = key_client(tenant_a, "admin")
    refused = admin.post("/api/v1/keys", {"name": "fast", "role": "viewer", "requests_per_minute": 1201}, format="json")
    assert refused.status_code == 400


def test_a_key_cannot_make_a_key_faster_than_itself(tenant_a):
    slow = key_client(tenant_a, "admin", requests_per_minute=30)
    refused = slow.post("/api/v1/keys", {"name": "faster", "role": "coach", "requests_per_minute": 31}, format="json")
    assert refused.status_code == 400 and "at most 30" in error_of(refused)["message"]
    made = slow.post("/api/v1/keys", {"name": "unsaid", "role": "coach"}, format="json")
    assert made.status_code == 201
    assert made.json()["requests_per_minute"] == 30  # its maker's own rate, not the site default


def test_a_key_cannot_make_a_key_with_a_higher_role(tenant_a):
    coach, _ = apikey_create(tenant=tenant_a, name="coach", role="coach")
    with pytest.raises(Refusal, match="cannot make a key with the role admin"):
        apikey_create(tenant=tenant_a, name="escalated", role="admin", creator_key=coach)
    key, _ = apikey_create(tenant=tenant_a, name="peer", role="viewer", creator_key=coach)
    assert key.role == "viewer"
