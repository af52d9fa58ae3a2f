"""From a transcript with speakers to the measures coaches use: who talks how much, which
questions the teacher (or coach) asked, open or closed, and how long everyone waited.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from analysis import question_text
from analysis import questions as qmodel
from analysis.speakers import Turn
from analysis.speech import Segment, Word
from analysis.vad import Span

SESSIONS = {"classroom": ("teacher", "child"), "coaching": ("coach", "teacher")}
_SENTENCE_END = re.compile(r"[.?!]$")


@dataclass
class DiscourseOptions:
    """Attributes:
    session: ``classroom`` (roles teacher and child) or ``coaching`` (coach and teacher).
    compound_gap_s: Question sentences by the same speaker closer than this form one question.
    answer_window_s: A reply must start within this many seconds to count as an answer.
    sentence_pause_s: A silence this long between one speaker's words ends a sentence, even
      with no punctuation; a sentence with no end punctuation runs on into the speaker's next
      segment when it follows sooner than this (a question split over two segments).
    """

    session: str = "classroom"
    compound_gap_s: float = 1.5
    answer_window_s: float = 10.0
    sentence_pause_s: float = 1.0


@dataclass
class Question:
    start: float
    end: float
    speaker: str
    text: str
    label: str
    confidence: float
    cue: str
    wait_time_s: float | None
    answered_by: str | None
    responder_visual: dict = field(default_factory=dict)  # motion/engagement in the 5 s after it


@dataclass
class SpeakerStats:
    id: str
    role: str
    talk_s: float
    talk_share: float
    turns: int
    words: int
    wpm: float | None
    mean_utterance_words: float | None
    voice: dict = field(default_factory=dict)


@dataclass
class Discourse:
    segments: list[Segment]
    speakers: list[SpeakerStats]
    questions: list[Question]
    metrics: dict
    notes: list[str]


def attribute(segments: list[Segment], turns: list[Turn]) -> list[Segment]:
    """Give every word the speaker whose turn covers its middle, and split segments where the
    speaker changes (so a segment is one speaker's, and so is every word in it)."""
    out: list[Segment] = []
    for seg in segments:
        if not seg.words:
            seg.speaker = _speaker_at(turns, (seg.start + seg.end) / 2)
            out.append(seg)
            continue
        current: list[Word] = []
        speaker = None
        for word in seg.words:
            who = _speaker_at(turns, (word.start + word.end) / 2)
            word.speaker = who
            if current and who != speaker:
                out.append(_segment(current, speaker))
                current = []
            current.append(word)
            speaker = who
        out.append(_segment(current, speaker))
    return out


def analyse(
    segments: list[Segment],
    turns: list[Turn],
    spans: list[Span],
    duration_s: float,
    options: DiscourseOptions | None = None,
) -> Discourse:
    """Questions, wait times, roles and talk measures.

    Args:
      segments: Transcript segments with a speaker on each (from ``attribute``).
      turns: Speaker turns from ``speakers.diarize`` (VAD-based speech time).
      spans: VAD speech spans, for silences.
      duration_s: Length of the recording.
    """
    options = options or DiscourseOptions()
    if options.session not in SESSIONS:
        raise ValueError(f"session must be one of {', '.join(SESSIONS)}")
    words = [(w, s.speaker) for s in segments for w in s.words]
    sentences, lead_ins = _sentences(segments, options.sentence_pause_s)
    labels = qmodel.classify([s.text for s in sentences]) if sentences else []
    statement = qmodel.Label("NQ", 1.0, "rule: statement before a question")
    labels = [statement if i in lead_ins else label for i, label in enumerate(labels)]
    found = _group_questions(sentences, labels, options.compound_gap_s)
    speaker_ids = sorted({t.speaker for t in turns} | {s.speaker for s in segments if s.speaker})
    asker = _asker(speaker_ids, found, turns)
    asker_role, other_role = SESSIONS[options.session]
    roles = {sid: (asker_role if sid == asker else other_role) for sid in speaker_ids}

    questions = []
    for sents, label in found:
        if sents[0].speaker != asker:
            continue
        last = sents[-1].words[-1]
        wait, answerer = _wait_after(last, words, spans, sents[0].speaker, options.answer_window_s)
        questions.append(
            Question(
                start=sents[0].start,
                end=sents[-1].end,
                speaker=sents[0].speaker,
                text=" ".join(s.text for s in sents),
                label=label.label,
                confidence=round(label.confidence, 3),
                cue=label.cue,
                wait_time_s=wait,
                answered_by=answerer,
            )
        )
    stats = _speaker_stats(speaker_ids, roles, turns, segments)
    return Discourse(segments, stats, questions, metrics(questions, stats, asker, duration_s), [])


def _sentences(segments: list[Segment], pause_s: float) -> tuple[list[Segment], set[int]]:
    """One speaker's sentences, each with its own words, and which of them are lead-ins.

    Sentences end at end punctuation, at a pause of ``pause_s`` or more and at a change of
    speaker, and run on across segments otherwise. A run-on with a question after a statement
    ("we planted these last week what do you notice") becomes the statement, a lead-in that is
    never a question, and the question, timed by its own words.
    """
    out: list[Segment] = []
    lead_ins: set[int] = set()
    current: list[Word] = []
    speaker = None

    def close():
        words = list(current)
        current.clear()
        start = question_text.question_start(" ".join(w.text.strip() for w in words))
        if start and all(len(w.text.split()) == 1 for w in words):
            lead_ins.add(len(out))
            out.append(_segment(words[:start], speaker))
            words = words[start:]
        out.append(_segment(words, speaker))

    for seg in segments:
        for word in seg.words:
            if current and (seg.speaker != speaker or word.start - current[-1].end >= pause_s):
                close()
            current.append(word)
            speaker = seg.speaker
            if _SENTENCE_END.search(word.text.strip()):
                close()
    if current:
        close()
    return out, lead_ins


def _group_questions(sentences, labels, gap_s: float) -> list[tuple[list[Segment], qmodel.Label]]:
    """Questions (OEQ/CEQ) with follow-ups merged: "Will it float? Why?" is one question."""
    groups: list[tuple[list[Segment], list[qmodel.Label]]] = []
    last_index = -2
    for i, (sent, label) in enumerate(zip(sentences, labels, strict=True)):
        if label.label == "NQ":
            continue
        prev = groups[-1][0][-1] if groups else None
        if prev and i == last_index + 1 and prev.speaker == sent.speaker and sent.start - prev.end <= gap_s:
            groups[-1][0].append(sent)
            groups[-1][1].append(label)
        else:
            groups.append(([sent], [label]))
        last_index = i
    return [(sents, qmodel.most_open(lbls)) for sents, lbls in groups]


def _asker(speaker_ids: list[str], found, turns: list[Turn]) -> str | None:
    """The teacher (or coach): who asks the most questions; talk time breaks ties."""
    if not speaker_ids:
        return None
    asked = {sid: 0 for sid in speaker_ids}
    for sents, _ in found:
        asked[sents[0].speaker] = asked.get(sents[0].speaker, 0) + 1
    talk = {sid: sum(t.end - t.start for t in turns if t.speaker == sid) for sid in speaker_ids}
    return max(speaker_ids, key=lambda sid: (asked.get(sid, 0), talk[sid]))


def _wait_after(last: Word, words, spans: list[Span], asker: str, window_s: float):
    """Silence after a question until anyone speaks, and who answered.

    Whisper's word end times often run on into the silence, so the question ends where the
    VAD speech span holding its last word ends, and the silence ends where the next span
    starts. When speech goes on inside the same span, the wait is the gap to the next word.
    """
    following = [(w, who) for w, who in words if w.start >= last.start + 0.01 and w is not last]
    span = max(spans, key=lambda s: min(s.end, last.end) - max(s.start, last.start), default=None)
    if span is not None and min(span.end, last.end) - max(span.start, last.start) <= 0:
        span = None
    q_end = span.end if span else last.end
    next_word = following[0] if following else None
    if next_word and next_word[0].start < q_end - 0.05:
        wait = max(0.0, next_word[0].start - last.end)
    else:
        onset = next((s.start for s in spans if s.start >= q_end - 1e-6), None)
        if onset is None and next_word is None:
            return None, None
        wait = (onset if onset is not None else next_word[0].start) - q_end
    answerer = None
    for w, who in following:
        if w.start - q_end > window_s:
            break
        if who != asker:
            answerer = who
            break
    return round(max(wait, 0.0), 2), answerer


def _speaker_stats(speaker_ids, roles, turns: list[Turn], segments: list[Segment]) -> list[SpeakerStats]:
    total = sum(t.end - t.start for t in turns) or 0.0
    runs: dict[str, int] = dict.fromkeys(speaker_ids, 0)
    previous = None
    for t in turns:
        if t.speaker != previous:
            runs[t.speaker] = runs.get(t.speaker, 0) + 1
        previous = t.speaker
    out = []
    for sid in speaker_ids:
        talk = sum(t.end - t.start for t in turns if t.speaker == sid)
        n_words = sum(len(s.words) for s in segments if s.speaker == sid)
        out.append(
            SpeakerStats(
                id=sid,
                role=roles[sid],
                talk_s=round(talk, 2),
                talk_share=round(talk / total, 3) if total else 0.0,
                turns=runs.get(sid, 0),
                words=n_words,
                wpm=round(n_words / talk * 60, 1) if talk > 0 else None,
                mean_utterance_words=round(n_words / runs[sid], 1) if runs.get(sid) else None,
            )
        )
    return out


def metrics(questions: list[Question], stats: list[SpeakerStats], asker: str | None, duration_s: float) -> dict:
    """Counts, shares and wait times of the questions, and the teacher's talk share."""
    oeq = [q for q in questions if q.label == "OEQ"]
    ceq = [q for q in questions if q.label == "CEQ"]
    waits = [q.wait_time_s for q in questions if q.wait_time_s is not None]

    def mean(values):
        return round(statistics.fmean(values), 2) if values else None

    teacher_share = sum(s.talk_share for s in stats if s.role == "teacher")
    return {
        "question_count": len(questions),
        "oeq_count": len(oeq),
        "ceq_count": len(ceq),
        "oeq_share": round(len(oeq) / len(questions), 3) if questions else None,
        "questions_per_minute": round(len(questions) / (duration_s / 60), 2) if duration_s else None,
        "mean_wait_time_s": mean(waits),
        "median_wait_time_s": round(statistics.median(waits), 2) if waits else None,
        "mean_wait_time_oeq_s": mean([q.wait_time_s for q in oeq if q.wait_time_s is not None]),
        "mean_wait_time_ceq_s": mean([q.wait_time_s for q in ceq if q.wait_time_s is not None]),
        "wait_3s_or_more_share": round(sum(w >= 3 for w in waits) / len(waits), 3) if waits else None,
        "answered_share": round(sum(q.answered_by is not None for q in questions) / len(questions), 3)
        if questions
        else None,
        "teacher_talk_share": round(teacher_share, 3) if stats else None,
        "asker": asker,
    }


def _speaker_at(turns: list[Turn], t: float) -> str | None:
    """The speaker of the turn covering time ``t``, else of the nearest turn (turns are sorted)."""
    if not turns:
        return None
    i = _bisect_starts(turns, t)  # turns[:i] start at or before t
    if i > 0 and turns[i - 1].end >= t:
        return turns[i - 1].speaker
    nearby = turns[max(i - 1, 0) : i + 1]
    return min(nearby, key=lambda turn: min(abs(turn.start - t), abs(turn.end - t))).speaker


def _bisect_starts(turns: list[Turn], t: float) -> int:
    lo, hi = 0, len(turns)
    while lo < hi:
        mid = (lo + hi) // 2
        if turns[mid].start <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _segment(words: list[Word], speaker: str | None) -> Segment:
    return Segment(
        start=words[0].start,
        end=words[-1].end,
        text=" ".join(w.text for w in words),
        words=list(words),
        speaker=speaker,
    )
