"""Keep a set of processes running: whichever dies is started again, after a backoff.

``manage.py serve`` (what `make run` starts) runs the web, the workers, the reconciler and
perhaps Redis under one ``Supervisor``. One child dying (a worker killed for memory on a long
recording, a crash) must not take the product down: the supervisor logs it, counts it and
starts it again after ``first_backoff_s``, doubling for each death in a row up to
``max_backoff_s``; a child that ran ``stable_after_s`` before dying starts from the first
backoff again. Only ``stop()`` (Ctrl-C or SIGTERM to serve) ends them, in reverse order of
start, so Redis, started first, stops last.

Each child leads a process group of its own: what it started (uvicorn's worker processes)
is killed with it when it dies, so nothing is left holding its port, and a terminal's Ctrl-C
reaches the supervisor alone, which then stops the children in order. Children also get
SIGTERM if the supervisor itself dies (Linux), rather than running on unsupervised.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0
STOP_TIMEOUT_S = 10.0  # per child, before it is killed
_PR_SET_PDEATHSIG = 1
# Loaded here, not in the forked child (where little is safe to do before exec).
_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None


@dataclass
class Child:
    """One supervised process and what the supervisor knows of it."""

    name: str
    cmd: list[str]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff_s: float = FIRST_BACKOFF_S
    due_at: float | None = None  # set while it waits out a backoff
    env: dict | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Supervisor:
    def __init__(
        self,
        say: Callable[[str], None],
        *,
        first_backoff_s: float = FIRST_BACKOFF_S,
        max_backoff_s: float = MAX_BACKOFF_S,
        stable_after_s: float = STABLE_AFTER_S,
    ) -> None:
        self.say = say
        self.first_backoff_s = first_backoff_s
        self.max_backoff_s = max_backoff_s
        self.stable_after_s = stable_after_s
        self.children: list[Child] = []

    def start(self, name: str, cmd: list[str], *, env: dict | None = None) -> Child:
        child = Child(name, cmd, backoff_s=self.first_backoff_s, env=env)
        self.children.append(child)
        self._spawn(child)
        return child

    def check(self) -> None:
        """Notice children that died; start again those whose backoff is over."""
        now = time.monotonic()
        for child in self.children:
            if child.due_at is not None:
                if now >= child.due_at:
                    self._spawn(child)
            elif child.proc is not None and child.proc.poll() is not None:
                self._died(child, now)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Stop every child, last started first: SIGTERM, then SIGKILL after ``timeout_s``."""
        for child in reversed(self.children):
            child.due_at = None
            proc = child.proc
            if proc is None:
                continue
            if proc.poll() is None:
                _signal(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout_s)
                except subprocess.TimeoutExpired:
                    self.say(f"{child.name} did not stop within {timeout_s:g} s; killing it")
            _kill_group(proc.pid)  # the child if it is still there, and anything it left behind
            proc.wait()
        if any(c.restarts for c in self.children):
            self.say("restarts: " + ", ".join(f"{c.name} {c.restarts}" for c in self.children))
        self.children.clear()

    def _spawn(self, child: Child) -> None:
        self.say(f"starting {child.name}" + (f" (restart {child.restarts})" if child.restarts else ""))
        # preexec_fn is safe here: serve forks from its one thread.
        child.proc = subprocess.Popen(child.cmd, env=child.env, start_new_session=True, preexec_fn=_die_with_parent)
        child.started_at = time.monotonic()
        child.due_at = None

    def _died(self, child: Child, now: float) -> None:
        _kill_group(child.proc.pid)  # e.g. uvicorn's worker processes, still holding the port
        if now - child.started_at >= self.stable_after_s:
            child.backoff_s = self.first_backoff_s
        delay = child.backoff_s
        child.backoff_s = min(delay * 2, self.max_backoff_s)
        child.restarts += 1
        child.due_at = now + delay
        self.say(f"{child.name} exited ({child.proc.returncode}); restarting in {delay:g} s (restart {child.restarts})")


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor goes (Linux only)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
