"""Who spoke when, as a coach corrects it: merge two speakers, or give a stretch of time to
another (or a new) speaker. Works in place on a copy of a ``cultivate.result/1`` document
(``analysis.corrections.apply`` makes the copy and keeps the machine's speakers).

The recording's timing does not change, only who said what, so figures move with the speech:
a merge adds the two speakers' talk time, words and turns; a split moves the time of each part
it gives away (its first word's start to its last word's end) and its words. Turns change by
the runs of segments a correction joined or cut (the machine counted turns from voice
activity, which a result does not keep). Shares, words per minute and words per turn follow
with the pipeline's formulas. Voice measures stay the machine's, and a note says so.
"""

from __future__ import annotations

import re

ANSWER_WINDOW_S = 10.0  # as discourse.DiscourseOptions.answer_window_s
VOICE_NOTE = (
    "Coaches merged or split speakers: talk time, words and turns follow their corrections; "
    "pitch and loudness are still what the machine measured for each voice."
)


def merge(result: dict, gone: str, into: str) -> bool:
    """Everything ``gone`` said becomes ``into``'s, and ``gone`` leaves ``speakers``.

    Returns:
      False, changing nothing, when either speaker is not there (any more).
    """
    speakers = {s["id"]: s for s in result.get("speakers") or []}
    source, target = speakers.get(gone), speakers.get(into)
    if source is None or target is None or source is target:
        return False
    segments = result.get("segments") or []
    before = _runs(segments)
    for seg in segments:
        if seg.get("speaker") == gone:
            seg["speaker"] = into
        for w in seg.get("words") or []:
            if w.get("speaker") == gone:
                w["speaker"] = into
    moved = {gone: (source.get("talk_s", 0.0), source.get("words", 0))}
    touched = _move_stats(speakers, target, moved, before, _runs(segments))
    target["turns"] += source.get("turns", 0)  # the turns the transcript cannot place go along
    target["merged"] = [*target.get("merged", []), gone, *source.get("merged", [])]
    result["speakers"] = [s for s in result["speakers"] if s is not source]
    if (result.get("metrics") or {}).get("asker") == gone:
        result["metrics"]["asker"] = into
    _refresh(result["speakers"], touched - {gone})
    for q in result.get("questions") or []:
        _hand_over(q, into if q.get("speaker") == gone else q.get("speaker"))
        if q.get("answered_by") == gone:
            q["answered_by"] = into
        if q.get("answered_by") is not None and q["answered_by"] == q["speaker"]:
            q["answered_by"] = answerer(segments, q["speaker"], q["end"])
    _merge_overlaps(result, gone, into)
    _note(result)
    return True


def _merge_overlaps(result: dict, gone: str, into: str) -> None:
    """Overlaps name ``into`` for ``gone``; one between the two is now one voice and goes (its
    seconds stay out of ``into``'s talk time, as the machine left them out of both)."""
    if "overlaps" not in result:
        return
    kept = []
    for o in result["overlaps"]:
        pair = sorted({into if sid == gone else sid for sid in o.get("speakers") or []})
        if len(pair) == 2:
            kept.append({**o, "speakers": pair})
    result["overlaps"] = kept
    if "overlap_count" in (result.get("metrics") or {}):
        result["metrics"]["overlap_count"] = len(kept)
        result["metrics"]["overlap_s"] = round(sum(o["end"] - o["start"] for o in kept), 2)


def split(result: dict, start: float, end: float, speaker: str, role: str = "other", taken=()) -> bool:
    """Give the words whose middle falls in [start, end) to ``speaker``, cutting segments where
    the speaker changes; ``speaker`` "new" adds the next free ``S<n>`` (none of ``taken`` and
    of the speakers there) with ``role``.

    Returns:
      False, changing nothing, when ``speaker`` is not there (any more).
    """
    speakers = {s["id"]: s for s in result.get("speakers") or []}
    if speaker == "new":
        target = _new_speaker(result, role, taken)
        speakers[target["id"]] = target
    elif speaker in speakers:
        target = speakers[speaker]
    else:
        return False
    before = _runs(result.get("segments") or [])
    result["segments"], moved = _split_segments(result.get("segments") or [], start, end, target["id"])
    touched = _move_stats(speakers, target, moved, before, _runs(result["segments"]))
    _refresh(result["speakers"], touched)
    for q in result.get("questions") or []:
        _hand_over(q, _speaker_at(result["segments"], q["start"], q.get("speaker")))
        if start < q["end"] + ANSWER_WINDOW_S and q["start"] < end:  # its answer may have changed hands
            q["answered_by"] = answerer(result["segments"], q["speaker"], q["end"])
    _note(result)
    return True


def pieces(seg: dict, start: float, end: float) -> list[tuple[str | None, bool]]:
    """(speaker, inside the stretch) for each word of a segment, or for the whole segment when
    it has no words; a word is inside when its middle is."""
    units = seg.get("words") or [seg]
    return [(u.get("speaker", seg.get("speaker")), start <= (u["start"] + u["end"]) / 2 < end) for u in units]


def answerer(segments: list[dict], asker: str | None, end: float, skip: dict | None = None) -> str | None:
    """The first other speaker to speak within the answer window after ``end`` (the pipeline's
    rule, read from the transcript)."""
    return next(
        (
            s.get("speaker")
            for s in segments
            if s is not skip
            and s["start"] >= end - 0.01
            and s["start"] - end <= ANSWER_WINDOW_S
            and s.get("speaker") != asker
        ),
        None,
    )


def _new_speaker(result: dict, role: str, taken) -> dict:
    """A speaker a coach added: ``S<n>`` after the highest number any speaker had."""
    ids = [*taken, *(s["id"] for s in result.get("speakers") or [])]
    ids += [m for s in result.get("speakers") or [] for m in s.get("merged", [])]
    numbers = [int(m.group(1)) for m in (re.search(r"(\d+)$", str(i)) for i in ids) if m]
    speaker = {
        "id": f"S{max(numbers, default=len(ids) - 1) + 1}",
        "role": role,
        "talk_s": 0.0,
        "talk_share": 0.0,
        "turns": 0,
        "words": 0,
        "wpm": None,
        "mean_utterance_words": None,
        "voice": {},
        "added": True,
    }
    result["speakers"] = [*(result.get("speakers") or []), speaker]
    return speaker


def _split_segments(segments: list[dict], start: float, end: float, sid: str):
    """The segments with the stretch given to ``sid``, and per former speaker the talk time and
    words they lost."""
    out: list[dict] = []
    moved: dict[str | None, tuple[float, int]] = {}
    for seg in segments:
        who_now = [sid if inside else who for who, inside in pieces(seg, start, end)]
        words = seg.get("words") or []
        if all(who == seg.get("speaker") for who in who_now):
            out.append(seg)
            continue
        if not words:  # no word times: the whole segment changes hands
            _count(moved, seg.get("speaker"), seg["end"] - seg["start"], len(str(seg.get("text", "")).split()))
            out.append({**seg, "speaker": sid})
            continue
        runs: list[list[int]] = []
        for i, who in enumerate(who_now):
            if runs and who_now[runs[-1][0]] == who:
                runs[-1].append(i)
            else:
                runs.append([i])
        for n, run in enumerate(runs):
            part_words = [{**words[i], **({"speaker": who_now[i]} if "speaker" in words[i] else {})} for i in run]
            part = {
                **seg,
                "start": seg["start"] if n == 0 else part_words[0]["start"],
                "end": seg["end"] if n == len(runs) - 1 else part_words[-1]["end"],
                "speaker": who_now[run[0]],
                "text": seg.get("text", "") if len(runs) == 1 else " ".join(str(w["text"]).strip() for w in part_words),
                "words": part_words,
            }
            if part["speaker"] != seg.get("speaker"):
                _count(moved, seg.get("speaker"), part["end"] - part["start"], len(part_words))
            out.append(part)
    return out, moved


def _count(moved: dict, who: str | None, seconds: float, words: int) -> None:
    talk, n = moved.get(who, (0.0, 0))
    moved[who] = (talk + max(seconds, 0.0), n + words)


def _runs(segments: list[dict]) -> dict[str, int]:
    """How many runs of consecutive segments each speaker has."""
    runs: dict[str, int] = {}
    previous = None
    for seg in segments:
        who = seg.get("speaker")
        if who is not None and who != previous:
            runs[who] = runs.get(who, 0) + 1
        previous = who
    return runs


def _move_stats(speakers: dict, target: dict, moved: dict, before: dict, after: dict) -> set[str]:
    """Move talk time and words from each former speaker to ``target``; turns change by the runs
    of segments joined or cut. Returns the ids of the speakers changed."""
    touched = {target["id"]}
    for who, (talk, words) in moved.items():
        source = speakers.get(who)
        if source is not None:
            source["talk_s"] = round(max(source.get("talk_s", 0.0) - talk, 0.0), 2)
            source["words"] = max(source.get("words", 0) - words, 0)
            touched.add(who)
        target["talk_s"] = round(target.get("talk_s", 0.0) + talk, 2)
        target["words"] = target.get("words", 0) + words
    for sid in touched:
        s = speakers[sid]
        s["turns"] = max(s.get("turns", 0) + after.get(sid, 0) - before.get(sid, 0), 0)
    return touched


def _refresh(speakers: list[dict], touched: set[str]) -> None:
    """Everyone's share of the talk, and the touched speakers' words per minute and per turn."""
    total = sum(s.get("talk_s", 0.0) for s in speakers)
    for s in speakers:
        if total > 0:
            s["talk_share"] = round(s.get("talk_s", 0.0) / total, 3)
        if s["id"] in touched:
            talk, words, turns = s.get("talk_s", 0.0), s.get("words", 0), s.get("turns", 0)
            s["wpm"] = round(words / talk * 60, 1) if talk > 0 else None
            s["mean_utterance_words"] = round(words / turns, 1) if turns else None


def _hand_over(q: dict, speaker: str | None) -> None:
    """A question's speaker now; ``machine_speaker`` keeps the machine's while they differ."""
    machine = q.get("machine_speaker", q.get("speaker"))
    q["speaker"] = speaker
    if speaker == machine:
        q.pop("machine_speaker", None)
    else:
        q["machine_speaker"] = machine


def _speaker_at(segments: list[dict], t: float, default: str | None) -> str | None:
    """Who says the words at ``t``: the last segment starting by then that runs past it."""
    at = [s for s in segments if s["start"] <= t + 0.01 and s["end"] > t]
    return at[-1].get("speaker") if at else default


def _note(result: dict) -> None:
    result["notes"] = [*(n for n in result.get("notes") or [] if n != VOICE_NOTE), VOICE_NOTE]
