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
from cultivate.refusals import Refusal

log = logging.getLogger(__name__)

# "Teacher: What do you see?" -> speaker "Teacher". A short name without punctuation only.
_SPEAKER = re.compile(r"^\s*([A-Za-z][\w .'-]{0,30}):\s+(\S.*)$")
CACHE_SECONDS = 30 * 86400
# What one request may ask for (the page and the API alike): the classifier's work grows with
# both, and nothing else bounds them.
MAX_LINES = 500
MAX_CHARS = 100_000
PUBLIC_LABELS = {"OEQ": "OEQ", "CEQ": "CEQ", "NQ": "NONQ"}


class TextTooLarge(Refusal):
    """More lines or characters than one request may label (``413 text_too_large``)."""

    def __init__(self, message: str) -> None:
        super().__init__("text_too_large", message, 413)


def check_size(lines: list[str]) -> None:
    """Raises:
    TextTooLarge: more than ``MAX_LINES`` non-blank lines or ``MAX_CHARS`` characters."""
    if sum(1 for line in lines if line.strip()) > MAX_LINES:
        raise TextTooLarge(f"At most {MAX_LINES} lines at a time.")
    if sum(len(line) for line in lines) > MAX_CHARS:
        raise TextTooLarge(f"At most {MAX_CHARS:,} characters at a time.")


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
      TextTooLarge: more than ``MAX_LINES`` lines or ``MAX_CHARS`` characters.
    """
    check_size(lines)
    rows = [split_speaker(line) for line in lines if line.strip()]
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
