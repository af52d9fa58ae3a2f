"""The job page's speaker timeline marks overlapped speech (overlaps[] of the result)."""

from dashboard.review import review_context


def result(overlaps: list[dict] | None) -> dict:
    doc = {
        "media": {"duration_s": 100.0},
        "segments": [{"start": 0.0, "end": 10.0, "speaker": "S1", "text": "Hello", "words": []}],
        "speakers": [{"id": "S1", "role": "teacher", "talk_share": 0.7}, {"id": "S2", "role": "child"}],
    }
    if overlaps is not None:
        doc["overlaps"] = overlaps
    return doc


def test_overlaps_are_placed_on_the_timeline_with_the_roles_named():
    review = review_context(result([{"start": 20.0, "end": 25.0, "speakers": ["S1", "S2"]}]))
    assert review["overlaps"] == [
        {"left": 20.0, "width": 5.0, "title": "Two voices at once (teacher and child) 20-25 s"}
    ]


def test_a_result_made_before_overlaps_existed_shows_none():
    assert review_context(result(None))["overlaps"] == []
