"""Turn settings into the option dataclasses that ``analysis`` takes."""

from __future__ import annotations

from django.conf import settings

from analysis.discourse import SESSIONS, DiscourseOptions
from analysis.media import MediaOptions
from analysis.pipeline import PipelineOptions
from analysis.speakers import DiarizeOptions
from analysis.speech import TranscribeOptions


def media_options() -> MediaOptions:
    return MediaOptions(
        max_duration_s=settings.MAX_MEDIA_DURATION_S,
        threads=settings.ANALYSIS_CPU_THREADS,
        max_video_side=settings.MAX_VIDEO_SIDE,
        max_video_pixels=settings.MAX_VIDEO_PIXELS,
    )


def convert_limits() -> dict:
    """The caps on a conversion's output, as ``ConvertOptions`` fields."""
    return {
        "max_side": settings.CONVERT_MAX_SIDE,
        "max_pixels": settings.CONVERT_MAX_PIXELS,
        "max_animated_side": settings.CONVERT_MAX_ANIMATED_SIDE,
        "max_animated_pixels": settings.CONVERT_MAX_ANIMATED_PIXELS,
    }


def parse_speakers(value) -> int | str:
    """``"auto"`` or a whole number 1..MAX_SPEAKERS (from a form, the CLI or a job's options).

    Raises:
      ValueError: with a message for people.
    """
    if value in (None, ""):
        return settings.DIARIZATION_SPEAKERS
    if str(value).strip().lower() == "auto":
        return "auto"
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ValueError(f"speakers must be 'auto' or a number from 1 to {settings.MAX_SPEAKERS}") from None
    if not 1 <= n <= settings.MAX_SPEAKERS:
        raise ValueError(f"speakers must be 'auto' or a number from 1 to {settings.MAX_SPEAKERS}")
    return n


def parse_session(value) -> str:
    if value in (None, ""):
        return settings.DEFAULT_SESSION
    if value not in SESSIONS:
        raise ValueError(f"session must be one of: {', '.join(SESSIONS)}")
    return value


def pipeline_options(
    *, speakers=None, session=None, blur_others=None, render_dir=None, **speech_overrides
) -> PipelineOptions:
    speech = TranscribeOptions(
        model=settings.WHISPER_MODEL,
        device=settings.WHISPER_DEVICE,
        compute_type=settings.WHISPER_COMPUTE_TYPE,
        cpu_threads=settings.ANALYSIS_CPU_THREADS,
        language=settings.WHISPER_LANGUAGE,
        beam_size=settings.WHISPER_BEAM_SIZE,
    )
    for name, value in speech_overrides.items():
        if value is not None:
            setattr(speech, name, value)
    diarize = DiarizeOptions(
        speakers=parse_speakers(speakers),
        max_speakers=settings.MAX_SPEAKERS,
        method=settings.DIARIZATION_METHOD,
        clustering=settings.DIARIZATION_CLUSTERING,
        device=settings.TORCH_DEVICE,
        cpu_threads=settings.ANALYSIS_CPU_THREADS,
    )
    options = PipelineOptions(
        media=media_options(),
        speech=speech,
        speakers=diarize,
        discourse=DiscourseOptions(session=parse_session(session)),
        render_dir=render_dir,
    )
    options.render.blur_others = bool(settings.BLUR_OTHERS_DEFAULT if blur_others is None else blur_others)
    options.render.threads = settings.ANALYSIS_CPU_THREADS
    return options
