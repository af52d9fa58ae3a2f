"""RQ entry points: plain functions that take ids, load the row and call services."""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

from django import db
from django.conf import settings
from django.db import InterfaceError, OperationalError
from redis.exceptions import RedisError
from rq import get_current_job
from rq.timeouts import JobTimeoutException

from analysis import pipeline
from analysis.errors import AnalysisError, Cancelled
from cultivate.refusals import Refusal
from jobs import attempts
from jobs.billing import costs
from jobs.media import conversions, uploads
from jobs.models import Job
from jobs.options import pipeline_options
from jobs.webhooks import deliveries

log = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "Something went wrong on our side while analysing this recording. It has been logged; please try again."
)


TIMED_OUT = (
    "Analysing this recording took longer than its time limit, so it was stopped. Try again, or split the recording."
)

# Failures worth another attempt: the machine or a service hiccupped, not the recording.
TRANSIENT = (MemoryError, OSError, RedisError, OperationalError, InterfaceError)


def run_job(job_id: str) -> None:
    """Run one analysis job from start to finish; never raises for a bad recording.

    Bad media fails at once with its message; a transient failure (out of memory, storage,
    database or Redis hiccup, a model that could not load) is retried with backoff; a
    cancel, or the reconciler giving the job to another worker, is seen through the
    heartbeat or a progress write (the attempt's fence) and stops the pipeline within
    seconds. Whatever this attempt stored is removed unless it is the one that succeeded.
    """
    rq_job = get_current_job()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    job = attempts.job_start(job_id=job_id, rq_id=rq_job.id if rq_job else "", worker=worker)
    if job is None:
        log.info("job %s is not queued any more; nothing to do", job_id)
        return
    attempt = job.current_attempt
    clock = _AttemptClock()
    progress = _ProgressReporter(job_id, attempt)
    heartbeat = _Heartbeat(job_id, attempt, progress, clock)
    heartbeat.start()
    try:
        if job.kind == Job.Kind.CONVERT:
            document, stored_bytes = conversions.conversion_run(job, progress, progress.stopped)
        else:
            document, stored_bytes = _analyse(job, attempt, progress)
        attempts.job_succeed(
            job_id=job_id, attempt=attempt, result=document, stored_bytes=stored_bytes, usage=clock.usage()
        )
    except (AnalysisError, Refusal) as exc:  # the pipeline's failure, or a service's refusal
        log.info("job %s failed: %s (%s)", job_id, exc.message, exc.code)
        if exc.permanent:
            attempts.job_fail(job_id=job_id, attempt=attempt, code=exc.code, message=exc.message, usage=clock.usage())
        else:
            _retry(job_id, attempt, exc.code, exc.message, clock)
    except Cancelled:
        log.info("job %s stopped: this attempt no longer holds it", job_id)
    except JobTimeoutException:
        log.warning("job %s ran past its time limit", job_id)
        attempts.job_fail(job_id=job_id, attempt=attempt, code="timed_out", message=TIMED_OUT, usage=clock.usage())
    except TRANSIENT as exc:
        log.warning("job %s hit a transient failure: %r", job_id, exc)
        _retry(job_id, attempt, "transient_error", _transient_message(exc), clock)
    except Exception:
        # The worker survives and the row says what happened; the traceback goes to the log.
        log.exception("job %s crashed", job_id)
        attempts.job_fail(
            job_id=job_id, attempt=attempt, code="internal_error", message=INTERNAL_ERROR, usage=clock.usage()
        )
    finally:
        heartbeat.stop()
        attempts.job_discard_attempt(job=job, attempt=attempt)  # a no-op for the attempt that won


def _retry(job_id: str, attempt: int, code: str, message: str, clock: _AttemptClock) -> None:
    attempts.job_retry_or_fail(job_id=job_id, attempt=attempt, code=code, message=message, usage=clock.usage())


def _analyse(job: Job, attempt: int, progress) -> tuple[dict, int]:
    """Run the pipeline; store the clips in the attempt's folder. Returns (result document,
    stored bytes)."""
    with uploads.stored_path(job.video.file.name) as path, tempfile.TemporaryDirectory(prefix="clips-") as clips:
        options = pipeline_options(**_analysis_options(job.options), render_dir=clips if job.renders else None)
        result = pipeline.run(path, options, on_progress=progress, should_cancel=progress.stopped)
        if not attempts.job_progress(job_id=job.id, attempt=attempt, stage="saving", progress=97):
            raise Cancelled()
        result.source_name = job.video.original_name
        attempts.job_store_artifacts(job=job, attempt=attempt, folder=clips)
        stored_bytes = sum(p.stat().st_size for p in Path(clips).glob("*") if p.is_file())
    return result.to_dict(), stored_bytes


def _analysis_options(options: dict) -> dict:
    """A job's options less those the job engine keeps for itself (rendering, its webhook)."""
    return {k: v for k, v in options.items() if k not in ("render", "webhook")}


def _transient_message(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "The worker ran out of memory."
    if isinstance(exc, RedisError):
        return "The queue (Redis) could not be reached."
    if isinstance(exc, (OperationalError, InterfaceError)):
        return "The database could not be reached."
    return f"A file or network operation failed: {exc.__class__.__name__}."


class _AttemptClock:
    """CPU seconds this attempt has used: the worker process's and its finished ffmpeg
    children's, since the attempt started (a worker runs one job at a time)."""

    def __init__(self) -> None:
        self.start = self._now()

    @staticmethod
    def _now() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def usage(self) -> costs.Usage:
        return costs.Usage(cpu_s=round(self._now() - self.start, 3))


class _Heartbeat(threading.Thread):
    """Writes ``heartbeat_at`` (and the CPU used so far) every ``JOB_HEARTBEAT_S`` while the
    job runs.

    The reconciler treats a running job without a recent heartbeat as lost. When the write
    finds that this attempt no longer holds the job (cancelled, or taken back by the
    reconciler), it tells the progress reporter, so the pipeline stops at its next check
    even in a stage that reports no progress. A failed write (the database away, any
    error) is logged and tried again at the next beat: this thread must outlive them all,
    or a healthy worker would be declared lost.
    """

    def __init__(self, job_id: str, attempt: int, progress: _ProgressReporter, clock: _AttemptClock) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id, self.attempt, self.progress, self.clock = job_id, attempt, progress, clock
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(settings.JOB_HEARTBEAT_S):
                try:
                    if not attempts.job_heartbeat(job_id=self.job_id, attempt=self.attempt, usage=self.clock.usage()):
                        self.progress.running = False
                        return
                except Exception as exc:  # noqa: BLE001 (see the class docstring)
                    log.warning("heartbeat for job %s not written: %r", self.job_id, exc)
                    db.connection.close()  # a broken connection is opened afresh next time
        finally:
            db.connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


class _ProgressReporter:
    """Turns the pipeline's frequent progress calls into at most ~2 writes a second.

    Also answers ``stopped()``: True once this attempt no longer holds the job (cancelled
    or taken back elsewhere), which makes the pipeline stop early.
    """

    MIN_INTERVAL_S = 0.5

    def __init__(self, job_id: str, attempt: int) -> None:
        self.job_id, self.attempt = job_id, attempt
        self.stage = ""
        self.percent = -1
        self.last_write = 0.0
        self.running = True
        self.event_stage = ""
        self.last_event = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        percent = int(fraction * 95)  # the last 5 % are saving the result
        now = time.monotonic()
        if stage == self.stage and (percent == self.percent or now - self.last_write < self.MIN_INTERVAL_S):
            return
        self.stage, self.percent, self.last_write = stage, percent, now
        # Once fenced out, always: a later write cannot bring the attempt back.
        self.running = self.running and attempts.job_progress(
            job_id=self.job_id, attempt=self.attempt, stage=stage, progress=percent
        )
        # The job.progress webhook: on each new stage, else at most every WEBHOOK_PROGRESS_EVERY_S.
        if self.running and (stage != self.event_stage or now - self.last_event >= settings.WEBHOOK_PROGRESS_EVERY_S):
            self.event_stage, self.last_event = stage, now
            attempts.job_progress_event(job_id=self.job_id, attempt=self.attempt)

    def stopped(self) -> bool:
        return not self.running


def deliver_webhook(delivery_id: str) -> None:
    """Make one attempt at a webhook delivery (RQ entry point; retries are scheduled in the row)."""
    status = deliveries.delivery_send(delivery_id=delivery_id)
    log.info("webhook delivery %s: %s", delivery_id, status or "not due, skipped")
