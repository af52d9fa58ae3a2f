"""Every key page on a phone and on a laptop: no script errors, nothing wider than the screen.

The lesson is real: a 40 s two-speaker recording with a face, analysed by a worker process,
so the review page shows what a coach sees. With SCREENSHOT_DIR set, each page is saved as
``<page>-<phone|laptop>.png`` (that is how the pictures in docs/screenshots/ are made).
"""

from __future__ import annotations

import pytest

from cultivate.accounts.models import Membership
from jobs import dispatch, services
from jobs.media import uploads
from jobs.models import Job
from jobs.review import comments
from tests.conftest import run_worker_process, uploaded
from tests.dashboard.test_browser import browser, sign_in, snapshot  # noqa: F401  (browser is a fixture)
from tests.dialogue import lesson_turns
from tests.dialogue import render as render_dialogue
from tests.factories import MembershipFactory
from tests.visual_media import make_face_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

SIZES = {"phone": {"width": 375, "height": 812}, "laptop": {"width": 1280, "height": 860}}
# What a live test server cannot do (it has no WebSocket endpoint; the pages fall back to
# polling) is not an error of the page.
EXPECTED_CONSOLE = ("WebSocket",)


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    d = tmp_path_factory.mktemp("pages-lesson")
    render_dialogue(lesson_turns(), d / "lesson.wav")
    make_face_video(d / "lesson.mp4", d / "lesson.wav", duration=40)
    return d / "lesson.mp4"


@pytest.fixture
def analysed(tenant_a, alice, bob, lesson, redis_queues):
    """A finished lesson of Ms Rivera's, with a comment, as the rows the pages read."""
    staff = MembershipFactory(user__username="olga", user__is_staff=True, tenant=tenant_a, role=Membership.Role.ADMIN)
    video = uploads.video_create(tenant=tenant_a, uploader=bob, upload=uploaded(lesson))
    job = services.job_create(tenant=tenant_a, video=video, created_by=bob, teacher="Ms Rivera")
    dispatch.job_enqueue(job_id=job.id)
    worker = run_worker_process()
    assert worker.returncode == 0, worker.stderr[-2000:]
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    comments.comment_create(
        tenant=tenant_a, job=job, author=bob, at_s=6.0, body="Lovely open question here; count to five next time."
    )
    return job, staff.user


def test_key_pages_fit_a_phone_and_a_laptop_without_errors(analysed, alice, live_server, browser):  # noqa: F811
    job, staff = analysed
    pages = {
        "jobs": "/",
        "upload": "/upload/",
        "review": f"/jobs/{job.id}/",
        "progress": "/progress/",
        "questions": "/questions/",
        "admin-budget": "/admin-area/",
        "admin-keys": "/admin-area/keys/",
        "admin-members": "/admin-area/members/",
        "admin-audit": "/admin-area/audit/",
        "operations": "/ops/",
        "ops-tenants": "/ops/tenants/",
        "api-docs": "/api/docs/",
    }
    for size, viewport in SIZES.items():
        page = browser.new_page(viewport=viewport)
        problems = watch(page)
        sign_in(page, live_server, staff)
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (name, response.status)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1] + 1, f"{name} is {width[0]} px wide on a {width[1]} px {size}"
            assert page.title(), name
            snapshot(page, f"{name}-{size}")
        assert problems == [], problems
        page.close()


def watch(page) -> list[str]:
    """The page's script errors and console errors, as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def console(msg):
        if msg.type == "error" and not any(e in msg.text for e in EXPECTED_CONSOLE):
            problems.append(f"console: {msg.text}")

    page.on("console", console)
    return problems
