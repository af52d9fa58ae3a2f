"""A coach's corrections over a machine result: labels, missed questions, speakers; metrics follow."""

from __future__ import annotations

import pytest

from analysis import corrections


def result() -> dict:
    seg = lambda s, e, who, text: {"start": s, "end": e, "speaker": who, "text": text, "words": []}  # noqa: E731
    return {
        "schema": "cultivate.result/1",
        "media": {"duration_s": 60.0},
        "segments": [
            seg(0, 3, "S0", "What do you think will happen?"),
            seg(5, 8, "S1", "It will melt."),
            seg(10, 12, "S0", "Is it cold?"),
            seg(12.5, 13, "S1", "Yes."),
            seg(20, 22, "S0", "Tell me how you know."),
            seg(26, 30, "S1", "Because the ice is wet."),
        ],
        "speakers": [
            {"id": "S0", "role": "teacher", "talk_s": 7.0, "talk_share": 0.58, "turns": 3, "words": 14},
            {"id": "S1", "role": "child", "talk_s": 5.0, "talk_share": 0.42, "turns": 3, "words": 9},
        ],
        "questions": [
            {
                "start": 0,
                "end": 3,
                "speaker": "S0",
                "text": "What do you think will happen?",
                "label": "OEQ",
                "confidence": 0.9,
                "cue": "x",
                "wait_time_s": 2.0,
                "answered_by": "S1",
            },
            {
                "start": 10,
                "end": 12,
                "speaker": "S0",
                "text": "Is it cold?",
                "label": "CEQ",
                "confidence": 0.9,
                "cue": "x",
                "wait_time_s": 0.5,
                "answered_by": "S1",
            },
        ],  # fmt: skip
        "metrics": {
            "question_count": 2,
            "oeq_count": 1,
            "ceq_count": 1,
            "oeq_share": 0.5,
            "asker": "S0",
            "mean_wait_time_s": 1.25,
            "teacher_talk_share": 0.58,
        },  # fmt: skip
    }


def test_no_corrections_change_nothing():
    assert corrections.apply(result(), []) == result()


def test_with_corrections_machine_questions_carry_their_index():
    out = corrections.apply(result(), [{"kind": "speaker", "data": {"speaker": "S0", "name": "Ms Rivera"}}])
    assert [q["index"] for q in out["questions"]] == [0, 1]


def test_a_relabelled_question_keeps_the_machine_label_and_the_metrics_follow():
    machine = result()
    out = corrections.apply(machine, [{"kind": "label", "data": {"question": 1, "label": "OEQ"}}])
    assert [q["label"] for q in out["questions"]] == ["OEQ", "OEQ"]
    assert out["questions"][1]["machine_label"] == "CEQ"
    assert out["metrics"]["oeq_count"] == 2 and out["metrics"]["oeq_share"] == 1.0
    assert machine["questions"][1]["label"] == "CEQ"  # the machine's result is untouched


def test_not_a_question_drops_it_and_a_later_correction_wins():
    out = corrections.apply(
        result(),
        [
            {"kind": "label", "data": {"question": 0, "label": "NONQ"}},
            {"kind": "label", "data": {"question": 1, "label": "NONQ"}},
            {"kind": "label", "data": {"question": 1, "label": "CEQ"}},
        ],
    )
    assert [q["text"] for q in out["questions"]] == ["Is it cold?"]
    assert out["metrics"]["question_count"] == 1 and out["metrics"]["oeq_share"] == 0.0
    assert "machine_label" not in out["questions"][0]  # back to what the machine said


def test_a_missed_question_is_placed_in_the_transcript_with_its_wait():
    out = corrections.apply(
        result(), [{"kind": "add", "data": {"start": 20.5, "text": "Tell me how you know.", "label": "OEQ"}}]
    )
    added = out["questions"][-1]
    assert added["speaker"] == "S0" and added["end"] == 22 and added["wait_time_s"] == 4.0
    assert added["answered_by"] == "S1" and added["added"] is True
    assert out["metrics"]["oeq_count"] == 2 and out["metrics"]["mean_wait_time_s"] == pytest.approx(2.17, abs=0.01)


def test_speakers_are_renamed_given_roles_and_swapped():
    out = corrections.apply(
        result(),
        [
            {"kind": "speaker", "data": {"speaker": "S0", "name": "Ms Rivera"}},
            {"kind": "swap", "data": {"a": "S0", "b": "S1"}},
        ],
    )
    by_id = {s["id"]: s for s in out["speakers"]}
    assert by_id["S0"]["role"] == "child" and by_id["S1"]["role"] == "teacher"
    assert by_id["S1"]["name"] == "Ms Rivera" and "name" not in by_id["S0"]
    assert by_id["S0"]["machine_role"] == "teacher"
    assert out["metrics"]["teacher_talk_share"] == 0.42


@pytest.mark.parametrize(
    "kind, data, message",
    [
        ("label", {"question": 5, "label": "OEQ"}, "no such question"),
        ("label", {"question": 0, "label": "MAYBE"}, "label must be"),
        ("add", {"start": 90, "text": "Why?", "label": "OEQ"}, "between 0 and 60"),
        ("add", {"start": 5, "text": "  ", "label": "OEQ"}, "write the question"),
        ("add", {"start": 5, "text": "Why?", "label": "NONQ"}, "label must be"),
        ("speaker", {"speaker": "S9", "role": "teacher"}, "no such speaker"),
        ("speaker", {"speaker": "S0"}, "role or a name"),
        ("swap", {"a": "S0", "b": "S0"}, "two different"),
        ("guess", {}, "kind must be"),
    ],
)
def test_bad_corrections_are_refused_with_a_reason(kind, data, message):
    with pytest.raises(ValueError, match=message):
        corrections.validate(result(), kind, data)


def test_label_changes_count_what_coaches_changed():
    cs = [
        {"kind": "label", "data": {"question": 0, "label": "CEQ"}},
        {"kind": "label", "data": {"question": 1, "label": "CEQ"}},  # the same as the machine
        {"kind": "add", "data": {"start": 20, "text": "Tell me.", "label": "OEQ"}},
    ]
    assert corrections.label_changes(result(), cs) == {"machine_questions": 2, "changed": 1, "added": 1}
