"""Voice activity: where in the audio someone is speaking (Silero VAD).

Uses the Silero VAD model that ships inside faster-whisper (ONNX, CPU), so nothing is
downloaded. Spans here are tight (little padding): wait times and talk time are measured
from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.media import SAMPLE_RATE, quiet_pieces


@dataclass
class VadOptions:
    """Attributes:
    threshold: Speech probability above which a frame counts as speech.
    min_speech_s: Shorter bursts are dropped.
    min_silence_s: Silence shorter than this does not split a span.
    pad_s: Padding added to each side of a span.
    chunk_s: Audio is scored in pieces of about this length, cut at quiet moments (the
      model's batches of a 45-minute file would otherwise take several hundred MB at once).
    """

    threshold: float = 0.5
    min_speech_s: float = 0.15
    min_silence_s: float = 0.25
    pad_s: float = 0.03
    chunk_s: float = 300.0


@dataclass
class Span:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def detect_speech(audio: np.ndarray, options: VadOptions | None = None) -> list[Span]:
    """Find speech spans in 16 kHz mono audio.

    Args:
      audio: float32 samples from ``media.decode_audio``.
    Returns:
      Non-overlapping spans in seconds, sorted by start.
    """
    from faster_whisper.vad import VadOptions as _FwOptions
    from faster_whisper.vad import get_speech_timestamps

    options = options or VadOptions()
    fw_options = _FwOptions(
        threshold=options.threshold,
        min_speech_duration_ms=int(options.min_speech_s * 1000),
        min_silence_duration_ms=int(options.min_silence_s * 1000),
        speech_pad_ms=int(options.pad_s * 1000),
    )
    spans: list[Span] = []
    for offset, piece in quiet_pieces(audio, options.chunk_s):
        if piece.size < SAMPLE_RATE // 10:
            continue
        for found in get_speech_timestamps(piece, fw_options):
            span = Span(round(offset + found["start"] / SAMPLE_RATE, 3), round(offset + found["end"] / SAMPLE_RATE, 3))
            if spans and span.start - spans[-1].end < options.min_silence_s:
                spans[-1].end = max(spans[-1].end, span.end)  # one span cut by a piece boundary
            else:
                spans.append(span)
    return spans
