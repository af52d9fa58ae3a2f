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
"""

from __future__ import annotations

import copy

from analysis import discourse

KINDS = ("label", "add", "speaker", "swap")
LABELS = ("OEQ", "CEQ", "NONQ")
ROLES = ("teacher", "child", "coach", "other")
ANSWER_WINDOW_S = 10.0


def validate(result: dict, kind: str, data: dict) -> dict:
    """Check one correction against the result; returns it cleaned.

    Raises:
      ValueError: with a message for people.
    """
    questions = result.get("questions") or []
    speaker_ids = [s["id"] for s in result.get("speakers") or []]
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
    speakers = {s["id"]: s for s in out.get("speakers") or []}
    machine = out.get("questions") or []
    labels: dict[int, str] = {}
    added: list[dict] = []
    for c in corrections:
        kind, data = c["kind"], c["data"]
        if kind == "label" and data["question"] < len(machine):
            labels[data["question"]] = data["label"]
        elif kind == "add":
            added.append(data)
        elif kind == "speaker" and data["speaker"] in speakers:
            s = speakers[data["speaker"]]
            s.setdefault("machine_role", s.get("role"))
            s.update({k: v for k, v in data.items() if k in ("role", "name")})
        elif kind == "swap" and data["a"] in speakers and data["b"] in speakers:
            a, b = speakers[data["a"]], speakers[data["b"]]
            for s in (a, b):
                s.setdefault("machine_role", s.get("role"))
            for key in ("role", "name"):
                a[key], b[key] = b.get(key), a.get(key)
            for s in (a, b):
                if s.get("name") is None:
                    s.pop("name", None)
    questions = []
    for i, q in enumerate(machine):
        label = labels.get(i, q["label"])
        if label != q["label"]:
            q = {**q, "machine_label": q["label"], "label": label}
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
    following = [s for s in segments if s["start"] >= end - 0.01 and s is not at]
    nxt = following[0] if following else None
    wait = round(max(nxt["start"] - end, 0.0), 2) if nxt else None
    answered = next(
        (s.get("speaker") for s in following if s["start"] - end <= ANSWER_WINDOW_S and s.get("speaker") != speaker),
        None,
    )
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


def _label(value, *, allow_nonq: bool) -> str:
    allowed = LABELS if allow_nonq else LABELS[:2]
    if value not in allowed:
        raise ValueError(f"the label must be one of {', '.join(allowed)}")
    return value


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number") from None


def _float(value, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of seconds") from None
    if out != out:  # NaN
        raise ValueError(f"{name} must be a number of seconds")
    return out
