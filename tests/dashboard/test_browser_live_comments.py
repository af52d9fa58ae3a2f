"""Live comments in two real browsers: one coach comments, the other sees it without a reload
and shares it in the lesson report, and the first sees the mark. The test server speaks plain
HTTP, so both pages fall back to polling the comment list."""

from __future__ import annotations

import pytest

from jobs.review import comments
from tests.dashboard.test_browser import browser, expect, sign_in, snapshot  # noqa: F401  (browser is a fixture)
from tests.dashboard.test_browser_review import reviewed_job  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]

LIVE_MS = 10_000  # the pages poll every 3 s


def lesson_page(browser, live_server, user, job):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/jobs/{job.id}/")
    page.wait_for_function("document.getElementById('source-player').readyState >= 1")
    page.get_by_role("tab", name="Comments").click()
    return page, errors


def test_a_comment_appears_on_another_coachs_page_and_its_shared_mark_comes_back(
    alice,
    bob,
    reviewed_job,  # noqa: F811
    live_server,
    browser,  # noqa: F811
):
    bobs, bob_errors = lesson_page(browser, live_server, bob, reviewed_job)
    alices, alice_errors = lesson_page(browser, live_server, alice, reviewed_job)
    expect(alices.locator("#comment-empty")).to_be_visible()

    bobs.evaluate("document.getElementById('source-player').currentTime = 4.5")
    expect(bobs.get_by_label("Comment time (m:ss)")).to_have_value("0:04")
    bobs.get_by_label("Comment", exact=True).fill("Good <b>pause</b>\nbefore the next question.")
    bobs.get_by_role("button", name="Comment at current time").click()
    expect(bobs.locator("#comment-list li", has_text="Good <b>pause</b>")).to_be_visible()

    # Alice's page was not reloaded: the list is made, the text is text, the time seeks.
    alices.evaluate("window.notReloaded = true")
    entry = alices.locator("#comment-list li", has_text="before the next question.")
    expect(entry).to_be_visible(timeout=LIVE_MS)
    assert alices.evaluate("window.notReloaded") is True
    expect(entry).to_contain_text("Good <b>pause</b>")
    expect(entry.locator(".who-said")).to_have_text("bob")
    expect(entry.locator("button.seek")).to_have_text("at 0:04")
    expect(alices.locator("#comment-empty")).to_be_hidden()
    expect(entry.get_by_role("button", name="Delete the comment at 0:04")).to_be_visible()  # she is an admin
    alices.evaluate("document.getElementById('source-player').pause()")
    entry.locator("button.seek").click()
    t = alices.evaluate("document.getElementById('source-player').currentTime")
    assert abs(t - 4.5) < 0.3, t

    entry.get_by_role("button", name="Share in report").click()
    expect(entry.get_by_role("button", name="Shared in report ✓")).to_be_visible()
    assert alices.evaluate("window.notReloaded") is True  # shared in place
    expect(bobs.locator("#comment-list li", has_text="Good <b>pause</b>")).to_contain_text(
        "Shared in report ✓", timeout=LIVE_MS
    )
    snapshot(alices, "live-comments")

    # Bob deletes it; it leaves Alice's page and the empty note comes back.
    bobs.locator("#comment-list li", has_text="Good <b>pause</b>").get_by_role("button", name="Delete").click()
    expect(alices.locator("#comment-list li")).to_have_count(0, timeout=LIVE_MS)
    expect(alices.locator("#comment-empty")).to_be_visible()
    assert alice_errors == [] and bob_errors == []


@pytest.fixture
def commented_job(reviewed_job, alice):  # noqa: F811
    comments.comment_create(tenant=reviewed_job.tenant, job=reviewed_job, author=alice, at_s=2.0, body="Opening")
    return reviewed_job


def test_a_new_comment_gets_a_mark_on_the_timeline_that_seeks(alice, bob, commented_job, live_server, browser):  # noqa: F811
    alices, errors = lesson_page(browser, live_server, alice, commented_job)
    expect(alices.locator("#comment-marks .cm-mark")).to_have_count(1)
    bobs, _ = lesson_page(browser, live_server, bob, commented_job)
    bobs.evaluate("document.getElementById('comment-at').dispatchEvent(new Event('input'))")
    bobs.get_by_label("Comment time (m:ss)").fill("0:08")
    bobs.get_by_label("Comment", exact=True).fill("Waited well here.")
    bobs.get_by_role("button", name="Comment at current time").click()

    expect(alices.locator("#comment-marks .cm-mark")).to_have_count(2, timeout=LIVE_MS)
    expect(alices.locator("#comment-list li").nth(1)).to_contain_text("Waited well here.")  # in time order
    alices.evaluate("document.getElementById('source-player').pause()")
    alices.locator("#comment-marks .cm-mark").nth(1).click()
    t = alices.evaluate("document.getElementById('source-player').currentTime")
    assert abs(t - 8.0) < 0.3, t
    assert errors == []
