from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cultivate.accounts.services import apikey_create


def key_client(tenant, role: str, **extra) -> APIClient:
    """An API client holding a fresh key of ``tenant`` with ``role``."""
    key, raw = apikey_create(tenant=tenant, name=f"{role} key", role=role)
    for field, value in extra.items():
        setattr(key, field, value)
    key.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.key, client.raw = key, raw
    return client


@pytest.fixture
def api_alice(tenant_a, alice):
    return key_client(tenant_a, "admin")


@pytest.fixture
def api_bob(tenant_a, bob):
    return key_client(tenant_a, "coach")


@pytest.fixture
def api_vera(tenant_a, vera):
    return key_client(tenant_a, "viewer")


@pytest.fixture
def api_charlie(tenant_b, charlie):
    return key_client(tenant_b, "admin")


def error_of(response) -> dict:
    """The error object of a response, checked to have the API's one shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["message"], body
    return body["error"]
