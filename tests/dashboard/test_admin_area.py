"""Tenant admin pages (budget, webhooks, audit log) and the staff operations page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from cultivate.accounts.models import AuditEntry
from jobs.models import Job, WebhookDelivery
from jobs.webhooks import deliveries
from tests.conftest import login
from tests.factories import JobFactory, UserFactory

ADMIN_PAGES = [
    "dashboard:admin_budget",
    "dashboard:admin_webhooks",
    "dashboard:admin_keys",
    "dashboard:admin_members",
    "dashboard:admin_audit",
    "dashboard:admin_shares",
]


@pytest.fixture
def endpoint_a(tenant_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    return deliveries.webhook_create(tenant=tenant_a, url="http://127.0.0.1:9/hook", events=["job.succeeded"])


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_are_for_the_tenants_admins_only(client, alice, bob, vera, page):
    assert login(client, alice).get(reverse(page)).status_code == 200
    for user in (bob, vera):
        client.logout()
        response = login(client, user).get(reverse(page))
        assert response.status_code == 403 and b"Admins only" in response.content


def test_another_tenants_endpoint_and_deliveries_are_a_404(client, charlie, endpoint_a, redis_queues):
    (delivery,) = deliveries.event_emit(tenant=endpoint_a.tenant, event="job.succeeded", data={})
    login(client, charlie)
    assert client.get(reverse("dashboard:admin_webhook", args=[endpoint_a.id])).status_code == 404
    change = reverse("dashboard:admin_webhook_change", args=[endpoint_a.id])
    assert client.post(change, {"action": "delete"}).status_code == 404
    redeliver = reverse("dashboard:admin_delivery_redeliver", args=[delivery.id])
    assert client.post(redeliver).status_code == 404
    assert WebhookDelivery.objects.count() == 1
    assert endpoint_a.url not in client.get(reverse("dashboard:admin_webhooks")).content.decode()


def test_an_admin_sets_the_budget_and_it_is_audited(client, alice, charlie, tenant_a):
    login(client, alice)
    response = client.post(reverse("dashboard:admin_budget"), {"monthly_budget": "120.5"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.monthly_budget == Decimal("120.50")
    entry = AuditEntry.objects.get(action="budget.update")
    assert (entry.actor, entry.tenant, entry.ip) == (alice, tenant_a, "203.0.113.9")
    assert entry.details == {"from": None, "to": "120.50"}
    assert "budget.update" in client.get(reverse("dashboard:admin_audit")).content.decode()
    bad = client.post(reverse("dashboard:admin_budget"), {"monthly_budget": "lots"})
    assert bad.status_code == 400 and b"Enter the budget as an amount" in bad.content
    client.logout()
    assert "budget.update" not in login(client, charlie).get(reverse("dashboard:admin_audit")).content.decode()


def test_an_admin_adds_an_endpoint_sees_its_secret_and_redelivers(client, alice, tenant_a, settings, redis_queues):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    login(client, alice)
    response = client.post(
        reverse("dashboard:admin_webhooks"),
        {"url": "http://127.0.0.1:9/in", "events": ["job.succeeded", "job.failed"], "description": "LMS"},
    )
    endpoint = tenant_a.webhooks.get()
    assert response.url == reverse("dashboard:admin_webhook", args=[endpoint.id])
    assert endpoint.events == ["job.succeeded", "job.failed"]
    assert endpoint.secret in client.get(response.url).content.decode()
    (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={})
    client.post(reverse("dashboard:admin_delivery_redeliver", args=[delivery.id]))
    assert WebhookDelivery.objects.filter(redelivery_of=delivery).count() == 1
    client.post(reverse("dashboard:admin_webhook_change", args=[endpoint.id]), {"action": "disable"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    actions = set(AuditEntry.objects.filter(tenant=tenant_a).values_list("action", flat=True))
    assert {"webhook.create", "webhook.redeliver", "webhook.disable"} <= actions
    bad = client.post(reverse("dashboard:admin_webhooks"), {"url": "http://127.0.0.1:9/in", "events": []})
    assert bad.status_code == 400 and b"Choose at least one event" in bad.content


def test_cancelling_from_the_job_page_is_audited(client, bob, tenant_a, redis_queues):
    job = JobFactory(video__tenant=tenant_a, status=Job.Status.QUEUED)
    login(client, bob).post(reverse("dashboard:job_cancel", args=[job.id]), REMOTE_ADDR="198.51.100.7")
    entry = AuditEntry.objects.get(action="job.cancel")
    assert (entry.actor, entry.target_id, entry.ip) == (bob, str(job.id), "198.51.100.7")


def test_the_operations_page_is_for_staff(client, alice, db, redis_queues):
    assert login(client, alice).get(reverse("dashboard:ops")).status_code == 302  # to the admin sign-in
    client.logout()
    staff = UserFactory(username="operator", is_staff=True)
    failed = JobFactory(status=Job.Status.FAILED, error_code="not_media", error_message="Not a video.")
    page = login(client, staff).get(reverse("dashboard:ops"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-depth="default"' in body and str(failed.id) in body
    client.post(reverse("dashboard:ops_job_retry", args=[failed.id]))
    failed.refresh_from_db()
    assert failed.status == Job.Status.QUEUED
    assert AuditEntry.objects.get(action="job.rerun").actor == staff
    Job.objects.filter(id=failed.id).update(status=Job.Status.FAILED)
    client.post(reverse("dashboard:ops_job_delete", args=[failed.id]))
    assert not Job.objects.filter(id=failed.id).exists()


def test_an_admin_makes_a_key_sees_it_once_and_revokes_it(client, alice, charlie, tenant_a):
    from rest_framework.test import APIClient

    from cultivate.accounts.models import ApiKey

    login(client, alice)
    page = client.post(reverse("dashboard:admin_keys"), {"name": "LMS sync", "role": "viewer"})
    assert page.status_code == 200
    key = ApiKey.objects.get(tenant=tenant_a)
    raw = page.context["new_key"]["raw"]
    assert raw.startswith(key.prefix) and raw in page.content.decode()
    assert raw not in client.get(reverse("dashboard:admin_keys")).content.decode()  # shown once
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/usage").status_code == 200
    bad = client.post(reverse("dashboard:admin_keys"), {"name": " ", "role": "viewer"})
    assert bad.status_code == 400 and b"needs a name" in bad.content

    client.logout()
    login(client, charlie)
    assert client.post(reverse("dashboard:admin_key_revoke", args=[key.id])).status_code == 404
    assert api.get("/api/v1/usage").status_code == 200
    client.logout()
    login(client, alice)
    client.post(reverse("dashboard:admin_key_revoke", args=[key.id]))
    assert api.get("/api/v1/usage").status_code == 401
    assert [e.action for e in AuditEntry.objects.order_by("created_at")] == ["apikey.create", "apikey.revoke"]
