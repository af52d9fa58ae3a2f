"""Staff: tenants (make, suspend, resume, budget) and throughput over the last hours."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cultivate.accounts.models import AuditEntry, Tenant
from jobs.models import Job
from tests.api.conftest import error_of, key_client
from tests.conftest import login
from tests.factories import JobFactory, UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="olga", is_staff=True)


def test_tenants_page_is_for_staff_only(client, alice):
    response = login(client, alice).get(reverse("dashboard:ops_tenants"))
    assert response.status_code == 302 and "login" in response.url


def test_staff_make_a_tenant_with_its_first_admins_invitation(client, staff):
    login(client, staff)
    page = client.post(
        reverse("dashboard:ops_tenants"),
        {"name": "Riverside District", "monthly_budget": "250", "admin_email": "head@riverside.example"},
    )
    assert page.status_code == 200
    tenant = Tenant.objects.get(slug="riverside-district")
    assert tenant.monthly_budget == Decimal("250.00")
    link = page.context["invite"]
    assert "/accounts/invite/" in link and link in page.content.decode()
    assert {e.action for e in AuditEntry.objects.filter(tenant=tenant)} == {"tenant.create", "member.invite"}
    again = client.post(reverse("dashboard:ops_tenants"), {"name": "Riverside District"})
    assert again.status_code == 400 and b"is taken" in again.content
    assert len(mail.outbox) == 0  # the link is shown to staff to pass on


def test_a_suspended_tenant_is_refused_everywhere_until_resumed(client, staff, bob, tenant_a, tenant_b, media_dir):
    api = key_client(tenant_a, "coach")
    other = key_client(tenant_b, "coach")
    login(client, staff)
    client.post(reverse("dashboard:ops_tenant_change", args=[tenant_a.pk]), {"action": "suspend"})
    tenant_a.refresh_from_db()
    assert tenant_a.is_suspended
    client.logout()

    page = login(client, bob).get(reverse("dashboard:home"))
    assert page.status_code == 403 and b"suspended" in page.content
    response = api.get("/api/v1/jobs")
    assert response.status_code == 403 and error_of(response)["code"] == "tenant_suspended"
    with open(media_dir / "lesson.mp4", "rb") as f:
        assert api.post("/api/v1/jobs", {"file": f}, format="multipart").status_code == 403
    assert other.get("/api/v1/jobs").status_code == 200  # only that tenant

    from jobs import services
    from tests.factories import VideoFactory

    with pytest.raises(Exception, match="suspended"):
        services.job_create(tenant=tenant_a, video=VideoFactory(tenant=tenant_a), created_by=bob)

    client.logout()
    login(client, staff)
    client.post(reverse("dashboard:ops_tenant_change", args=[tenant_a.pk]), {"action": "resume"})
    assert api.get("/api/v1/jobs").status_code == 200
    actions = list(AuditEntry.objects.filter(tenant=tenant_a).values_list("action", flat=True))
    assert "tenant.suspend" in actions and "tenant.resume" in actions


def test_staff_set_a_tenants_budget(client, staff, tenant_a):
    login(client, staff)
    change = reverse("dashboard:ops_tenant_change", args=[tenant_a.pk])
    client.post(change, {"action": "budget", "monthly_budget": "99.5"})
    tenant_a.refresh_from_db()
    assert tenant_a.monthly_budget == Decimal("99.50")
    client.post(change, {"action": "budget", "monthly_budget": "lots"}, follow=True)
    tenant_a.refresh_from_db()
    assert tenant_a.monthly_budget == Decimal("99.50")
    client.post(change, {"action": "budget", "monthly_budget": ""})
    tenant_a.refresh_from_db()
    assert tenant_a.monthly_budget is None


def test_throughput_counts_jobs_per_hour_with_the_real_time_factor(client, staff, tenant_a, redis_queues):
    now = timezone.now()
    for status, minutes_ago, run_s in [
        ("succeeded", 10, 30),
        ("succeeded", 15, 60),
        ("failed", 20, 5),
        ("succeeded", 60 * 30, 10),
    ]:
        job = JobFactory(video__tenant=tenant_a, status=status)  # a 12 s recording (the factory's probe)
        Job.objects.filter(id=job.id).update(
            finished_at=now - timedelta(minutes=minutes_ago),
            started_at=now - timedelta(minutes=minutes_ago, seconds=run_s),
        )
    login(client, staff)
    data = client.get(reverse("dashboard:ops")).context["throughput"]
    assert data["total"] == 3  # the job of 30 hours ago is outside the window
    assert sum(data["succeeded"]) == 2 and sum(data["failed"]) == 1
    rtf = [v for v in data["rtf"] if v is not None]
    # 12 s of recording in 30 s and in 60 s: 0.4x and 0.2x, averaged when both fall in one hour.
    assert sorted(rtf) in ([0.3], [0.2, 0.4])
