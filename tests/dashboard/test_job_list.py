"""The jobs list: filters, search, cancel and retry from the list, clear empty states."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import login
from tests.factories import JobFactory


def names(response) -> list[str]:
    return [j.video.original_name for j in response.context["jobs"]]


def test_filters_and_search_narrow_the_list(client, bob, tenant_a, tenant_b):
    JobFactory(video__tenant=tenant_a, video__original_name="maths-monday.mp4", status="succeeded")
    JobFactory(video__tenant=tenant_a, video__original_name="reading.mp4", status="failed", teacher="Ms Rivera")
    JobFactory(video__tenant=tenant_b, video__original_name="maths-oak.mp4", status="succeeded")
    login(client, bob)
    home = reverse("dashboard:home")
    assert sorted(names(client.get(home))) == ["maths-monday.mp4", "reading.mp4"]
    assert names(client.get(home, {"status": "failed"})) == ["reading.mp4"]
    assert names(client.get(home, {"q": "MATHS"})) == ["maths-monday.mp4"]
    assert names(client.get(home, {"q": "rivera"})) == ["reading.mp4"]
    assert sorted(names(client.get(home, {"status": "bogus"}))) == ["maths-monday.mp4", "reading.mp4"]
    empty = client.get(home, {"q": "science"}).content.decode()
    assert "No jobs match" in empty and "No recordings yet" not in empty


def test_cancel_and_retry_from_the_list_come_back_to_it(client, bob, vera, tenant_a, redis_queues):
    queued = JobFactory(video__tenant=tenant_a, status="queued")
    login(client, bob)
    page = client.get(reverse("dashboard:home"), {"status": "queued"}).content.decode()
    assert "Cancel" in page
    back = reverse("dashboard:home") + "?status=queued"
    response = client.post(reverse("dashboard:job_cancel", args=[queued.id]), {"next": back})
    assert response.status_code == 302 and response.url == back
    queued.refresh_from_db()
    assert queued.status == "cancelled"
    assert "Run again" in client.get(reverse("dashboard:home")).content.decode()
    # Only local addresses are followed.
    response = client.post(reverse("dashboard:job_retry", args=[queued.id]), {"next": "https://evil.example/"})
    assert response.url == reverse("dashboard:job", args=[queued.id])
    client.logout()
    login(client, vera)
    assert "Run again" not in client.get(reverse("dashboard:home")).content.decode()
