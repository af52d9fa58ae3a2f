"""Questions found and timed by their own words in transcripts written the way recognisers write them."""

from analysis import discourse
from analysis.speakers import Turn
from analysis.speech import Segment, Word
from analysis.vad import Span


def said(speaker: str, start: float, text: str, step: float = 0.3) -> Segment:
    """A segment whose words follow each other every ``step`` seconds."""
    words = [Word(start + i * step, start + i * step + step * 0.8, w, 0.9) for i, w in enumerate(text.split())]
    return Segment(words[0].start, words[-1].end, text, words, speaker)


def found(segments: list[Segment]) -> list[discourse.Question]:
    turns = [Turn(s.start, s.end, s.speaker) for s in segments]
    spans = [Span(s.start, s.end) for s in segments]
    return discourse.analyse(segments, turns, spans, segments[-1].end + 5).questions


def test_a_question_after_a_statement_is_timed_by_its_own_words():
    run_on = said("T", 0.0, "we planted these seeds last week what do you notice about them now")
    reply = said("C", run_on.end + 2.0, "they got bigger")
    (question,) = found([run_on, reply])
    assert question.text.split()[0] == "what"
    assert question.start == run_on.words[6].start
    assert question.label == "OEQ"
    assert question.answered_by == "C"


def test_a_question_split_over_two_segments_is_one_question():
    first = said("T", 0.0, "so what do you think")
    second = said("T", first.end + 0.3, "happens to the ice next")
    reply = said("C", second.end + 2.0, "it melts")
    (question,) = found([first, second, reply])
    assert question.start == first.words[0].start and question.end == second.end
    assert question.label == "OEQ"
    assert question.wait_time_s is not None and question.wait_time_s > 1.5


def test_a_long_pause_ends_an_unpunctuated_sentence():
    statement = said("T", 0.0, "good job everybody")
    question = said("T", statement.end + 2.5, "is it is it heavier than the rock")
    reply = said("C", question.end + 1.0, "yes")
    (asked,) = found([statement, question, reply])
    assert asked.start == question.start
    assert asked.label == "CEQ"
