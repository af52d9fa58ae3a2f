"""Every page and endpoint is tenant-scoped: another tenant's job is a 404, never a 403."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.conftest import login
from tests.factories import JobFactory

JOB_PAGES = ["dashboard:job", "dashboard:job_status", "dashboard:job_result"]


@pytest.fixture
def job_a(tenant_a, bob):
    job = JobFactory(video__tenant=tenant_a, video__uploader=bob, created_by=bob, status="succeeded")
    job.result_file.save("result.json", ContentFile(b'{"schema": "cultivate.result/1", "segments": []}'))
    return job


@pytest.mark.parametrize("page", JOB_PAGES)
def test_it_shows_a_job_to_its_own_tenant(client, alice, bob, job_a, page):
    for user in (alice, bob):
        response = login(client, user).get(reverse(page, args=[job_a.id]))
        assert response.status_code == 200


@pytest.mark.parametrize("page", JOB_PAGES)
def test_it_hides_a_job_from_another_tenant(client, charlie, job_a, page):
    response = login(client, charlie).get(reverse(page, args=[job_a.id]))
    assert response.status_code == 404


def test_it_lists_only_the_tenants_own_jobs(client, alice, charlie, job_a, tenant_b):
    other = JobFactory(video__tenant=tenant_b, video__original_name="oak-lesson.mp4")
    body = login(client, alice).get(reverse("dashboard:home")).content.decode()
    assert job_a.video.original_name in body and other.video.original_name not in body
    client.logout()
    body = login(client, charlie).get(reverse("dashboard:home")).content.decode()
    assert other.video.original_name in body and str(job_a.id) not in body


@pytest.mark.parametrize("page", ["dashboard:home", "dashboard:upload"])
def test_it_sends_strangers_to_sign_in(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_sends_strangers_to_sign_in_for_a_job(client, job_a):
    response = client.get(reverse("dashboard:job_status", args=[job_a.id]))
    assert response.status_code == 302


def test_it_tells_a_user_without_a_tenant(client, db):
    from tests.factories import UserFactory

    user = UserFactory()
    response = login(client, user).get(reverse("dashboard:home"))
    assert response.status_code == 403
    assert b"not in a team" in response.content


def test_status_endpoint_gives_the_live_state(client, bob, job_a):
    state = login(client, bob).get(reverse("dashboard:job_status", args=[job_a.id])).json()
    assert state["id"] == str(job_a.id)
    assert state["status"] == "succeeded"
    assert {"stage", "progress", "attempts", "error"} <= set(state)


def test_it_offers_the_result_as_a_download(client, bob, job_a):
    response = login(client, bob).get(reverse("dashboard:job_result", args=[job_a.id]))
    assert response["Content-Disposition"].startswith("attachment")
    assert b"cultivate.result/1" in response.content


def test_health_and_ready(client, db):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.content
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}


@pytest.fixture
def clip_a(job_a):
    from django.core.files.storage import default_storage

    name = f"results/{job_a.tenant_id}/{job_a.id}/highlights/01.mp4"
    default_storage.save(name, ContentFile(b"\x00\x00\x00\x18ftypmp42"))
    return "01.mp4"


def test_it_serves_clips_and_the_source_to_the_tenant_only(client, bob, charlie, job_a, clip_a):
    clip = reverse("dashboard:job_artifact", args=[job_a.id, clip_a])
    source = reverse("dashboard:job_source", args=[job_a.id])
    login(client, bob)
    assert client.get(clip)["Content-Type"] == "video/mp4"
    assert client.get(clip + "?download=1")["Content-Disposition"].startswith("attachment")
    assert client.get(source).status_code == 200
    assert client.get(reverse("dashboard:job_artifact", args=[job_a.id, "02.mp4"])).status_code == 404
    client.logout()
    login(client, charlie)
    assert client.get(clip).status_code == 404
    assert client.get(source).status_code == 404
