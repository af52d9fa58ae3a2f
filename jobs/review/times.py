"""Times as coaches type them, for comments and corrections alike."""

from __future__ import annotations

import math

from cultivate.refusals import Refusal


def parse_time(value, what: str = "the time") -> float:
    """Seconds from ``"75.5"``, ``"1:15"`` or ``"1:02:03"`` (minutes and seconds under 60);
    ``what`` names the field in the refusal ("the start").

    Raises:
      Refusal: ``bad_time`` when it is not a time.
    """
    text = str(value if value is not None else "").strip()
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        raise Refusal("bad_time", f"Give {what} as seconds or mm:ss.") from None
    if len(parts) > 3 or not all(math.isfinite(p) and p >= 0 for p in parts) or any(p >= 60 for p in parts[1:]):
        raise Refusal("bad_time", f"Give {what} as seconds or mm:ss.")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds
