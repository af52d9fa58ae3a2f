"""Where a recording's and a job's files live in storage: the one module that spells the folders.

A recording is stored under ``videos/<tenant>/<video>/``, and the chunks of an unfinished
chunked upload under ``upload-parts/<upload session>/``. Each attempt at a job writes under a
folder of its own, ``results/<tenant>/<job>/attempts/<n>/`` (the result document, highlight
clips, a conversion's output), so an attempt that lost its job (declared lost, cancelled) can
only ever remove what it wrote itself, never the files of the attempt that won. A finished
job's files are those of its last attempt (``Job.current_attempt``); jobs finished before
attempts had folders keep theirs directly under the job's folder.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage

if TYPE_CHECKING:  # models store their files through this module, so it never imports them
    from jobs.models import Job, Video

log = logging.getLogger(__name__)

# The files of one highlight, by suffix: its kind in the API's artifact list and the type it is
# sent as (a fixed table, not the host's mime.types, so every server answers the same).
CLIP_FILES = {".mp4": ("clip", "video/mp4"), ".jpg": ("thumbnail", "image/jpeg"), ".vtt": ("captions", "text/vtt")}
CLIP_SUFFIXES = tuple(CLIP_FILES)
# Every artifact a job can have, by suffix: the result document, the clips' files, a conversion's output.
CONTENT_TYPES = {
    ".json": "application/json",
    **{suffix: content_type for suffix, (_, content_type) in CLIP_FILES.items()},
    ".webm": "video/webm",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def video_folder(video: Video) -> str:
    """The folder of an uploaded recording."""
    return f"videos/{video.tenant_id}/{video.id}"


def job_folder(job: Job) -> str:
    """The folder of everything a job writes (its attempts' folders are inside)."""
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


UPLOAD_PARTS_FOLDER = "upload-parts"


def upload_parts_folder(session_id) -> str:
    """The folder of an unfinished chunked upload: one object per chunk received."""
    return f"{UPLOAD_PARTS_FOLDER}/{session_id}"


def upload_part_path(session_id, offset: int) -> str:
    """The storage name of the chunk that starts at byte ``offset`` of an upload (zero-padded,
    so the names sort as the offsets do)."""
    return f"{upload_parts_folder(session_id)}/{int(offset):016d}"


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
