"""Converter jobs: a recording or a rendered highlight clip turned into MP4, WebM, GIF,
animated WebP or Lottie JSON, through the same queue, budget, webhooks and costs as an
analysis (``Job.kind == "convert"``).

The options are checked against the source when the job is submitted, so a bad request is
refused at once with the converter's own message; the worker checks them again.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import fields
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from analysis import convert, media
from cultivate.accounts.models import Tenant
from cultivate.refusals import Refusal, refusing_analysis
from jobs import layout, services
from jobs.media import uploads
from jobs.models import Job, Video
from jobs.options import convert_limits, media_options

OPTION_NAMES = ("format", "fps", "width", "height", "start_s", "end_s", "loop", "quality")


def convert_options(options: dict) -> convert.ConvertOptions:
    """The analysis options of a convert job (settings supply the threads and the size caps)."""
    given = {k: v for k, v in options.items() if k in OPTION_NAMES and v is not None}
    return convert.ConvertOptions(**given, threads=settings.ANALYSIS_CPU_THREADS, **convert_limits())


def conversion_create(
    *,
    tenant: Tenant,
    video: Video,
    created_by,
    options: dict,
    clip: str = "",
    api_key=None,
    priority: str | None = None,
    idempotency_key: str = "",
    webhook=None,
) -> Job:
    """Queue a conversion of ``video`` (or of its analysis job's highlight ``clip``, e.g. ``01.mp4``).

    Raises:
      Refusal: ``bad_option`` (the converter's message), ``no_video``, ``not_found`` for a
        clip that does not exist, ``budget_exceeded``.
    """
    checked = {k: options.get(k) for k in OPTION_NAMES if options.get(k) is not None}
    if checked.get("format") not in convert.FORMATS:
        raise Refusal("bad_option", f"The format must be one of: {', '.join(convert.FORMATS)}.")
    info = None
    if clip:
        path = clip_path(video=video, clip=clip)
        if path is None:
            raise Refusal("not_found", f"There is no highlight clip {clip!r} of this recording.")
        with uploads.stored_path(path) as local, refusing_analysis():
            info = media.probe(local, media_options())
        checked["clip"] = path
    else:
        info = _stored_info(video)
    try:
        with refusing_analysis():
            final = convert.validate(info, convert_options(checked))
    except (TypeError, ValueError) as exc:  # a value of the wrong type
        raise Refusal("bad_option", f"An option is not valid: {exc}.") from None
    segment = (final.end_s or info.duration_s) - final.start_s
    return services.job_create(
        tenant=tenant,
        video=video,
        created_by=created_by,
        api_key=api_key,
        kind=Job.Kind.CONVERT,
        priority=priority,
        options={"webhook": webhook} if webhook else None,
        extra_options=checked,
        idempotency_key=idempotency_key,
        estimate_duration_s=max(segment, 0.0),
    )


def _stored_info(video: Video) -> media.MediaInfo:
    """What the upload's probe said about the recording (no second probe)."""
    known = {f.name for f in fields(media.MediaInfo)}
    facts = {k: v for k, v in (video.probe or {}).items() if k in known}
    facts.setdefault("duration_s", 0.0)
    facts.setdefault("format_name", "")
    facts.setdefault("size_bytes", video.size_bytes)
    return media.MediaInfo(**facts)


def clip_path(*, video: Video, clip: str) -> str | None:
    """The stored path of a highlight clip rendered from ``video`` by one of its analysis jobs."""
    if not (len(clip) == 6 and clip[:2].isdigit() and clip.endswith(".mp4")):
        return None
    for job in video.jobs.filter(kind=Job.Kind.ANALYZE, status=Job.Status.SUCCEEDED).order_by("-finished_at"):
        path = layout.clip_path(job, clip)
        if default_storage.exists(path):
            return path
    return None


def conversion_run(job: Job, on_progress, should_cancel) -> tuple[dict, int]:
    """Convert the job's source and store the output in the folder of the attempt that holds
    the job (``job.current_attempt``). Returns (result document, stored bytes). Runs in the
    worker."""
    started, clock = os.times(), time.monotonic()
    source = job.options.get("clip") or job.video.file.name
    with uploads.stored_path(source) as path, tempfile.TemporaryDirectory(prefix="convert-") as folder:
        options = convert_options(job.options)
        out = Path(folder) / f"output{convert.EXTENSIONS[options.format]}"
        result = convert.convert(
            path, str(out), options, on_progress=on_progress, should_cancel=should_cancel, media_options=media_options()
        )
        name = f"{layout.attempt_folder(job, job.current_attempt)}/{out.name}"
        with open(out, "rb") as f:
            stored = default_storage.save(name, f)
    ended = os.times()
    cpu_s = sum(ended[:4]) - sum(started[:4])  # this process and its ffmpeg children
    wall_s = round(time.monotonic() - clock, 3)
    document = {
        "schema": "cultivate.convert/1",
        "source": {"name": job.video.original_name, "clip": job.options.get("clip") and Path(source).name},
        "output": {**result.to_dict(), "path": None, "name": Path(stored).name},
        "options": {k: job.options[k] for k in OPTION_NAMES if k in job.options},
        "timings": {
            "convert": {"wall_s": wall_s, "cpu_s": round(cpu_s, 3), "device": "cpu"},
            "total": {"wall_s": wall_s, "cpu_s": round(cpu_s, 3), "device": "cpu"},
        },
    }
    return document, result.size_bytes


def output_name(job: Job) -> str | None:
    """The stored output file of a finished convert job."""
    if job.kind != Job.Kind.CONVERT or job.status != Job.Status.SUCCEEDED:
        return None
    folder = layout.output_folder(job)
    for ext in convert.EXTENSIONS.values():
        if default_storage.exists(f"{folder}/output{ext}"):
            return f"{folder}/output{ext}"
    return None
