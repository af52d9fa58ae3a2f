"""Where a job's files live in storage.

Each attempt at a job writes under a folder of its own,
``results/<tenant>/<job>/attempts/<n>/`` (the result document, highlight clips, a
conversion's output), so an attempt that lost its job (declared lost, cancelled) can only
ever remove what it wrote itself, never the files of the attempt that won. A finished
job's files are those of its last attempt (``Job.current_attempt``); jobs finished before
attempts had folders keep theirs directly under the job's folder.
"""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage

from jobs.models import Job

log = logging.getLogger(__name__)

CLIP_SUFFIXES = (".mp4", ".jpg", ".vtt")


def job_folder(job: Job) -> str:
    return f"results/{job.tenant_id}/{job.id}"


def attempt_folder(job: Job, attempt: int) -> str:
    """The folder one attempt writes into."""
    return f"{job_folder(job)}/attempts/{int(attempt)}"


def output_folder(job: Job) -> str:
    """The folder holding a finished job's files."""
    return attempt_folder(job, job.current_attempt) if job.current_attempt else job_folder(job)


def clips_folder(job: Job) -> str:
    return f"{output_folder(job)}/highlights"


def clip_path(job: Job, name: str) -> str:
    """The storage name of highlight file ``name`` (``01.mp4``, ``01.jpg``, ``01.vtt``) of a job."""
    return f"{clips_folder(job)}/{name}"


def stored_names(folder: str) -> list[str]:
    """Every file under a storage folder, recursively ([] if there is none)."""
    try:
        folders, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return []
    names = [f"{folder}/{f}" for f in files]
    for sub in folders:
        names += stored_names(f"{folder}/{sub}")
    return names


def delete_names(names: list[str]) -> None:
    """Remove stored files, logging (not raising) what could not be removed."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError as exc:
            log.warning("could not delete %s: %s", name, exc)
