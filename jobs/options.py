"""Turn settings into the option dataclasses that ``analysis`` takes."""

from __future__ import annotations

from django.conf import settings

from analysis.media import MediaOptions
from analysis.pipeline import PipelineOptions
from analysis.speech import TranscribeOptions


def media_options() -> MediaOptions:
    return MediaOptions(max_duration_s=settings.MAX_MEDIA_DURATION_S, threads=settings.ANALYSIS_CPU_THREADS)


def pipeline_options(**speech_overrides) -> PipelineOptions:
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
    return PipelineOptions(media=media_options(), speech=speech)
