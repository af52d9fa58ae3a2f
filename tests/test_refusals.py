"""The one refusal type: its status by code, its body, and the pipeline's errors turned into it."""

from __future__ import annotations

import pytest

from analysis.errors import AnalysisError
from cultivate.refusals import Refusal, refusing_analysis


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (Refusal("budget_exceeded", "Spent."), 402),
        (Refusal("bad_type", "Not a video."), 415),
        (Refusal("bad_option", "No."), 400),
        (Refusal("ffprobe_missing", "Try later.", permanent=False), 503),
        (Refusal("upload_incomplete", "Send the rest.", permanent=False), 409),
        (Refusal("not_found", "Gone.", 410), 410),
    ],
)
def test_a_refusal_takes_its_status_from_its_code_unless_given(refusal, status):
    assert refusal.status == status


def test_a_refusal_renders_the_one_error_body():
    refusal = Refusal("bad_option", "Priority must be one of: high, default, low.", details={"field": "priority"})
    assert refusal.body() == {
        "error": {"code": "bad_option", "message": str(refusal), "details": {"field": "priority"}}
    }


def test_the_pipelines_error_comes_out_as_a_refusal_with_its_code_and_permanence():
    with pytest.raises(Refusal) as refused, refusing_analysis():
        raise AnalysisError("no_audio", "This file has no audio track.")
    assert (refused.value.code, refused.value.status, refused.value.message) == (
        "no_audio",
        400,
        "This file has no audio track.",
    )
    with pytest.raises(Refusal) as passing, refusing_analysis():
        raise AnalysisError("ffprobe_failed", "The probe did not run.", permanent=False)
    assert not passing.value.permanent and passing.value.status == 503
