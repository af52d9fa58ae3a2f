"""Run the stages over one media file and gather a ``cultivate.result/1`` result.

The caller passes two callbacks, so this package never touches a database, a queue or a
socket: ``on_progress(stage, fraction)`` reports overall progress in 0..1 and
``should_cancel()`` is polled between stages and inside long ones.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from analysis import media, speech
from analysis.errors import Cancelled

SCHEMA = "cultivate.result/1"

# Stage name -> (start, end) of its share of overall progress. Transcription dominates.
STAGES = {
    "probing": (0.0, 0.02),
    "decoding": (0.02, 0.08),
    "transcribing": (0.08, 1.0),
}

ProgressFn = Callable[[str, float], None]
CancelFn = Callable[[], bool]


@dataclass
class PipelineOptions:
    """Attributes:
    media: Limits and ffmpeg threads for probing and decoding.
    speech: Whisper model and decoding choices.
    """

    media: media.MediaOptions = field(default_factory=media.MediaOptions)
    speech: speech.TranscribeOptions = field(default_factory=speech.TranscribeOptions)


@dataclass
class Result:
    """What the pipeline found; ``to_dict()`` is the ``cultivate.result/1`` document."""

    media: media.MediaInfo
    segments: list[speech.Segment]
    language: str
    timings: dict[str, dict]
    models: dict[str, dict]
    source_name: str = ""

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "source": {"name": self.source_name},
            "media": self.media.to_dict(),
            "language": self.language,
            "segments": [s.to_dict() for s in self.segments],
            "timings": self.timings,
            "models": self.models,
        }


class _Clock:
    """Wall and CPU seconds per stage, for ``Result.timings`` and cost accounting."""

    def __init__(self) -> None:
        self.timings: dict[str, dict] = {}

    def measure(self, stage: str, device: str, fn, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            self.timings[stage] = {
                "wall_s": round(time.perf_counter() - wall, 3),
                "cpu_s": round(time.process_time() - cpu, 3),
                "device": device,
            }


def run(
    source: str | os.PathLike,
    options: PipelineOptions | None = None,
    on_progress: ProgressFn | None = None,
    should_cancel: CancelFn | None = None,
) -> Result:
    """Analyse one local media file.

    Args:
      source: Path to a video or audio file.
      options: Stage options; defaults work on any machine.
      on_progress: ``(stage, overall_fraction)``; called often, the caller throttles.
      should_cancel: Returns True to stop; the pipeline then raises ``Cancelled``.
    Returns:
      The result; nothing is written anywhere.
    Raises:
      AnalysisError: bad media (permanent) or a missing model (not permanent).
      Cancelled: when ``should_cancel`` asked to stop.
    """
    options = options or PipelineOptions()

    def report(stage: str, fraction: float) -> None:
        if on_progress:
            lo, hi = STAGES[stage]
            on_progress(stage, lo + (hi - lo) * min(max(fraction, 0.0), 1.0))

    def check_cancel() -> None:
        if should_cancel and should_cancel():
            raise Cancelled()

    clock = _Clock()
    total_start = time.perf_counter()
    report("probing", 0.0)
    info = clock.measure("probe", "cpu", media.probe, source, options.media)
    check_cancel()

    report("decoding", 0.0)
    audio = clock.measure(
        "decode_audio",
        "cpu",
        media.decode_audio,
        source,
        expected_duration_s=info.duration_s,
        threads=options.media.threads,
    )
    check_cancel()

    report("transcribing", 0.0)
    model = speech.describe_model(options.speech)
    transcript = clock.measure(
        "transcribe",
        model["device"],
        speech.transcribe,
        audio,
        options.speech,
        on_progress=lambda f: report("transcribing", f),
        should_cancel=should_cancel,
    )
    clock.timings["total"] = {"wall_s": round(time.perf_counter() - total_start, 3)}
    return Result(
        media=info,
        segments=transcript.segments,
        language=transcript.language,
        timings=clock.timings,
        models={"whisper": transcript.model},
        source_name=os.path.basename(os.fspath(source)),
    )
