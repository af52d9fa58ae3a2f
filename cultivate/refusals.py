"""Refusals: a request turned down on purpose, with a stable code, a message people can read,
and the HTTP status that says why.

Every layer above ``analysis`` refuses with ``Refusal``: services (a spent budget, a comment
past the end of the recording, an invitation that expired), the REST API's views and the pages.
The API renders it as ``{"error": {"code", "message", "details"}}`` (``cultivate.api.errors``),
the pages as their own message with the same status. The pipeline keeps its own
``AnalysisError``; ``refusing_analysis()`` turns one into a refusal where a service checks
input with the pipeline's code (probing an upload, checking a conversion).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from analysis.errors import AnalysisError

# The status of a refusal, by its code, where it is not a plain 400 ("this input is not valid").
# One table for every caller: ``docs/api.md`` lists the codes.
STATUS = {
    "forbidden": 403,
    "priority_not_allowed": 403,
    "not_found": 404,
    "short_chunk": 400,
    "wrong_offset": 409,
    "upload_incomplete": 409,
    "upload_closed": 409,
    "upload_lost": 409,
    "webhook_disabled": 409,
    "webhook_limit": 409,
    "budget_exceeded": 402,
    "too_large": 413,
    "bad_type": 415,
    "too_many_uploads": 429,
    "rate_limited": 429,
}
UNAVAILABLE = 503  # a passing fault on our side (``permanent=False``): try again later


class Refusal(Exception):
    """A request refused on purpose.

    Attributes:
      code: Stable, machine-readable reason, e.g. ``"budget_exceeded"``.
      message: One sentence for people; no stack traces, no paths.
      status: The HTTP status: given, else ``STATUS`` by code, else 400 (503 when not ``permanent``:
        a passing fault on our side).
      permanent: False when the same request may succeed later (a chunk cut short, a tool missing).
      details: Anything else a client may use (field errors), or None.
    """

    def __init__(
        self, code: str, message: str, status: int | None = None, *, permanent: bool = True, details=None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.permanent = permanent
        self.status = status or STATUS.get(code) or (400 if permanent else UNAVAILABLE)
        self.details = details

    def __str__(self) -> str:
        return self.message

    def body(self) -> dict:
        """The one error body of the API and of the pages' JSON answers."""
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


@contextmanager
def refusing_analysis() -> Iterator[None]:
    """Inside it, the pipeline's ``AnalysisError`` comes out as a ``Refusal`` with the same code,
    message and permanence."""
    try:
        yield
    except AnalysisError as exc:
        raise Refusal(exc.code, exc.message, permanent=exc.permanent) from None
