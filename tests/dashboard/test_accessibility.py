"""axe-core on every key page: no serious or critical WCAG 2.1 A/AA violation.

One test per group of pages, each reusing one browser page; the failure message names the
page, the rule and the first offending elements.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cultivate.accounts import invitations
from cultivate.accounts import services as accounts_services
from cultivate.accounts.audit import Actor
from cultivate.accounts.models import Membership
from jobs import layout
from jobs.models import Job, WebhookDelivery
from jobs.review import comments, shares
from jobs.webhooks import deliveries
from tests.analysis.test_corrections import result as machine_result
from tests.dashboard.axe import axe_violations, check_pages, new_page, report
from tests.dashboard.test_browser import browser, sign_in  # noqa: F401  (browser is a fixture)
from tests.factories import PASSWORD, JobFactory, MembershipFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def finished(tenant_a, bob, media_dir):
    """A finished lesson with questions, a highlight clip and a comment, as a coach sees it."""
    job = JobFactory(video__tenant=tenant_a, status=Job.Status.SUCCEEDED, teacher="Ms Rivera")
    recording = (media_dir / "lesson.mp4").read_bytes()
    job.video.file.save("lesson.mp4", ContentFile(recording))
    doc = {**machine_result(), "visual": {"samples": []}}
    doc["media"]["duration_s"] = 10.8
    doc["highlights"] = [
        {"start": 0.0, "end": 5.8, "title": "An open question", "reason": ["open question"], "score": 0.8,
         "clip": "01.mp4"},
        {"start": 6.0, "end": 9.5, "title": "Wait time", "reason": ["long wait"], "score": 0.6, "clip": None},
    ]  # fmt: skip
    job.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))
    default_storage.save(layout.clip_path(job, "01.mp4"), ContentFile(recording))
    comments.comment_create(tenant=tenant_a, job=job, author=bob, at_s=4.0, body="Count to five after this one.")
    return job


@pytest.fixture
def lessons(tenant_a, finished):
    """The lessons list in every state a coach meets."""
    JobFactory(video__tenant=tenant_a, status=Job.Status.QUEUED, video__original_name="queued.mp4")
    JobFactory(video__tenant=tenant_a, status=Job.Status.RUNNING, progress=40, video__original_name="running.mp4")
    JobFactory(
        video__tenant=tenant_a,
        status=Job.Status.FAILED,
        error_code="no_audio",
        error_message="The recording has no audio track.",
        video__original_name="silent.mp4",
    )
    JobFactory(video__tenant=tenant_a, status=Job.Status.CANCELLED, video__original_name="cancelled.mp4")
    return finished


@pytest.fixture
def admin_rows(tenant_a, alice, finished):
    """Something on every admin page: an endpoint with deliveries, a key, an invitation, a share link."""
    endpoint = deliveries.webhook_create(
        tenant=tenant_a, url="https://hooks.example.org/cultivate", events=["job.succeeded"]
    )
    for status, code in (("succeeded", 200), ("failed", 500), ("pending", None)):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="job.succeeded",
            event_id=finished.id,
            payload={},
            status=status,
            attempts=1,
            response_status=code,
            error="" if code == 200 else "Server error",
        )
    accounts_services.apikey_create(tenant=tenant_a, name="Reporting", role="viewer", created_by=alice)
    invitations.invitation_create(tenant=tenant_a, email="new.coach@example.org", role="coach", invited_by=alice)
    shares.share_link_create(tenant=tenant_a, job=finished, clip="01.mp4", user=alice)
    accounts_services.tenant_budget_set(tenant=tenant_a, value=Decimal(50), actor=Actor(alice))
    return endpoint


def test_the_lessons_list_and_a_lessons_review_page_pass_axe(lessons, alice, live_server, browser):  # noqa: F811
    found = {}
    for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        page = new_page(browser, viewport)
        sign_in(page, live_server, alice)
        paths = {f"lessons, {size}": "/", f"review, {size}": f"/jobs/{lessons.id}/"}
        found.update(check_pages(page, live_server.url, paths))
        # The review page's other tabs and its Details, each as a coach opens it.
        for tab in ("Questions", "Comments", "Speakers"):
            page.get_by_role("tab", name=tab).click()
            if broken := axe_violations(page):
                found[f"review, {tab} tab, {size}"] = broken
        page.locator("#details summary").click()
        if broken := axe_violations(page):
            found[f"review, Details open, {size}"] = broken
        page.close()
    assert not found, report(found)


def test_the_working_and_admin_pages_pass_axe(admin_rows, alice, redis_queues, live_server, browser):  # noqa: F811
    page = new_page(browser, LAPTOP)
    sign_in(page, live_server, alice)
    found = check_pages(
        page,
        live_server.url,
        {
            "upload": "/upload/",
            "teacher progress": "/progress/",
            "budget": "/admin-area/",
            "members": "/admin-area/members/",
            "API keys": "/admin-area/keys/",
            "webhooks": "/admin-area/webhooks/",
            "webhook": f"/admin-area/webhooks/{admin_rows.id}/",
            "share links": "/admin-area/shares/",
            "audit log": "/admin-area/audit/",
        },
    )
    page.goto(f"{live_server.url}/questions/")
    page.get_by_label("Utterances").fill("Teacher: What do you notice?\nTeacher: Is it cold?\nChild: It is.")
    page.get_by_role("button", name="Label them").click(no_wait_after=True)
    page.wait_for_selector("#h-results", timeout=180_000)  # the first call loads the classifier
    if broken := axe_violations(page):
        found["questions, labelled"] = broken
    assert not found, report(found)


@pytest.fixture
def operator(tenant_a, redis_queues):
    """A staff member, a failed and a running job for the operations page to list, and an
    invitation whose link a new coach opens signed out."""
    JobFactory(video__tenant=tenant_a, status=Job.Status.FAILED, error_code="not_media", error_message="Not a video.")
    JobFactory(video__tenant=tenant_a, status=Job.Status.RUNNING, stage="speech", progress=30)
    _, token = invitations.invitation_create(tenant=tenant_a, email="new.coach@example.org", role="coach")
    staff = MembershipFactory(user__username="olga", user__is_staff=True, tenant=tenant_a, role=Membership.Role.ADMIN)
    return staff.user, token


def test_the_sign_in_and_operations_pages_pass_axe(operator, live_server, browser):  # noqa: F811
    staff, token = operator
    page = new_page(browser, LAPTOP)
    found = check_pages(
        page, live_server.url, {"invitation": f"/accounts/invite/{token}/", "sign in": "/accounts/login/"}
    )
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if broken := axe_violations(page):
        found["sign in, refused"] = broken
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    found.update(check_pages(page, live_server.url, {"operations": "/ops/", "tenants": "/ops/tenants/"}))
    assert not found, report(found)
