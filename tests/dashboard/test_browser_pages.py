"""Every key page on a phone and on a laptop: no script errors, nothing wider than the screen;
and the review page works as a coach's workspace at both sizes.

The lesson is real: a 40 s two-speaker recording with a face, analysed by a worker process,
so the review page shows what a coach sees. With SCREENSHOT_DIR set, each page is saved as
``<page>-<phone|laptop>.png`` (that is how the pictures in docs/screenshots/ are made).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cultivate.accounts.models import Membership
from jobs import dispatch, services
from jobs.media import uploads
from jobs.models import Job
from jobs.review import comments
from tests.conftest import run_worker_process, uploaded
from tests.dashboard.test_browser import _in_thread, browser, sign_in, snapshot  # noqa: F401  (browser is a fixture)
from tests.dashboard.test_report import pdf_text
from tests.dialogue import lesson_turns
from tests.dialogue import render as render_dialogue
from tests.factories import MembershipFactory
from tests.visual_media import make_face_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

SIZES = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}
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
        "lessons": "/",
        "upload": "/upload/",
        "review": f"/jobs/{job.id}/",
        "report": f"/jobs/{job.id}/report/",
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
        check_first_screen(page, f"{live_server.url}/jobs/{job.id}/")
        check_report_download(page)
        assert problems == [], problems
        page.close()

    # A long side panel (a busy lesson's comments): the player stays in view as the page scrolls.
    def comment_a_lot():
        for i in range(40):
            comments.comment_create(
                tenant=job.tenant, job=job, author=staff, at_s=float(i), body=f"Note {i}: " + "words " * 30
            )

    _in_thread(comment_a_lot)
    for size, viewport in SIZES.items():
        page = browser.new_page(viewport=viewport)
        problems = watch(page)
        sign_in(page, live_server, staff)
        page.goto(f"{live_server.url}/jobs/{job.id}/")
        page.get_by_role("tab", name="Comments").click()
        page.evaluate("window.scrollTo(0, 3000)")
        page.wait_for_function("window.scrollY > 0")
        assert page.evaluate("window.scrollY") >= 2000, "the page is too short to scroll 3,000 px"
        assert in_view(page, "#source-player"), f"the player scrolled away on a {size}"
        if size == "phone":  # at the top of the screen
            assert page.locator("#source-player").bounding_box()["y"] < 40
        check_keys_and_seeking(page)
        assert problems == [], problems
        page.close()


def in_view(page, selector: str) -> bool:
    """Whether the element is wholly inside the window now."""
    box = page.locator(selector).first.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["height"] > 0 and box["y"] >= -1 and box["y"] + box["height"] <= height + 1


FIRST_SCREEN_TEXT = """(words) => {
  // Visible text on the first screen (the window at the top of the page) holding a word.
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!words.some((w) => node.textContent.includes(w))) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.top < window.innerHeight && r.bottom > 0) found.push(node.textContent.trim());
  }
  return found;
}"""


def check_first_screen(page, url: str) -> None:
    """The player and the headline numbers are on the first screen; the engineering facts
    (attempts, workers) are not, though they are on the page, under Details, for an admin."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    cards = page.locator(".headline-card")
    assert cards.count() == 4
    for i in range(4):
        box = cards.nth(i).bounding_box()
        assert box["y"] + box["height"] <= page.viewport_size["height"], (
            f"headline card {i + 1} is below the first screen"
        )
    assert in_view(page, "#source-player"), "the player is not on the first screen"
    assert page.evaluate(FIRST_SCREEN_TEXT, ["Attempts", "Worker"]) == []
    # The check can see them: open Details and bring it up, and there they are.
    page.locator("#details summary").click()
    page.locator("#details table.attempts").scroll_into_view_if_needed()
    assert page.evaluate(FIRST_SCREEN_TEXT, ["Attempts", "Worker"]) != []


def check_report_download(page) -> None:
    """The report downloads as a one-page PDF whose text holds the numbers on the cards."""
    values = [v.strip() for v in page.locator(".headline-card .card-value").all_inner_texts()]
    assert len(values) == 4 and all(v != "–" for v in values), values
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    pages, text = pdf_text(Path(download.value.path()).read_bytes())
    assert pages == 1
    assert all(v in text for v in values), (values, text[:400])


def check_keys_and_seeking(page) -> None:
    """A click on a question seeks; J/K jump between questions; C starts a comment; Space plays."""
    player = "document.getElementById('source-player')"
    page.wait_for_function(f"{player}.readyState >= 1")
    page.get_by_role("tab", name="Questions").click()
    questions = page.locator("ol.questions > li[data-start]")
    assert questions.count() >= 3, "the lesson's questions were not found"
    starts = [float(questions.nth(i).get_attribute("data-start")) for i in range(questions.count())]
    questions.nth(1).locator("button.seek").click()
    page.evaluate(f"{player}.pause()")
    assert abs(page.evaluate(f"{player}.currentTime") - starts[1]) < 0.5

    page.evaluate(f"{player}.currentTime = 0")
    page.wait_for_function(f"{player}.currentTime === 0")
    page.keyboard.press("k")  # focus is on the question's time button: K still means "next question"
    page.wait_for_function(f"Math.abs({player}.currentTime - {starts[0]}) < 0.05")
    page.keyboard.press("k")
    page.wait_for_function(f"Math.abs({player}.currentTime - {starts[1]}) < 0.05")
    page.keyboard.press("k")
    page.wait_for_function(f"Math.abs({player}.currentTime - {starts[2]}) < 0.05")
    page.keyboard.press("j")
    page.wait_for_function(f"Math.abs({player}.currentTime - {starts[1]}) < 0.05")
    assert questions.nth(1).get_attribute("aria-current") == "true"

    page.locator("h1").click()  # Space on a button presses it; elsewhere it plays and pauses
    page.keyboard.press(" ")
    page.wait_for_function(f"!{player}.paused")
    page.keyboard.press(" ")
    page.wait_for_function(f"{player}.paused")

    page.evaluate(f"{player}.currentTime = 12.4")
    page.wait_for_function(f"Math.abs({player}.currentTime - 12.4) < 0.05")
    page.keyboard.press("c")
    assert page.get_by_role("tab", name="Comments").get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "comment-body"
    assert page.locator("#comment-at").input_value() == "0:12"


def watch(page) -> list[str]:
    """The page's script errors and console errors, as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def console(msg):
        if msg.type == "error" and not any(e in msg.text for e in EXPECTED_CONSOLE):
            problems.append(f"console: {msg.text}")

    page.on("console", console)
    return problems
