"""Share links and download links: opaque tokens, revocable, listed, refused while the tenant is
suspended, and never a storage path in a URL."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zlib
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cultivate.accounts.models import AuditEntry
from cultivate.accounts.services import tenant_resume, tenant_suspend
from jobs.models import Job, ShareLink
from tests.api.conftest import error_of, key_client
from tests.conftest import login
from tests.dashboard.test_corrections import finished_job

CLIP = b"0123456789" * 10


def _doc() -> dict:
    return {"schema": "cultivate.result/1", "media": {"duration_s": 60.0}, "segments": [], "speakers": [],
            "questions": [], "metrics": {}, "visual": {"samples": []},
            "highlights": [{"start": 0, "end": 20, "title": "Open question", "reason": [], "score": 3,
                            "clip": "01.mp4"}]}  # fmt: skip


@pytest.fixture
def job(tenant_a):
    job = finished_job(tenant_a, _doc())
    folder = f"results/{tenant_a.pk}/{job.id}/highlights"
    default_storage.save(f"{folder}/01.mp4", ContentFile(CLIP))
    default_storage.save(f"{folder}/01.vtt", ContentFile(b"WEBVTT\n"))
    return job


def share(client, job, clip="01.mp4") -> str:
    """Share ``clip`` from the job page as the signed-in user; the path of the link shown once."""
    response = client.post(reverse("dashboard:job_share", args=[job.id, clip]))
    assert response.status_code == 302, response.status_code
    page = client.get(reverse("dashboard:job", args=[job.id])).content.decode()
    return urlparse(re.search(r'<code class="secret share-link">([^<]+)</code>', page).group(1)).path


def decoded(token: str) -> str:
    """Everything a reader of ``token`` can get out of it without the site's secret: each
    ``:``-separated part read as base64 (and inflated when it is compressed)."""
    out = [token]
    for part in token.split(":"):
        compressed = part.startswith(".")
        raw = part.lstrip(".")
        try:
            data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        except ValueError:
            continue
        if compressed:
            try:
                data = zlib.decompress(data)
            except zlib.error:
                pass
        out.append(data.decode("latin-1"))
    return "\n".join(out)


def assert_no_path(url_path: str, job: Job) -> None:
    text = decoded(url_path.rstrip("/").rsplit("/", 1)[-1])
    assert "results/" not in text and f"/{job.tenant_id}/" not in text and f"{job.tenant_id}/{job.id}" not in text


def played(url_path: str, **headers):
    return Client().get(url_path, **headers)


def test_it_gives_share_links_whose_token_reveals_no_path(client, bob, job):
    login(client, bob)
    path = share(client, job)
    assert "/api/" not in path and "results" not in path and str(job.id) not in path
    assert_no_path(path, job)
    token = path.rsplit("/", 1)[-1]
    link = ShareLink.objects.get(job=job)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in link.token_hash
    assert (link.tenant, link.clip, link.created_by, link.revoked_at) == (job.tenant, "01.mp4", bob, None)
    entry = AuditEntry.objects.get(action="clip.share")
    assert entry.actor == bob and entry.details["clip"] == "01.mp4" and entry.ip == "127.0.0.1"


def test_it_streams_a_shared_clip_to_anyone_with_range(client, bob, job):
    path = share(login(client, bob), job)
    whole = played(path)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == CLIP
    assert whole["Content-Type"] == "video/mp4" and whole["Accept-Ranges"] == "bytes"
    part = played(path, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 10-19/{len(CLIP)}"
    assert b"".join(part.streaming_content) == CLIP[10:20]
    assert "no-store" in part["Cache-Control"]


def test_it_refuses_a_revoked_link_with_a_404(client, bob, job):
    path = share(login(client, bob), job)
    assert played(path).status_code == 200
    link = ShareLink.objects.get(job=job)
    response = client.post(reverse("dashboard:job_share_revoke", args=[job.id, link.id]))
    assert response.status_code == 302
    assert played(path).status_code == 404
    assert played(path, HTTP_RANGE="bytes=0-1").status_code == 404
    link.refresh_from_db()
    assert link.revoked_by == bob and link.revoked_at is not None and not link.is_active
    assert AuditEntry.objects.get(action="clip.share_revoke").actor == bob
    # Revoking twice changes nothing and audits once.
    assert client.post(reverse("dashboard:job_share_revoke", args=[job.id, link.id])).status_code == 302
    assert AuditEntry.objects.filter(action="clip.share_revoke").count() == 1
    assert played("/s/" + "x" * 43).status_code == 404  # an unknown token


def test_it_answers_410_for_an_expired_link(client, bob, job):
    path = share(login(client, bob), job)
    ShareLink.objects.filter(job=job).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = played(path)
    assert response.status_code == 410 and b"This link has expired" in response.content
    assert response["Content-Type"].startswith("text/html")


def test_it_refuses_links_while_the_tenant_is_suspended_and_resumes_them(client, bob, job, tenant_a):
    path = share(login(client, bob), job)
    tenant_suspend(tenant=tenant_a)
    assert played(path).status_code == 404
    assert played(path, HTTP_RANGE="bytes=0-9").status_code == 404
    tenant_resume(tenant=tenant_a)
    assert played(path).status_code == 200  # not expired: works again
    ShareLink.objects.filter(job=job).update(expires_at=timezone.now() - timedelta(seconds=1))
    tenant_suspend(tenant=tenant_a)
    tenant_resume(tenant=tenant_a)
    assert played(path).status_code == 410  # resuming does not bring back an expired link


def test_it_refuses_a_link_whose_clip_or_job_is_gone(client, bob, job, tenant_a):
    path = share(login(client, bob), job)
    default_storage.delete(f"results/{tenant_a.pk}/{job.id}/highlights/01.mp4")
    assert played(path).status_code == 404
    default_storage.save(f"results/{tenant_a.pk}/{job.id}/highlights/01.mp4", ContentFile(CLIP))
    assert played(path).status_code == 200
    Job.objects.filter(id=job.id).delete()
    assert played(path).status_code == 404 and not ShareLink.objects.exists()


def test_it_lists_links_on_the_job_page_and_in_the_admin_area(client, alice, bob, job):
    share(login(client, bob), job)
    page = client.get(reverse("dashboard:job", args=[job.id])).content.decode()
    link = ShareLink.objects.get(job=job)
    assert 'id="h-shares"' in page and reverse("dashboard:job_share_revoke", args=[job.id, link.id]) in page
    assert "share-link" not in page  # the link itself was shown once only
    assert client.get(reverse("dashboard:admin_shares")).status_code == 403  # a coach: the job page only
    client.logout()
    login(client, alice)
    admin_page = client.get(reverse("dashboard:admin_shares")).content.decode()
    assert job.video.original_name in admin_page and "bob" in admin_page
    assert reverse("dashboard:admin_share_revoke", args=[link.id]) in admin_page
    assert client.post(reverse("dashboard:admin_share_revoke", args=[link.id])).status_code == 302
    link.refresh_from_db()
    assert link.revoked_by == alice
    assert "Revoked" in client.get(reverse("dashboard:admin_shares")).content.decode()
    assert "Revoked" in client.get(reverse("dashboard:job", args=[job.id])).content.decode()


def test_it_hides_a_tenants_links_from_another_tenants_admin(client, bob, charlie, job):
    path = share(login(client, bob), job)
    link = ShareLink.objects.get(job=job)
    client.logout()
    login(client, charlie)
    listing = client.get(reverse("dashboard:admin_shares"))
    assert listing.status_code == 200 and job.video.original_name not in listing.content.decode()
    assert str(link.id) not in listing.content.decode()
    assert client.post(reverse("dashboard:admin_share_revoke", args=[link.id])).status_code == 404
    assert client.post(reverse("dashboard:job_share_revoke", args=[job.id, link.id])).status_code == 404
    assert client.post(reverse("dashboard:job_share", args=[job.id, "01.mp4"])).status_code == 404
    link.refresh_from_db()
    assert link.is_active and played(path).status_code == 200


def test_it_refuses_a_viewer_creating_or_revoking_links(client, bob, vera, job):
    share(login(client, bob), job)
    link = ShareLink.objects.get(job=job)
    client.logout()
    login(client, vera)
    assert client.post(reverse("dashboard:job_share", args=[job.id, "01.mp4"])).status_code == 403
    assert client.post(reverse("dashboard:job_share_revoke", args=[job.id, link.id])).status_code == 403
    assert client.post(reverse("dashboard:admin_share_revoke", args=[link.id])).status_code == 403
    assert client.get(reverse("dashboard:admin_shares")).status_code == 403
    page = client.get(reverse("dashboard:job", args=[job.id])).content.decode()
    assert 'id="h-shares"' in page and reverse("dashboard:job_share_revoke", args=[job.id, link.id]) not in page
    link.refresh_from_db()
    assert link.is_active and ShareLink.objects.count() == 1


def _api_clip(api, job) -> dict:
    artifacts = api.get(f"/api/v1/jobs/{job.id}/artifacts").json()
    return next(a for a in artifacts if a["name"] == "highlights/01.mp4")


def test_it_gives_api_download_links_that_carry_no_path_and_honour_suspension(job, tenant_a):
    api = key_client(tenant_a, "viewer")
    clip = _api_clip(api, job)
    path = urlparse(clip["url"]).path
    assert path.startswith("/api/v1/files/") and "results" not in path
    assert_no_path(path, job)
    anonymous = APIClient()
    download = anonymous.get(path)
    assert download.status_code == 200 and b"".join(download.streaming_content) == CLIP
    assert download["Content-Type"] == "video/mp4" and "highlights-01.mp4" in download["Content-Disposition"]
    result = next(a for a in api.get(f"/api/v1/jobs/{job.id}/artifacts").json() if a["name"] == "result.json")
    assert_no_path(urlparse(result["url"]).path, job)
    assert anonymous.get(result["url"]).status_code == 200

    tenant_suspend(tenant=tenant_a)
    refused = anonymous.get(path)
    assert refused.status_code == 404 and error_of(refused)["code"] == "not_found"
    tenant_resume(tenant=tenant_a)
    assert anonymous.get(path).status_code == 200
    Job.objects.filter(id=job.id).delete()
    assert anonymous.get(path).status_code == 404


def test_it_refuses_an_api_link_whose_signature_does_not_match(job, tenant_a):
    path = urlparse(_api_clip(key_client(tenant_a, "viewer"), job)["url"]).path
    payload, signature = path.rsplit("/", 1)[-1].split(":", 1)
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["a"] = "highlights/01.vtt"
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    response = APIClient().get(f"/api/v1/files/{body}:{signature}")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
