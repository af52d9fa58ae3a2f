"""The lesson report: a one-page PDF and its print view, downloaded by members and sent to the
teacher through a share link that works signed out until revoked."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cultivate.accounts.models import AuditEntry
from jobs.models import Comment, ShareLink
from tests.analysis.test_corrections import result as machine_result
from tests.conftest import login
from tests.factories import JobFactory

HIGHLIGHTS = [
    {"start": 0, "end": 12, "title": "An open question about melting ice", "reason": [], "score": 3},
    {"start": 20, "end": 30, "title": "A child explains the wet ice", "reason": [], "score": 2},
]


def reviewed_job(tenant, **fields):
    job = JobFactory(video__tenant=tenant, status="succeeded", video__original_name="ice lesson.mp4", **fields)
    doc = {**machine_result(), "visual": {"samples": []}, "highlights": HIGHLIGHTS}
    job.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))
    return job


@pytest.fixture
def job(tenant_a, bob):
    job = reviewed_job(tenant_a)
    Comment.objects.create(tenant=tenant_a, job=job, author=bob, at_s=4, body="Lovely pause after the ice question.",
                           shared=True)  # fmt: skip
    Comment.objects.create(tenant=tenant_a, job=job, author=bob, at_s=9, body="Private note: ask about the timer.")
    return job


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_it_downloads_a_one_page_pdf_with_the_numbers_highlights_and_shared_comments(client, vera, job):
    login(client, vera)  # a viewer may read and download
    response = client.get(reverse("dashboard:job_report_pdf", args=[job.id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="ice lesson.report.pdf"' in response["Content-Disposition"]
    pages, text = pdf_text(response.content)
    assert pages == 1
    for number in ("50%", "1.3 s", "58%", "goal: 3 s or more", "Not yet at the goal"):  # open share, wait, talk
        assert number in text, number
    assert "An open question about melting ice" in text and "0:00–0:12" in text
    assert "Lovely pause after the ice question." in text
    assert "Private note" not in text
    assert "1 open and 1 closed questions." in text


def test_it_stays_on_one_page_with_long_lists_cut(client, bob, tenant_a):
    job = reviewed_job(tenant_a)
    doc = json.loads(job.result_file.open("rb").read())
    doc["highlights"] = [{"start": 10 * i, "end": 10 * i + 8, "title": f"Moment {i}", "reason": [], "score": 1}
                         for i in range(9)]  # fmt: skip
    job.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))
    for i in range(8):
        Comment.objects.create(tenant=tenant_a, job=job, author=bob, at_s=i, body="Well done. " * 25, shared=True)
    login(client, bob)
    pages, text = pdf_text(client.get(reverse("dashboard:job_report_pdf", args=[job.id])).content)
    assert pages == 1
    assert "Moment 4" in text and "Moment 5" not in text and "and 4 more" in text
    assert "and 3 more" in text


def test_the_print_view_links_the_pdf_and_describes_its_charts(client, bob, job):
    login(client, bob)
    response = client.get(reverse("dashboard:job_report", args=[job.id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{reverse("dashboard:job_report_pdf", args=[job.id])}"' in page and "Download PDF" in page
    assert page.count('role="img"') == 3 and "<title id=" in page
    assert "1 of 2 measured waits" not in page and "0 of 2 measured waits reached 3 s" in page
    assert "report.css" in page and "Private note" not in page


def test_another_tenant_and_an_unfinished_or_converted_lesson_get_404(client, bob, charlie, job, tenant_a):
    login(client, charlie)
    for name in ("dashboard:job_report", "dashboard:job_report_pdf"):
        assert client.get(reverse(name, args=[job.id])).status_code == 404
    assert client.post(reverse("dashboard:job_report_share", args=[job.id])).status_code == 404
    client.logout()
    login(client, bob)
    running = JobFactory(video__tenant=tenant_a, status="running")
    converted = reviewed_job(tenant_a, kind="convert")
    for other in (running, converted):
        assert client.get(reverse("dashboard:job_report", args=[other.id])).status_code == 404
        assert client.get(reverse("dashboard:job_report_pdf", args=[other.id])).status_code == 404
        assert client.post(reverse("dashboard:job_report_share", args=[other.id])).status_code == 404
    assert not ShareLink.objects.exists()


def test_a_viewer_cannot_share_the_report(client, vera, job):
    login(client, vera)
    assert client.post(reverse("dashboard:job_report_share", args=[job.id])).status_code == 403
    assert not ShareLink.objects.exists()


def test_a_shared_report_opens_signed_out_until_revoked(client, bob, job):
    login(client, bob)
    response = client.post(reverse("dashboard:job_report_share", args=[job.id]))
    assert response.status_code == 302 and response.url.endswith("#report")
    shown = client.session["shared_clip"]  # the lesson page shows it once, like a clip's link
    assert shown["clip"] == "report.pdf" and shown["job"] == str(job.id)
    path = urlparse(shown["url"]).path
    assert re.fullmatch(r"/s/[A-Za-z0-9_-]{43}", path)
    link = ShareLink.objects.get(job=job)
    assert link.clip == "report.pdf"
    assert AuditEntry.objects.get(action="report.share").actor == bob

    stranger = Client()
    opened = stranger.get(path)
    assert opened.status_code == 200 and opened["Content-Type"] == "application/pdf"
    assert opened["Content-Disposition"].startswith("inline;") and opened["Cache-Control"] == "private, no-store"
    pages, text = pdf_text(opened.content)
    assert pages == 1 and "Lovely pause after the ice question." in text and "Private note" not in text

    Comment.objects.filter(job=job, shared=True).update(shared=False)  # made when opened: unshared is gone
    assert "Lovely pause" not in pdf_text(stranger.get(path).content)[1]
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert stranger.get(path).status_code == 410
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(days=1))

    listed = client.get(reverse("dashboard:job", args=[job.id])).context["share_links"]
    assert [s.clip for s in listed] == ["report.pdf"]  # listed with the job's other share links
    revoked = client.post(reverse("dashboard:job_share_revoke", args=[job.id, link.id]))
    assert revoked.status_code == 302
    assert stranger.get(path).status_code == 404
    assert AuditEntry.objects.get(action="report.share_revoke").actor == bob
