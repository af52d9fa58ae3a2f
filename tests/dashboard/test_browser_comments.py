"""Comments in a real browser: pause the recording, comment there, see it listed and marked."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile

from tests.dashboard.test_browser import browser, expect, sign_in, snapshot  # noqa: F401  (browser is a fixture)
from tests.factories import JobFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def lesson_job(tenant_a, media_dir):
    job = JobFactory(video__tenant=tenant_a, status="succeeded")
    job.video.file.save("lesson.mp4", ContentFile((media_dir / "lesson.mp4").read_bytes()))
    doc = {"schema": "cultivate.result/1", "media": {"duration_s": 10.8}, "segments": [], "speakers": []}
    job.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))
    return job


def test_a_coach_comments_at_the_players_time(bob, lesson_job, live_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, bob)
    page.goto(f"{live_server.url}/jobs/{lesson_job.id}/")
    page.get_by_role("tab", name="Comments").click()
    expect(page.locator("#comment-empty")).to_be_visible()

    page.wait_for_function("document.getElementById('source-player').readyState >= 1")
    page.evaluate("document.getElementById('source-player').currentTime = 4.5")
    expect(page.get_by_label("Comment time (m:ss)")).to_have_value("0:04")
    page.get_by_label("Comment", exact=True).fill("Good pause before the next question.")
    page.get_by_role("button", name="Comment at current time").click()

    entry = page.locator("ol.comments li", has_text="Good pause")
    expect(entry).to_contain_text("at 0:04")
    expect(page.locator("#comment-marks .cm-mark")).to_have_count(1)
    page.evaluate("document.getElementById('source-player').currentTime = 0")
    page.locator("#comment-marks .cm-mark").click()  # the marker seeks the player, like a highlight
    t = page.evaluate("document.getElementById('source-player').currentTime")
    assert abs(t - 4.5) < 0.3, t
    snapshot(page, "comments")
    assert errors == []


@pytest.fixture
def two_lessons(tenant_a):
    for oeq in (0.2, 0.5):
        job = JobFactory(video__tenant=tenant_a, status="succeeded", teacher="Ms Rivera")
        doc = {"metrics": {"oeq_share": oeq, "mean_wait_time_s": 1.5, "teacher_talk_share": 0.7}}
        job.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))


def test_the_progress_chart_draws(two_lessons, bob, live_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, bob)
    page.get_by_role("link", name="Teacher progress").click()
    expect(page.get_by_role("heading", name="Ms Rivera")).to_be_visible()
    page.wait_for_function("window.Chart && Chart.getChart('chart-progress') !== undefined")
    expect(page.locator("#progress-table tbody tr")).to_have_count(2)
    snapshot(page, "teacher-progress")
    assert errors == []
