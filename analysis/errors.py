"""Errors raised by the pipeline.

One error type carries whether retrying can help: a bad upload is ``permanent`` (the same
bytes will fail the same way), a missing model or a full disk is not.
"""

from __future__ import annotations


class AnalysisError(Exception):
    """A failure with a stable ``code`` and a message a coach can read.

    Attributes:
      code: Stable machine-readable reason, e.g. ``"no_audio"``.
      message: One sentence for people; no stack traces, no paths.
      permanent: True when retrying the same input cannot succeed.
    """

    def __init__(self, code: str, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.permanent = permanent

    def __str__(self) -> str:
        return self.message


class Cancelled(Exception):
    """Raised inside the pipeline when the caller's ``should_cancel`` returns True."""
