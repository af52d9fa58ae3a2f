from analysis.speakers import Turn, join_pauses


def test_a_short_pause_inside_one_speakers_talk_stays_in_the_turn():
    turns = [Turn(0.0, 1.0, "S1"), Turn(1.3, 2.0, "S1"), Turn(2.1, 3.0, "S2"), Turn(3.2, 4.0, "S1")]
    joined = join_pauses(turns, 0.5)
    assert [(t.start, t.end, t.speaker) for t in joined] == [(0.0, 2.0, "S1"), (2.1, 3.0, "S2"), (3.2, 4.0, "S1")]


def test_a_long_pause_or_a_change_of_speaker_ends_a_turn():
    turns = [Turn(0.0, 1.0, "S1"), Turn(1.5, 2.0, "S1"), Turn(2.2, 3.0, "S2")]
    assert len(join_pauses(turns, 0.5)) == 3
    assert len(join_pauses(turns, 0.0)) == 3


def test_joining_leaves_the_turns_it_was_given_alone():
    turns = [Turn(0.0, 1.0, "S1"), Turn(1.2, 2.0, "S1")]
    join_pauses(turns, 0.5)
    assert (turns[0].end, len(turns)) == (1.0, 2)
