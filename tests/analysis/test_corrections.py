"""A coach's corrections over a machine result: labels, missed questions, speakers merged or
split; metrics follow."""

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
        ("merge", {"speaker": "S1", "into": "S1"}, "two different"),
        ("merge", {"speaker": "S9", "into": "S0"}, "no such speaker"),
        ("split", {"start": 30, "end": 20, "speaker": "S0"}, "start before it ends, both between 0 and 60 s"),
        ("split", {"start": 0, "end": 90, "speaker": "S0"}, "between 0 and 60 s"),
        ("split", {"start": "soon", "end": 5, "speaker": "S0"}, "start must be a number of seconds"),
        ("split", {"start": 0, "end": 10**400, "speaker": "S0"}, "end must be a number of seconds"),
        ("label", {"question": float("inf"), "label": "OEQ"}, "question must be a whole number"),
        ("split", {"start": 40, "end": 50, "speaker": "S1"}, "nothing was said between 0:40 and 0:50"),
        ("split", {"start": 5, "end": 8, "speaker": "S1"}, "already S1's"),
        ("split", {"start": 5, "end": 8, "speaker": "S7"}, "one of the speakers or a new speaker"),
        ("split", {"start": 5, "end": 8, "speaker": "new", "role": "robot"}, "role must be"),
        ("split", {"start": 5, "end": 8, "speaker": "S0", "role": "child"}, "role goes with a new speaker"),
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


# --- merge and split ------------------------------------------------------------------------


def three_speakers() -> dict:
    """The lesson with a second child (S2) who answers the teacher's last question."""
    doc = result()
    doc["segments"][5]["speaker"] = "S2"
    doc["speakers"] = [
        {"id": "S0", "role": "teacher", "talk_s": 7.0, "talk_share": 0.5, "turns": 3, "words": 14, "wpm": 120.0},
        {"id": "S1", "role": "child", "talk_s": 4.0, "talk_share": 0.286, "turns": 2, "words": 4, "wpm": 60.0,
         "voice": {"pitch_median_hz": 240.0}},
        {"id": "S2", "role": "child", "talk_s": 3.0, "talk_share": 0.214, "turns": 1, "words": 5, "wpm": 100.0,
         "voice": {"pitch_median_hz": 180.0}},
    ]  # fmt: skip
    doc["questions"].append(
        {**doc["questions"][0], "start": 20, "end": 22, "text": "Tell me how you know.", "wait_time_s": 4.0,
         "answered_by": "S2"}
    )  # fmt: skip
    return doc


def with_words(doc: dict, speaker_key: bool = False) -> dict:
    """Each segment's words spread evenly over it (as Whisper gives them), optionally naming their speaker."""
    for seg in doc["segments"]:
        tokens = seg["text"].split()
        step = (seg["end"] - seg["start"]) / len(tokens)
        seg["words"] = [
            {"start": seg["start"] + i * step, "end": seg["start"] + (i + 1) * step, "text": t, "probability": 0.9}
            | ({"speaker": seg["speaker"]} if speaker_key else {})
            for i, t in enumerate(tokens)
        ]
    return doc


def by_id(doc: dict) -> dict:
    return {s["id"]: s for s in doc["speakers"]}


def test_a_merge_gives_everything_to_the_other_speaker_and_keeps_the_machines_speakers():
    machine = three_speakers()
    out = corrections.apply(machine, [{"kind": "merge", "data": {"speaker": "S2", "into": "S1"}}])
    assert list(by_id(out)) == ["S0", "S1"] and out["machine_speakers"] == machine["speakers"]
    s1 = by_id(out)["S1"]
    assert (s1["talk_s"], s1["words"], s1["turns"], s1["merged"]) == (7.0, 9, 3, ["S2"])
    assert s1["talk_share"] == 0.5 and s1["wpm"] == 77.1 and s1["mean_utterance_words"] == 3.0
    assert s1["voice"] == {"pitch_median_hz": 240.0}  # the machine's measure of S1's own voice
    assert any("pitch and loudness are still what the machine measured" in n for n in out["notes"])
    assert [s["speaker"] for s in out["segments"]] == ["S0", "S1", "S0", "S1", "S0", "S1"]
    assert out["questions"][2]["answered_by"] == "S1"
    assert machine["segments"][5]["speaker"] == "S2"  # the machine's result is untouched


def test_merging_the_answerer_into_the_asker_leaves_the_questions_unanswered():
    out = corrections.apply(three_speakers(), [{"kind": "merge", "data": {"speaker": "S1", "into": "S0"}}])
    assert [q["answered_by"] for q in out["questions"]] == [None, None, "S2"]  # S2 only speaks 14 s after "cold?"
    assert [q["wait_time_s"] for q in out["questions"]] == [2.0, 0.5, 4.0]  # nobody spoke at another time
    assert out["metrics"]["answered_share"] == 0.333 and out["metrics"]["teacher_talk_share"] == 0.786
    teacher = by_id(out)["S0"]
    assert (teacher["talk_s"], teacher["words"], teacher["turns"]) == (11.0, 18, 1)  # 3 + 2 turns, 4 joins


def test_merging_the_asker_away_hands_over_the_questions():
    out = corrections.apply(three_speakers(), [{"kind": "merge", "data": {"speaker": "S0", "into": "S1"}}])
    assert out["metrics"]["asker"] == "S1" and out["metrics"]["question_count"] == 3
    assert {q["speaker"] for q in out["questions"]} == {"S1"}
    assert all(q["machine_speaker"] == "S0" for q in out["questions"])
    assert [q["answered_by"] for q in out["questions"]] == [None, None, "S2"]


def test_a_split_cuts_a_segment_and_a_new_speaker_gets_its_words_and_time():
    machine = with_words(result())
    out = corrections.apply(machine, [{"kind": "split", "data": {"start": 1.0, "end": 2.0, "speaker": "new"}}])
    first = out["segments"][:3]
    assert [(s["speaker"], s["text"], s["start"], s["end"]) for s in first] == [
        ("S0", "What do", 0, 1.0),
        ("S2", "you think", 1.0, 2.0),
        ("S0", "will happen?", 2.0, 3),
    ]
    new = by_id(out)["S2"]
    assert new["role"] == "other" and new["added"] is True
    assert (new["talk_s"], new["words"], new["turns"], new["wpm"]) == (1.0, 2, 1, 120.0)
    teacher = by_id(out)["S0"]
    assert (teacher["talk_s"], teacher["words"], teacher["turns"], teacher["talk_share"]) == (6.0, 12, 4, 0.5)
    assert out["metrics"]["teacher_talk_share"] == 0.5 and out["machine_speakers"] == machine["speakers"]
    assert out["questions"][0]["speaker"] == "S0" and "machine_speaker" not in out["questions"][0]


def test_a_question_given_to_the_child_is_no_longer_the_teachers():
    machine = with_words(result(), speaker_key=True)
    out = corrections.apply(machine, [{"kind": "split", "data": {"start": 9.5, "end": 12.2, "speaker": "S1"}}])
    assert [q["text"] for q in out["questions"]] == ["What do you think will happen?"]
    assert out["metrics"]["question_count"] == 1 and out["metrics"]["ceq_count"] == 0
    cold = out["segments"][2]
    assert cold["speaker"] == "S1" and {w["speaker"] for w in cold["words"]} == {"S1"}
    assert (by_id(out)["S0"]["talk_s"], by_id(out)["S0"]["turns"]) == (5.0, 2)
    assert (by_id(out)["S1"]["talk_s"], by_id(out)["S1"]["words"]) == (7.0, 12)
    assert machine["questions"][1]["speaker"] == "S0" and machine["segments"][2]["words"][0]["speaker"] == "S0"


def test_a_split_re_reads_who_answered():
    out = corrections.apply(
        with_words(three_speakers()), [{"kind": "split", "data": {"start": 12.5, "end": 13, "speaker": "S2"}}]
    )
    assert [q["answered_by"] for q in out["questions"]] == ["S1", "S2", "S2"]


def test_a_split_back_and_a_merge_then_split_work_on_the_state_before_them():
    back = corrections.apply(
        with_words(result()),
        [
            {"kind": "split", "data": {"start": 9.5, "end": 12.2, "speaker": "S1"}},
            {"kind": "split", "data": {"start": 9.5, "end": 12.2, "speaker": "S0"}},
        ],
    )
    figures = [(s["id"], s["talk_s"], s["words"], s["turns"]) for s in back["speakers"]]
    assert figures == [("S0", 7.0, 14, 3), ("S1", 5.0, 9, 3)]  # a later one wins: as the machine had it
    assert back["questions"][1]["speaker"] == "S0" and "machine_speaker" not in back["questions"][1]
    out = corrections.apply(
        three_speakers(),
        [
            {"kind": "merge", "data": {"speaker": "S2", "into": "S1"}},
            {"kind": "split", "data": {"start": 25, "end": 31, "speaker": "new"}},
        ],
    )
    assert list(by_id(out)) == ["S0", "S1", "S3"]  # S2 stays taken: it was a speaker once


def test_merge_and_split_take_turns_with_the_other_kinds():
    doc = three_speakers()
    split = {"kind": "split", "data": {"start": 26, "end": 30, "speaker": "new", "role": "child"}}
    name = {"speaker": "S3", "role": "coach", "name": "Mr Osei"}
    with pytest.raises(ValueError, match="no such speaker"):
        corrections.validate(doc, "speaker", name)
    assert corrections.validate(doc, "speaker", name, earlier=[split]) == name
    out = corrections.apply(doc, [split, {"kind": "speaker", "data": name}])
    assert by_id(out)["S3"]["name"] == "Mr Osei" and "machine_role" not in by_id(out)["S3"]
    merge = {"kind": "merge", "data": {"speaker": "S2", "into": "S0"}}
    with pytest.raises(ValueError, match="no such speaker"):
        corrections.validate(doc, "merge", {"speaker": "S2", "into": "S1"}, earlier=[merge])
    swap = {"kind": "swap", "data": {"a": "S0", "b": "S1"}}
    out = corrections.apply(doc, [swap, merge])  # S0 is the child when S2 joins it
    assert by_id(out)["S0"]["role"] == "child" and by_id(out)["S0"]["talk_s"] == 10.0
    assert out["metrics"]["teacher_talk_share"] == 0.286
    relabel = {"kind": "label", "data": {"question": 2, "label": "CEQ"}}
    out = corrections.apply(doc, [merge, relabel])
    assert out["questions"][2]["label"] == "CEQ" and out["questions"][2]["answered_by"] is None


def test_a_very_long_stretch_is_refused():
    doc = result()
    doc["media"]["duration_s"] = 3600
    with pytest.raises(ValueError, match="at most 20 minutes"):
        corrections.validate(doc, "split", {"start": 0, "end": 1500, "speaker": "S1"})


def test_merge_and_split_cope_with_an_old_result_missing_fields():
    old = {
        "segments": [
            {"start": 0, "end": 2, "speaker": "S0", "text": "Why is it wet?"},
            {"start": 3, "end": 4, "speaker": "S1", "text": "It melted."},
        ],
        "speakers": [{"id": "S0"}, {"id": "S1"}],
        "questions": [{"start": 0, "end": 2, "speaker": "S0", "text": "Why is it wet?", "label": "OEQ"}],
    }
    split = corrections.validate(old, "split", {"start": 2.5, "end": 4, "speaker": "new"})
    out = corrections.apply(
        old, [{"kind": "split", "data": split}, {"kind": "merge", "data": {"speaker": "S2", "into": "S0"}}]
    )
    assert [s["speaker"] for s in out["segments"]] == ["S0", "S0"]
    assert by_id(out)["S0"]["words"] == 2 and by_id(out)["S0"]["talk_s"] == 1.0
    assert out["metrics"]["question_count"] == 1 and out["questions"][0]["answered_by"] is None


def test_a_merge_renames_overlaps_and_drops_those_now_of_one_voice():
    machine = three_speakers()
    machine["overlaps"] = [
        {"start": 4.5, "end": 5.5, "speakers": ["S0", "S2"]},
        {"start": 12.0, "end": 12.6, "speakers": ["S1", "S2"]},
    ]
    machine["metrics"].update({"overlap_count": 2, "overlap_s": 1.6})
    out = corrections.apply(machine, [{"kind": "merge", "data": {"speaker": "S2", "into": "S1"}}])
    assert out["overlaps"] == [{"start": 4.5, "end": 5.5, "speakers": ["S0", "S1"]}]
    assert (out["metrics"]["overlap_count"], out["metrics"]["overlap_s"]) == (1, 1.0)
    assert len(machine["overlaps"]) == 2
