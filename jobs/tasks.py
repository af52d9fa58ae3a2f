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

from analysis import pipeline
from analysis.errors import AnalysisError, Cancelled
from jobs import conversions, services, uploads, webhooks
from jobs.models import Job
from jobs.options import pipeline_options

log = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "Something went wrong on our side while analysing this recording. It has been logged; please try again."
)


# Failures worth another attempt: the machine or a service hiccupped, not the recording.
TRANSIENT = (MemoryError, OSError, RedisError, OperationalError, InterfaceError)


def run_job(job_id: str) -> None:
    """Run one analysis job from start to finish; never raises for a bad recording.

    Bad media fails at once with its message; a transient failure (out of memory, storage,
    database or Redis hiccup, a model that could not load) is retried with backoff; a
    cancel, seen through the heartbeat or a progress write, stops the pipeline within seconds.
    """
    rq_job = get_current_job()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    job = services.job_start(job_id=job_id, rq_id=rq_job.id if rq_job else "", worker=worker)
    if job is None:
        log.info("job %s is not queued any more; nothing to do", job_id)
        return
    progress = _ProgressReporter(job_id)
    heartbeat = _Heartbeat(job_id, progress)
    heartbeat.start()
    try:
        if job.kind == Job.Kind.CONVERT:
            document, stored, stored_bytes = conversions.conversion_run(job, progress, progress.stopped)
        else:
            document, stored, stored_bytes = _analyse(job, progress)
        if not services.job_succeed(job_id=job_id, result=document, stored_bytes=stored_bytes):
            services.job_discard_artifacts(stored)  # cancelled while saving: leave nothing behind
    except AnalysisError as exc:
        log.info("job %s failed: %s (%s)", job_id, exc.message, exc.code)
        if exc.permanent:
            services.job_fail(job_id=job_id, code=exc.code, message=exc.message)
        else:
            services.job_retry_or_fail(job_id=job_id, code=exc.code, message=exc.message)
    except Cancelled:
        log.info("job %s stopped: it is no longer running", job_id)
    except TRANSIENT as exc:
        log.warning("job %s hit a transient failure: %r", job_id, exc)
        services.job_retry_or_fail(job_id=job_id, code="transient_error", message=_transient_message(exc))
    except Exception:
        # The worker survives and the row says what happened; the traceback goes to the log.
        log.exception("job %s crashed", job_id)
        services.job_fail(job_id=job_id, code="internal_error", message=INTERNAL_ERROR)
    finally:
        heartbeat.stop()


def _analyse(job: Job, progress) -> tuple[dict, list[str], int]:
    """Run the pipeline; store the clips. Returns (result document, stored names, stored bytes)."""
    with uploads.stored_path(job.video.file.name) as path, tempfile.TemporaryDirectory(prefix="clips-") as clips:
        options = pipeline_options(**_analysis_options(job.options), render_dir=clips if job.renders else None)
        result = pipeline.run(path, options, on_progress=progress, should_cancel=progress.stopped)
        services.job_progress(job_id=job.id, stage="saving", progress=97)
        result.source_name = job.video.original_name
        stored = services.job_store_artifacts(job_id=job.id, folder=clips)
        stored_bytes = sum(p.stat().st_size for p in Path(clips).glob("*") if p.is_file())
    return result.to_dict(), stored, stored_bytes


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


class _Heartbeat(threading.Thread):
    """Writes ``heartbeat_at`` every ``JOB_HEARTBEAT_S`` while the job runs.

    The reconciler treats a running job without a recent heartbeat as lost. When the write
    finds the job no longer running (cancelled, or taken back by the reconciler), it tells
    the progress reporter, so the pipeline stops at its next check even in a stage that
    reports no progress.
    """

    def __init__(self, job_id: str, progress: _ProgressReporter) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id, self.progress = job_id, progress
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(settings.JOB_HEARTBEAT_S):
                try:
                    if not services.job_heartbeat(job_id=self.job_id):
                        self.progress.running = False
                        return
                except (OperationalError, InterfaceError) as exc:
                    log.warning("heartbeat for job %s not written: %s", self.job_id, exc)
        finally:
            db.connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


class _ProgressReporter:
    """Turns the pipeline's frequent progress calls into at most ~2 writes a second.

    Also answers ``stopped()``: True once the row is no longer running (cancelled or
    failed elsewhere), which makes the pipeline stop early.
    """

    MIN_INTERVAL_S = 0.5

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
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
        self.running = services.job_progress(job_id=self.job_id, stage=stage, progress=percent)
        # The job.progress webhook: on each new stage, else at most every WEBHOOK_PROGRESS_EVERY_S.
        if self.running and (stage != self.event_stage or now - self.last_event >= settings.WEBHOOK_PROGRESS_EVERY_S):
            self.event_stage, self.last_event = stage, now
            services.job_progress_event(job_id=self.job_id)

    def stopped(self) -> bool:
        return not self.running


def deliver_webhook(delivery_id: str) -> None:
    """Make one attempt at a webhook delivery (RQ entry point; retries are scheduled in the row)."""
    status = webhooks.delivery_send(delivery_id=delivery_id)
    log.info("webhook delivery %s: %s", delivery_id, status or "not due, skipped")
