"""A coach's corrections, applied to a ``cultivate.result/1`` document.

The machine's result is never changed: ``apply`` returns a copy with the corrections laid
over it, the metrics recomputed from the corrected questions and speakers, and each changed
question keeping the machine's label in ``machine_label``. Corrections are plain dicts in
the order they were made; a later one wins.

Kinds:
  ``label``     {"question": i, "label": "OEQ"|"CEQ"|"NONQ"}: relabel machine question ``i``
                (its index in the machine's ``questions``); NONQ drops it from the questions.
  ``add``       {"start": s, "text": "...", "label": "OEQ"|"CEQ"}: a question the machine
                missed, asked at ``start`` seconds; its speaker, end, wait time and answerer
                come from the transcript around it.
  ``speaker``   {"speaker": id, "role": "...", "name": "..."}: a speaker's role and/or name.
  ``swap``      {"a": id, "b": id}: the two speakers' roles and names change places (the
                machine told them apart but named them the wrong way round).
  ``merge``     {"speaker": id, "into": id}: the machine heard one person as two; everything
                ``speaker`` said becomes ``into``'s and ``speaker`` leaves ``speakers``.
  ``split``     {"start": s, "end": e, "speaker": id|"new", "role": "..."}: the words whose middle
                falls in [start, end) were someone else's: ``speaker``'s, or a new speaker's (the
                next free ``S<n>``, role ``other`` unless ``role`` says). Segments are cut where
                the speaker changes.

After a merge or a split, ``machine_speakers`` holds the machine's ``speakers`` as they were,
and the speakers' figures follow the speech (``analysis.regroup``). Questions follow their
words: one that changed hands keeps ``machine_speaker``, and one whose words are now someone
else's than the asker's (``metrics.asker``) is left out, as the pipeline leaves out everyone
else's questions. Who answered is worked out again from the transcript where a merge or split
could change it; wait times stay, since nobody spoke at another time.
"""

from __future__ import annotations

import copy

from analysis import discourse, regroup

KINDS = ("label", "add", "speaker", "swap", "merge", "split")
SPEAKER_KINDS = ("speaker", "swap", "merge", "split")  # checked against the speakers as corrected so far
LABELS = ("OEQ", "CEQ", "NONQ")
ROLES = ("teacher", "child", "coach", "other")
SPLIT_MAX_S = 1200.0  # a longer stretch is more likely a slip than a correction; a merge moves a whole speaker


def validate(result: dict, kind: str, data: dict, earlier: list[dict] | None = None) -> dict:
    """Check one correction against the result; returns it cleaned.

    Args:
      result: The machine's result.
      earlier: The corrections made before this one: a speaker correction is checked against
        the speakers and transcript as they already stand (a merged speaker is gone, a new one
        is there).
    Raises:
      ValueError: with a message for people.
    """
    questions = result.get("questions") or []
    current = apply(result, earlier) if earlier and kind in SPEAKER_KINDS else result
    speaker_ids = [s["id"] for s in current.get("speakers") or []]
    duration = (result.get("media") or {}).get("duration_s") or 0
    if kind == "label":
        index = _int(data.get("question"), "question")
        if not 0 <= index < len(questions):
            raise ValueError("there is no such question")
        return {"question": index, "label": _label(data.get("label"), allow_nonq=True)}
    if kind == "add":
        start = _float(data.get("start"), "start")
        if not 0 <= start <= duration:
            raise ValueError(f"the time must be between 0 and {duration:.0f} s")
        text = " ".join(str(data.get("text") or "").split())[:500]
        if not text:
            raise ValueError("write the question as it was asked")
        return {"start": round(start, 2), "text": text, "label": _label(data.get("label"), allow_nonq=False)}
    if kind == "speaker":
        sid = data.get("speaker")
        if sid not in speaker_ids:
            raise ValueError("there is no such speaker")
        out = {"speaker": sid}
        if data.get("role"):
            if data["role"] not in ROLES:
                raise ValueError(f"the role must be one of {', '.join(ROLES)}")
            out["role"] = data["role"]
        name = " ".join(str(data.get("name") or "").split())[:60]
        if name:
            out["name"] = name
        if len(out) == 1:
            raise ValueError("give a role or a name")
        return out
    if kind == "swap":
        a, b = data.get("a"), data.get("b")
        if a not in speaker_ids or b not in speaker_ids or a == b:
            raise ValueError("choose two different speakers")
        return {"a": a, "b": b}
    if kind == "merge":
        return _merge_data(speaker_ids, data)
    if kind == "split":
        return _split_data(current, speaker_ids, data)
    raise ValueError(f"the kind must be one of {', '.join(KINDS)}")


def apply(result: dict, corrections: list[dict]) -> dict:
    """The result with ``corrections`` (each ``{"kind", "data", ...}``) applied; see the module.

    With corrections, every machine question gets ``index``, its place in the machine's list
    (added questions have none); without any, the result comes back as it was.
    """
    out = copy.deepcopy(result)
    if not corrections:
        return out
    for i, q in enumerate(out.get("questions") or []):
        q["index"] = i  # the machine's numbering, which a label correction names
    machine = out.get("questions") or []
    machine_speakers = copy.deepcopy(out.get("speakers") or [])
    labels: dict[int, str] = {}
    added: list[dict] = []
    for c in corrections:
        kind, data = c["kind"], c["data"]
        speakers = {s["id"]: s for s in out.get("speakers") or []}
        if kind == "label" and data["question"] < len(machine):
            labels[data["question"]] = data["label"]
        elif kind == "add":
            added.append(data)
        elif kind == "speaker" and data["speaker"] in speakers:
            s = speakers[data["speaker"]]
            _keep_machine_role(s)
            s.update({k: v for k, v in data.items() if k in ("role", "name")})
        elif kind == "swap" and data["a"] in speakers and data["b"] in speakers:
            a, b = speakers[data["a"]], speakers[data["b"]]
            for s in (a, b):
                _keep_machine_role(s)
            for key in ("role", "name"):
                a[key], b[key] = b.get(key), a.get(key)
            for s in (a, b):
                if s.get("name") is None:
                    s.pop("name", None)
        elif kind == "merge" and regroup.merge(out, data["speaker"], data["into"]):
            out["machine_speakers"] = machine_speakers
        elif kind == "split" and regroup.split(
            out,
            data["start"],
            data["end"],
            data["speaker"],
            data.get("role", "other"),
            [s["id"] for s in machine_speakers],
        ):
            out["machine_speakers"] = machine_speakers
    asker = (out.get("metrics") or {}).get("asker")
    questions = []
    for i, q in enumerate(machine):
        label = labels.get(i, q["label"])
        if label != q["label"]:
            q = {**q, "machine_label": q["label"], "label": label}
        if "machine_speaker" in q and asker is not None and q.get("speaker") != asker:
            continue  # now someone else's words: the pipeline counts the asker's questions only
        if label != "NONQ":
            questions.append({**q, "index": i})
    for data in added:
        questions.append(_missed_question(out, data))
    questions.sort(key=lambda q: q["start"])
    out["questions"] = questions
    metrics = dict(out.get("metrics") or {})
    metrics.update(_recomputed_metrics(out))
    out["metrics"] = metrics
    out["corrections"] = [
        {"kind": c["kind"], "data": c["data"], **{k: c[k] for k in ("by", "at") if k in c}} for c in corrections
    ]
    return out


def label_changes(result: dict, corrections: list[dict]) -> dict:
    """How the corrections changed the machine's questions: for a tenant's accuracy record."""
    machine = result.get("questions") or []
    final: dict[int, str] = {}
    for c in corrections:
        if c["kind"] == "label" and c["data"]["question"] < len(machine):
            final[c["data"]["question"]] = c["data"]["label"]
    changed = sum(1 for i, label in final.items() if label != machine[i]["label"])
    return {
        "machine_questions": len(machine),
        "changed": changed,
        "added": sum(1 for c in corrections if c["kind"] == "add"),
    }


def _missed_question(result: dict, data: dict) -> dict:
    """A question the machine missed, placed in the transcript: speaker, end, wait, answerer."""
    segments = result.get("segments") or []
    start = data["start"]
    at = min(segments, key=lambda s: 0 if s["start"] <= start <= s["end"] else abs(s["start"] - start), default=None)
    speaker = at.get("speaker") if at else None
    end = at["end"] if at and at["end"] >= start else start
    nxt = next((s for s in segments if s["start"] >= end - 0.01 and s is not at), None)
    wait = round(max(nxt["start"] - end, 0.0), 2) if nxt else None
    answered = regroup.answerer(segments, speaker, end, skip=at)
    return {
        "start": start,
        "end": round(end, 2),
        "speaker": speaker,
        "text": data["text"],
        "label": data["label"],
        "confidence": None,
        "cue": "added by a coach",
        "wait_time_s": wait,
        "answered_by": answered,
        "added": True,
    }


def _recomputed_metrics(result: dict) -> dict:
    """The discourse metrics of the corrected questions and speakers (same rules as the pipeline)."""
    speakers = [
        discourse.SpeakerStats(
            id=s["id"],
            role=s.get("role") or "",
            talk_s=s.get("talk_s", 0.0),
            talk_share=s.get("talk_share", 0.0),
            turns=s.get("turns", 0),
            words=s.get("words", 0),
            wpm=s.get("wpm"),
            mean_utterance_words=s.get("mean_utterance_words"),
        )
        for s in result.get("speakers") or []
    ]
    questions = [
        discourse.Question(
            start=q["start"],
            end=q["end"],
            speaker=q.get("speaker"),
            text=q["text"],
            label=q["label"],
            confidence=q.get("confidence") or 0.0,
            cue=q.get("cue") or "",
            wait_time_s=q.get("wait_time_s"),
            answered_by=q.get("answered_by"),
        )
        for q in result["questions"]
    ]
    duration = (result.get("media") or {}).get("duration_s") or 0.0
    metrics = discourse.metrics(questions, speakers, (result.get("metrics") or {}).get("asker"), duration)
    for label in ("OEQ", "CEQ"):
        seen = [
            q["responder_visual"]
            for q in result["questions"]
            if q["label"] == label and (q.get("responder_visual") or {}).get("engagement") is not None
        ]
        key = label.lower()
        if f"{key}_after_engagement" in (result.get("metrics") or {}):
            metrics[f"{key}_after_engagement"] = (
                round(sum(v["engagement"] for v in seen) / len(seen), 3) if seen else None
            )
            metrics[f"{key}_after_motion"] = round(sum(v["motion"] for v in seen) / len(seen), 3) if seen else None
    return metrics


def _keep_machine_role(speaker: dict) -> None:
    if not speaker.get("added"):  # a speaker a coach added has no machine role
        speaker.setdefault("machine_role", speaker.get("role"))


def _merge_data(speaker_ids: list[str], data: dict) -> dict:
    sid, into = data.get("speaker"), data.get("into")
    if sid not in speaker_ids or into not in speaker_ids:
        raise ValueError("there is no such speaker")
    if sid == into:
        raise ValueError("choose two different speakers")
    return {"speaker": sid, "into": into}


def _split_data(current: dict, speaker_ids: list[str], data: dict) -> dict:
    start, end = round(_float(data.get("start"), "start"), 2), round(_float(data.get("end"), "end"), 2)
    segments = current.get("segments") or []
    length = (current.get("media") or {}).get("duration_s") or max((s["end"] for s in segments), default=0)
    if not 0 <= start < end <= length:
        raise ValueError(f"the stretch must start before it ends, both between 0 and {length:.0f} s")
    if end - start > SPLIT_MAX_S:
        raise ValueError(f"a stretch can be at most {SPLIT_MAX_S / 60:.0f} minutes; give a longer one in parts")
    sid = data.get("speaker")
    if sid != "new" and sid not in speaker_ids:
        raise ValueError("choose one of the speakers or a new speaker")
    out = {"start": start, "end": end, "speaker": sid}
    if sid == "new":
        out["role"] = data.get("role") or "other"
        if out["role"] not in ROLES:
            raise ValueError(f"the role must be one of {', '.join(ROLES)}")
    elif data.get("role"):
        raise ValueError("a role goes with a new speaker; change an existing speaker's role on its own")
    said = [who for seg in segments for who, inside in regroup.pieces(seg, start, end) if inside and who]
    if not said:
        raise ValueError(f"nothing was said between {_clock(start)} and {_clock(end)}")
    if all(who == sid for who in said):
        raise ValueError(f"everything said between {_clock(start)} and {_clock(end)} is already {sid}'s")
    return out


def _clock(seconds: float) -> str:
    """75.5 as '1:15.5', 60 as '1:00'."""
    minutes, tenths = divmod(round(seconds * 10), 600)
    return f"{minutes}:{tenths // 10:02d}" + (f".{tenths % 10}" if tenths % 10 else "")


def _label(value, *, allow_nonq: bool) -> str:
    allowed = LABELS if allow_nonq else LABELS[:2]
    if value not in allowed:
        raise ValueError(f"the label must be one of {', '.join(allowed)}")
    return value


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(float("inf"))
        raise ValueError(f"{name} must be a whole number") from None


def _float(value, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: float(10**400)
        raise ValueError(f"{name} must be a number of seconds") from None
    if out != out:  # NaN
        raise ValueError(f"{name} must be a number of seconds")
    return out
