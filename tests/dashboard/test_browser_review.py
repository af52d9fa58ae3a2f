"""The review page in a real browser: jump to a question, correct its label, see the share move."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile

from tests.analysis.test_corrections import result as machine_result
from tests.dashboard.test_browser import (  # noqa: F401
    ARGS,
    CHROMIUM,
    browser,  # noqa: F401  (the fixture)
    expect,
    sign_in,
    snapshot,
)
from tests.factories import JobFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def reviewed_job(tenant_a, media_dir):
    job = JobFactory(video__tenant=tenant_a, status="succeeded", video__original_name="lesson.mp4")
    job.video.file.save("lesson.mp4", ContentFile((media_dir / "lesson.mp4").read_bytes()))
    doc = {**machine_result(), "visual": {"samples": []}, "highlights": []}
    doc["media"]["duration_s"] = 10.8
    doc["questions"][1]["start"], doc["questions"][1]["end"] = 6.0, 7.0
    times = [(0, 3), (3.5, 5.8), (6, 7), (7.5, 8), (8.5, 9.5), (9.6, 10.5)]  # inside the 10.8 s clip
    for seg, (start, end) in zip(doc["segments"], times, strict=True):
        tokens = seg["text"].split()
        step = (end - start) / len(tokens)
        seg["start"], seg["end"] = start, end
        seg["words"] = [
            {
                "start": round(start + i * step, 2),
                "end": round(start + (i + 1) * step, 2),
                "text": tok,
                "probability": 0.9,
            }
            for i, tok in enumerate(tokens)
        ]
    job.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))
    return job


def test_a_coach_jumps_to_a_question_and_corrects_its_label(bob, reviewed_job, live_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, bob)
    page.goto(f"{live_server.url}/jobs/{reviewed_job.id}/")
    share = page.locator("[data-card=oeq_share] .card-value")
    expect(share).to_contain_text("50%")

    page.get_by_role("tab", name="Questions").click()
    page.locator("ol.questions li", has_text="Is it cold?").locator("button.seek").click()
    t = page.evaluate("document.getElementById('source-player').currentTime")
    assert abs(t - 6.0) < 0.5, t

    # The transcript follows: the line being spoken at 6 s is marked; a word click seeks.
    page.evaluate("document.getElementById('source-player').pause()")
    page.evaluate("document.getElementById('source-player').currentTime = 5.5")
    page.get_by_role("tab", name="Transcript").click()
    expect(page.locator("ol.transcript li.now")).to_contain_text("It will melt.")
    page.locator("ol.transcript .w", has_text="cold?").click()
    t = page.evaluate("document.getElementById('source-player').currentTime")
    assert abs(t - 6.67) < 0.3, t

    page.get_by_role("tab", name="Questions").click()
    row = page.locator("ol.questions li", has_text="Is it cold?")
    row.get_by_label("Label of the question at").select_option("OEQ")
    row.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    expect(page.locator("[data-card=oeq_share] .card-value")).to_contain_text("100%")
    page.get_by_role("tab", name="Questions").click()
    expect(page.locator("ol.questions li", has_text="Is it cold?")).to_contain_text("the machine said CEQ")
    snapshot(page, "review-corrected")
    assert errors == []


def test_a_coach_gives_a_stretch_to_a_new_speaker_and_merges_it_back(bob, reviewed_job, live_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, bob)
    page.goto(f"{live_server.url}/jobs/{reviewed_job.id}/")
    page.get_by_role("tab", name="Speakers").click()
    page.get_by_text("Correct the speakers").click()

    # "Is it cold?" (6-7 s) was the teacher's, the machine says; the coach hears someone else.
    page.evaluate("const p = document.getElementById('source-player'); p.pause(); p.currentTime = 6.0")
    page.locator("[data-fill-time='split-start']").click()
    expect(page.locator("#split-start")).to_have_value("0:06.0")
    page.locator("#split-end").fill("7")
    page.get_by_label("Give this stretch to").select_option("new")
    page.get_by_role("button", name="Give this stretch").click()
    page.wait_for_load_state()
    expect(page.locator("#h-speakers + .split table")).to_contain_text("Other (S2) (added by a coach)")
    expect(page.locator("ol.questions")).not_to_contain_text("Is it cold?")  # not the teacher's question now
    expect(page.locator("[data-card=oeq_share] .card-value")).to_contain_text("100%")

    # The page came back at #h-speakers, and that link opened the Speakers tab.
    expect(page.get_by_role("tab", name="Speakers")).to_have_attribute("aria-selected", "true")
    page.get_by_text("Correct the speakers").click()
    page.get_by_label("Merge").select_option("S2")
    page.get_by_label("into").select_option("S0")
    page.get_by_role("button", name="Merge speakers").click()
    page.wait_for_load_state()
    expect(page.locator("#h-speakers + .split table")).to_contain_text("Teacher (S0) (merged: S2)")
    expect(page.locator("ol.questions")).to_contain_text("Is it cold?")  # in the Questions tab, not shown
    expect(page.locator("[data-card=oeq_share] .card-value")).to_contain_text("50%")
    page.get_by_text("Correct the speakers").click()
    snapshot(page, "review-speakers-merged")
    assert errors == []
