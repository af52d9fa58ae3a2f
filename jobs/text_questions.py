"""Transcript-only question analysis: label lines of text with the question classifier.

Labels are cached in Redis (Django's cache) by a hash of the text and the classifier's
version, so the same lines never go through the model twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass

from django.core.cache import cache
from redis.exceptions import RedisError

from analysis import questions

log = logging.getLogger(__name__)

# "Teacher: What do you see?" -> speaker "Teacher". A short name without punctuation only.
_SPEAKER = re.compile(r"^\s*([A-Za-z][\w .'-]{0,30}):\s+(\S.*)$")
CACHE_SECONDS = 30 * 86400
MAX_LINES = 5000
PUBLIC_LABELS = {"OEQ": "OEQ", "CEQ": "CEQ", "NQ": "NONQ"}


@dataclass
class LabelledLine:
    speaker: str
    text: str
    label: str  # OEQ, CEQ or NONQ
    confidence: float
    cue: str


def split_speaker(line: str) -> tuple[str, str]:
    match = _SPEAKER.match(line)
    return (match.group(1).strip(), match.group(2).strip()) if match else ("", line.strip())


def label_lines(lines: list[str]) -> list[LabelledLine]:
    """Label each non-blank line (an optional ``speaker:`` prefix is kept apart).

    Raises:
      ValueError: more than ``MAX_LINES`` lines.
    """
    rows = [split_speaker(line) for line in lines if line.strip()]
    if len(rows) > MAX_LINES:
        raise ValueError(f"At most {MAX_LINES} lines at a time.")
    version = questions.model_version()
    keys = {text: f"questions:{version}:{hashlib.sha256(text.encode()).hexdigest()}" for _, text in rows}
    try:
        cached = cache.get_many(list(set(keys.values())))
    except RedisError as exc:  # labelling still works without the cache
        log.warning("question cache unavailable: %s", exc)
        cached = {}
    missing = sorted({text for _, text in rows if keys[text] not in cached})
    if missing:
        fresh = {keys[t]: asdict(label) for t, label in zip(missing, questions.classify(missing), strict=True)}
        try:
            cache.set_many(fresh, timeout=CACHE_SECONDS)
        except RedisError as exc:
            log.warning("question cache unavailable: %s", exc)
        cached.update(fresh)
    out = []
    for speaker, text in rows:
        found = cached[keys[text]]
        out.append(LabelledLine(speaker, text, PUBLIC_LABELS[found["label"]], found["confidence"], found["cue"]))
    return out


def summary(lines: list[LabelledLine]) -> dict:
    oeq = sum(x.label == "OEQ" for x in lines)
    ceq = sum(x.label == "CEQ" for x in lines)
    return {
        "lines": len(lines),
        "oeq_count": oeq,
        "ceq_count": ceq,
        "question_count": oeq + ceq,
        "oeq_share": round(oeq / (oeq + ceq), 3) if oeq + ceq else None,
    }
