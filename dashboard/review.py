"""Shape a ``cultivate.result/1`` document for the job page: colours, timeline geometry,
chart data. Presentation only; every number comes from the result."""

from __future__ import annotations

PALETTE = 6  # speaker colours in app.css: .spk-0 ... .spk-5


def review_context(result: dict) -> dict:
    duration = (result.get("media") or {}).get("duration_s") or 0
    speakers = result.get("speakers") or []
    colour = {s["id"]: i % PALETTE for i, s in enumerate(speakers)}
    role = {s["id"]: s.get("role") or s["id"] for s in speakers}

    def pct(t: float) -> float:
        return round(100 * t / duration, 3) if duration else 0.0

    segments = [
        {**seg, "colour": colour.get(seg.get("speaker"), 0), "role": role.get(seg.get("speaker"), "")}
        for seg in result.get("segments", [])
    ]
    timeline = [
        {"left": pct(s["start"]), "width": max(pct(s["end"] - s["start"]), 0.15), "colour": s["colour"],
         "title": f"{s['role']} {s['start']:.0f}-{s['end']:.0f} s"}
        for s in segments
    ]  # fmt: skip
    overlaps = [
        {"left": pct(o["start"]), "width": max(pct(o["end"] - o["start"]), 0.15),
         "title": f"Two voices at once ({' and '.join(role.get(sid, sid) for sid in o.get('speakers') or [])}) "
                  f"{o['start']:.0f}-{o['end']:.0f} s"}
        for o in result.get("overlaps") or []
    ]  # fmt: skip
    # A question's number in the machine's list, which a label correction names: given by the
    # corrections when there are any, else its place in the list.
    corrected = bool(result.get("corrections"))
    questions = [
        {**q, "left": pct(q["start"]), "role": role.get(q.get("speaker"), ""),
         "answered_role": role.get(q.get("answered_by"), "") if q.get("answered_by") else "",
         "index": q.get("index") if corrected else i}
        for i, q in enumerate(result.get("questions", []))
    ]  # fmt: skip
    metrics = result.get("metrics") or {}
    chart = {
        "talk": {
            "labels": [f"{role[s['id']].title()} ({s['id']})" for s in speakers],
            "values": [round(100 * s.get("talk_share", 0), 1) for s in speakers],
            "colours": [colour[s["id"]] for s in speakers],
        },
        "questions": {"oeq": metrics.get("oeq_count", 0), "ceq": metrics.get("ceq_count", 0)},
        "waits": {
            "labels": [f"{q['start']:.0f}s" for q in questions],
            "values": [q.get("wait_time_s") for q in questions],
            "kinds": [q["label"] for q in questions],
        },
        "wait_spread": wait_spread(questions),
    }
    visual = result.get("visual") or {}
    samples = visual.get("samples") or []
    step = max(1, len(samples) // 600)  # at most ~600 points on the chart
    chart["visual"] = {
        "t": [s["t"] for s in samples[::step]],
        "presence": [1 if s["faces"] else 0 for s in samples[::step]],
        "motion": [s["motion"] for s in samples[::step]],
        "engagement": [s["engagement"] for s in samples[::step]],
    }
    spots = [
        {**h, "left": pct(h["start"]), "width": pct(h["end"] - h["start"]), "number": i + 1}
        for i, h in enumerate(result.get("highlights") or [])
    ]
    return {
        "highlights": spots,
        "qa": result.get("qa"),
        "segments": segments,
        "timeline": timeline,
        "overlaps": overlaps,
        "speakers": [{**s, "colour": colour[s["id"]]} for s in speakers],
        "questions": questions,
        "metrics": metrics,
        "notes": result.get("notes") or [],
        "chart": chart,
        "has_speakers": bool(speakers),
    }


WAIT_BINS = [(0, 1, "under 1 s"), (1, 2, "1-2 s"), (2, 3, "2-3 s"), (3, 5, "3-5 s"), (5, None, "5 s or more")]


def wait_spread(questions: list[dict]) -> dict:
    """How many waits fell in each band, per label (3 s or more is the research-backed goal)."""
    out = {"labels": [b[2] for b in WAIT_BINS], "OEQ": [0] * len(WAIT_BINS), "CEQ": [0] * len(WAIT_BINS)}
    for q in questions:
        wait = q.get("wait_time_s")
        if wait is None or q.get("label") not in ("OEQ", "CEQ"):
            continue
        i = next(i for i, (low, high, _) in enumerate(WAIT_BINS) if high is None or low <= wait < high)
        out[q["label"]][i] += 1
    return out
