"""The dashboard in a real browser: Debian's chromium driven by Playwright."""

import os
import re
import shutil

import pytest

from tests.conftest import run_worker_process
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture
def browser():
    """Requested last: Playwright's sync API runs an event loop on this thread, and the ORM
    must not be used here while it runs (rows are made by the fixtures before it starts;
    the live server and the worker process have their own threads and processes)."""
    assert CHROMIUM, "chromium is missing: make test installs it"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def snapshot(page, name: str) -> None:
    """With SCREENSHOT_DIR set, keep a picture of the page (for the docs and for review)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_a_coach_uploads_and_watches_the_job_finish(bob, redis_queues, live_server, media_dir, browser):
    page = browser.new_page(viewport={"width": 375, "height": 800})  # a phone
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, bob)
    assert page.get_by_text("No recordings yet").is_visible()

    page.get_by_role("link", name="Upload your first recording").click()
    page.wait_for_url("**/upload/")
    # Checked in the browser before any byte leaves: a PDF is refused at once.
    page.get_by_label("Recording").set_input_files(
        files=[{"name": "report.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
    )
    expect(page.locator("#upload-error")).to_contain_text("not accepted")

    page.get_by_label("Recording").set_input_files(str(media_dir / "lesson.mp4"))
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_url("**/jobs/*/")
    expect(page.locator("#job-status")).to_have_text("Queued")

    proc = run_worker_process()
    assert proc.returncode == 0, proc.stderr[-2000:]

    # This test server speaks plain HTTP only, so the page falls back to polling and then
    # reloads itself with the transcript.
    expect(page.locator("ol.transcript")).to_contain_text("plants", ignore_case=True, timeout=20_000)
    expect(page.locator("#job-status")).to_have_text("Succeeded")
    expect(page.get_by_role("link", name="Download the report (PDF)")).to_be_visible()
    expect(page.get_by_text("Attempts")).to_have_count(0)  # engineering facts are for admins
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    assert not errors


def test_a_bad_file_gets_its_message_on_the_page(bob, live_server, media_dir, browser):
    page = browser.new_page()
    sign_in(page, live_server, bob)
    page.goto(f"{live_server.url}/upload/")
    page.wait_for_load_state()
    page.get_by_label("Recording").set_input_files(str(media_dir / "silent-video.mp4"))
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page.locator("#upload-error")).to_contain_text("no audio track")


def test_the_upload_page_estimates_the_cost_before_any_byte_is_sent(bob, live_server, media_dir, browser):
    page = browser.new_page()
    sign_in(page, live_server, bob)
    page.goto(f"{live_server.url}/upload/")
    expect(page.locator("#upload-cost")).to_contain_text("per minute of recording")
    page.get_by_label("Recording").set_input_files(str(media_dir / "lesson.mp4"))
    # The browser reads the recording's length from the file itself; nothing is uploaded yet.
    expect(page.locator("#upload-estimate")).to_contain_text("This recording (", timeout=10_000)
    expect(page.locator("#upload-estimate")).to_contain_text("USD")


def test_an_admin_sets_the_budget_adds_a_webhook_and_reads_the_audit_log(alice, live_server, browser, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    page = browser.new_page(viewport={"width": 375, "height": 800})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, alice)
    page.get_by_role("link", name="Admin").click()
    page.get_by_label("Monthly budget (USD)").fill("50")
    page.get_by_role("button", name="Save budget").click()
    expect(page.get_by_text("Budget saved.")).to_be_visible()
    expect(page.locator("#budget-used")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    snapshot(page, "admin-budget-phone")

    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_text("No endpoints yet")).to_be_visible()
    page.get_by_label("URL").fill("http://127.0.0.1:9/cultivate")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("[data-secret]")).to_have_value(re.compile(r"^whsec_"))
    expect(page.get_by_text("Nothing sent yet")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    snapshot(page, "admin-webhook-phone")

    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("table")).to_contain_text("budget.update")
    expect(page.locator("table")).to_contain_text("webhook.create")
    snapshot(page, "admin-audit-phone")
    assert not errors


def _in_thread(fn):
    """Run an ORM query off Playwright's thread (its event loop forbids the ORM there)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call():
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def test_a_dropped_upload_resumes_from_the_servers_offset_after_a_reload(
    bob, redis_queues, live_server, media_dir, settings, browser
):
    from jobs.models import Job, UploadSession

    chunk = 2 * 1024 * 1024
    settings.UPLOAD_CHUNK_BYTES = chunk
    clip = media_dir / "lesson.mp4"
    assert clip.stat().st_size > 2 * chunk  # several chunks
    page = browser.new_page(viewport={"width": 375, "height": 800})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, bob)
    page.goto(f"{live_server.url}/upload/")

    # The connection drops after the first chunk: every later chunk fails to get through.
    sent = []

    def drop_after_first(route):
        sent.append(int(route.request.headers["upload-offset"]))
        if len(sent) == 1:
            route.continue_()
        else:
            route.abort()

    page.route(
        "**/upload/sessions/*",
        lambda route: drop_after_first(route) if route.request.method == "PUT" else route.continue_(),
    )
    page.get_by_label("Recording").set_input_files(str(clip))
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page.locator("#upload-queue")).to_contain_text("Connection lost", timeout=10_000)
    assert sent[:2] == [0, chunk]
    page.unroute("**/upload/sessions/*")

    # A reload, the same file chosen again: it goes on from the server's offset, not from 0.
    offsets = []
    page.on("request", lambda r: offsets.append(int(r.headers["upload-offset"])) if r.method == "PUT" else None)
    page.reload()
    page.get_by_label("Recording").set_input_files(str(clip))
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_url("**/jobs/*/", timeout=30_000)
    assert offsets and offsets[0] == chunk and 0 not in offsets
    assert offsets == sorted(offsets)
    assert not errors

    job_ids = _in_thread(lambda: list(Job.objects.values_list("id", flat=True)))
    assert len(job_ids) == 1 and page.url.endswith(f"/jobs/{job_ids[0]}/")
    assert _in_thread(lambda: UploadSession.objects.get().status) == UploadSession.Status.COMPLETE


def test_several_files_are_queued_each_with_its_own_progress(
    bob, redis_queues, live_server, media_dir, settings, browser
):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    sign_in(page, live_server, bob)
    page.goto(f"{live_server.url}/upload/")
    page.get_by_label("Recording").set_input_files([str(media_dir / "lesson.flac"), str(media_dir / "lesson.wav")])
    expect(page.locator("#upload-estimate")).to_contain_text("These 2 recordings (", timeout=10_000)
    page.get_by_role("button", name="Upload and analyse").click()
    rows = page.locator("#upload-queue li")
    expect(rows).to_have_count(2)
    expect(rows.get_by_role("link", name="Open the job")).to_have_count(2, timeout=30_000)
    expect(page.get_by_role("progressbar", name="Upload of lesson.wav")).to_have_attribute("value", "100")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    snapshot(page, "upload-queue-phone")
