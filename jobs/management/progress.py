"""A command's progress line on a terminal: ``stage  42%``, rewritten in place."""

from __future__ import annotations


class TerminalProgress:
    """Called as ``progress(stage, fraction)``; ``clear()`` wipes the line before other output."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.last = -1

    def __call__(self, stage: str, fraction: float) -> None:
        percent = int(fraction * 100)
        if percent != self.last:
            self.last = percent
            self.stream.write(f"\r{stage:<13} {percent:3d}%", ending="")
            self.stream.flush()

    def clear(self) -> None:
        if self.last >= 0:
            self.stream.write("\r" + " " * 20 + "\r", ending="")
