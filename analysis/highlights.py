"""Pick at most five moments worth a coach's time, each 15-60 s, snapped to turn boundaries.

A moment starts at a question the teacher (or coach) asked and runs through the replies.
It scores for the evidence coaching research cares about: an open-ended question, a wait of
3 s or more, an elaborated answer, and visible engagement; the best non-overlapping moments
win.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from analysis.discourse import Question
from analysis.speakers import Turn
from analysis.speech import Segment


@dataclass
class HighlightOptions:
    """Attributes:
    max_count: At most this many highlights.
    min_s, max_s: Length limits of a highlight.
    lead_s: Context kept before the question (snapped back to a turn start).
    target_s: Preferred length: the turn end nearest to it is chosen.
    """

    max_count: int = 5
    min_s: float = 15.0
    max_s: float = 60.0
    lead_s: float = 3.0
    target_s: float = 30.0


@dataclass
class Highlight:
    start: float
    end: float
    title: str
    score: float
    reason: list[str] = field(default_factory=list)
    question: str = ""
    clip: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def pick(
    questions: list[Question],
    turns: list[Turn],
    segments: list[Segment],
    duration_s: float,
    engagement: dict[float, float] | None = None,
    options: HighlightOptions | None = None,
) -> list[Highlight]:
    """Choose highlights.

    Args:
      questions: The asker's questions with labels and wait times.
      turns: Speaker turns (speech spans with speakers), for snapping.
      segments: Transcript segments with speakers, to measure answers.
      duration_s: Length of the recording.
      engagement: Optional mapping of a question's start to mean engagement after it.
    Returns:
      Non-overlapping highlights sorted by start; none for silence or files shorter than min_s.
    """
    options = options or HighlightOptions()
    if duration_s < options.min_s or not turns:
        return []
    candidates = []
    for q in questions:
        start = _snap_start(turns, max(0.0, q.start - options.lead_s), q.start)
        end = _snap_end(turns, start, duration_s, options)
        if end - start < options.min_s:
            continue
        answer_words = sum(
            len(s.words) for s in segments if s.speaker and s.speaker != q.speaker and q.end <= s.start < end
        )
        reason, score = [], 0.0
        if q.label == "OEQ":
            reason.append("open-ended question")
            score += 3
        if q.wait_time_s is not None and q.wait_time_s >= 3.0:
            reason.append(f"waited {q.wait_time_s:.1f} s")
            score += 2
        if answer_words >= 8:
            reason.append(f"elaborated answer ({answer_words} words)")
            score += min(3.0, answer_words / 8)
        eng = (engagement or {}).get(q.start)
        if eng is not None and eng >= 0.6:
            reason.append(f"high engagement ({eng:.2f})")
            score += eng
        if not reason:
            continue
        title = ("Open question: " if q.label == "OEQ" else "Question: ") + _short(q.text)
        candidates.append(Highlight(round(start, 2), round(end, 2), title, round(score, 2), reason, q.text))
    chosen: list[Highlight] = []
    for h in sorted(candidates, key=lambda h: (-h.score, h.start)):
        if len(chosen) == options.max_count:
            break
        if all(h.end <= c.start or h.start >= c.end for c in chosen):
            chosen.append(h)
    return sorted(chosen, key=lambda h: h.start)


def _snap_start(turns: list[Turn], earliest: float, question_start: float) -> float:
    """The start of the first turn that begins in [earliest, question_start], else the question."""
    starts = [t.start for t in turns if earliest <= t.start <= question_start + 0.05]
    return min(starts) if starts else question_start


def _snap_end(turns: list[Turn], start: float, duration_s: float, options: HighlightOptions) -> float:
    """A turn end between start + min_s and start + max_s, nearest to start + target_s."""
    limit = min(start + options.max_s, duration_s)
    ends = [t.end for t in turns if start + options.min_s <= t.end <= limit]
    if ends:
        return min(ends, key=lambda e: abs(e - (start + options.target_s)))
    # No turn ends inside the window: take the window's minimum (or the file's end).
    return min(start + options.min_s, duration_s)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
