"""RQ entry points: plain functions that take ids, load the row and call services."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from rq import get_current_job

from analysis import pipeline
from analysis.errors import AnalysisError, Cancelled
from jobs import services
from jobs.options import pipeline_options

log = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "Something went wrong on our side while analysing this recording. It has been logged; please try again."
)


def run_job(job_id: str) -> None:
    """Run one analysis job from start to finish; never raises for a bad recording."""
    rq_job = get_current_job()
    job = services.job_start(job_id=job_id, rq_id=rq_job.id if rq_job else "")
    if job is None:
        log.info("job %s is not queued any more; nothing to do", job_id)
        return
    progress = _ProgressReporter(job_id)
    try:
        with _local_copy(job.video.file) as path, tempfile.TemporaryDirectory(prefix="clips-") as clips:
            options = pipeline_options(**job.options, render_dir=clips)
            result = pipeline.run(path, options, on_progress=progress, should_cancel=progress.stopped)
            services.job_progress(job_id=job_id, stage="saving", progress=97)
            services.job_store_artifacts(job_id=job_id, folder=clips)
        result.source_name = job.video.original_name
        services.job_succeed(job_id=job_id, result=result.to_dict())
    except AnalysisError as exc:
        log.info("job %s failed: %s (%s)", job_id, exc.message, exc.code)
        services.job_fail(job_id=job_id, code=exc.code, message=exc.message)
    except Cancelled:
        log.info("job %s stopped: it is no longer running", job_id)
    except Exception:
        # The worker survives and the row says what happened; the traceback goes to the log.
        log.exception("job %s crashed", job_id)
        services.job_fail(job_id=job_id, code="internal_error", message=INTERNAL_ERROR)


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

    def __call__(self, stage: str, fraction: float) -> None:
        percent = int(fraction * 95)  # the last 5 % are saving the result
        now = time.monotonic()
        if stage == self.stage and (percent == self.percent or now - self.last_write < self.MIN_INTERVAL_S):
            return
        self.stage, self.percent, self.last_write = stage, percent, now
        self.running = services.job_progress(job_id=self.job_id, stage=stage, progress=percent)

    def stopped(self) -> bool:
        return not self.running


@contextmanager
def _local_copy(field_file):
    """A local path for a stored file: the file itself on local disk, a temp copy otherwise."""
    try:
        local = field_file.path
    except NotImplementedError:
        local = None  # remote storage (S3, Azure): copy it down first
    if local:
        yield local
        return
    suffix = Path(field_file.name).suffix
    fd, tmp = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out, field_file.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
        yield tmp
    finally:
        os.unlink(tmp)
