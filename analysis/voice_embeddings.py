"""Voice embeddings: one vector per window of speech, for telling speakers apart.

CAM++ (``analysis.campplus``, the default) and Resemblyzer's speaker encoder (the first one;
its weights ship in its package) run on frames computed once per recording, batched by window
length; classic MFCC statistics are kept for comparison. ``analysis.speakers`` cuts the
windows and groups the vectors into voices.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from analysis import campplus
from analysis.devices import cpu_threads, torch_device
from analysis.errors import Cancelled
from analysis.media import SAMPLE_RATE
from analysis.speaker_clusters import unit
from analysis.vad import Span


def embed(
    audio: np.ndarray,
    windows: list[Span],
    method: str = "resemblyzer",
    device: str = "auto",
    threads: int = 0,
    should_stop: Callable[[], bool] | None = None,
) -> np.ndarray:
    """One L2-normalised feature vector per window.

    Args:
      audio: 16 kHz mono float32.
      windows: Stretches of speech to embed (``speakers.speech_windows``).
      method: ``campplus`` (``analysis.campplus``), ``resemblyzer``, ``mfcc`` or ``combined``
        (Resemblyzer and MFCC side by side).
      device, threads: Where the encoder runs (``analysis.devices``).
      should_stop: Polled between batches; True raises ``Cancelled``.
    Returns:
      An array of shape (len(windows), dimensions), each row of length 1.
    """
    if method == "campplus":
        return unit(campplus.embed(audio, windows, device, threads, should_stop))
    parts = []
    if method in ("resemblyzer", "combined"):
        parts.append(_resemblyzer(audio, windows, device, threads, should_stop))
    if method in ("mfcc", "combined"):
        parts.append(_mfcc(audio, windows))
    return unit(np.concatenate(parts, axis=1))


@lru_cache(maxsize=2)
def load_encoder(device: str = "auto", threads: int = 0):
    """Resemblyzer's pretrained speaker encoder, once per process."""
    import torch
    from resemblyzer import VoiceEncoder

    device = torch_device(device)
    if device == "cpu":
        torch.set_num_threads(cpu_threads(threads))
    return VoiceEncoder(device, verbose=False)


def _resemblyzer(audio: np.ndarray, windows: list[Span], device: str, threads: int, should_stop=None) -> np.ndarray:
    import torch

    encoder = load_encoder(device, threads)
    frames, first = _mel_frames(audio, windows, should_stop)
    starts = [first[_frame(w.start)] for w in windows]
    lengths = [1 + (int(w.end * SAMPLE_RATE) - int(w.start * SAMPLE_RATE)) // _MEL_HOP for w in windows]
    out = np.zeros((len(windows), 256), np.float32)
    by_length: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        by_length.setdefault(n, []).append(i)
    with torch.no_grad():
        for n, idx in by_length.items():  # equal lengths batch together
            for chunk in range(0, len(idx), 256):
                if should_stop and should_stop():
                    raise Cancelled()
                ids = idx[chunk : chunk + 256]
                batch = np.stack([frames[starts[i] : starts[i] + n] for i in ids])
                out[ids] = encoder(torch.from_numpy(batch).to(encoder.device)).cpu().numpy()
    return out


_MEL_HOP = SAMPLE_RATE // 100  # Resemblyzer's mel frames: 25 ms every 10 ms, 40 bands
_MEL_FFT = SAMPLE_RATE * 25 // 1000
_MEL_CHUNK = 30 * 100  # frames computed per librosa call


def _frame(t: float) -> int:
    return int(t * SAMPLE_RATE) // _MEL_HOP


def _mel_frames(audio: np.ndarray, windows: list[Span], should_stop=None) -> tuple[np.ndarray, np.ndarray]:
    """Resemblyzer's mel spectrogram frames under the windows, computed once per frame (the
    windows overlap), a chunk of the recording per call. Returns the frames, in time order,
    and for every frame of the recording its row there (-1 where no window needs it). Frame
    ``j`` is centred on sample ``j * hop`` as in ``resemblyzer.audio.wav_to_mel_spectrogram``."""
    import librosa

    total = 1 + audio.size // _MEL_HOP
    needed = np.zeros(total + 1, bool)
    for w in windows:
        a = _frame(w.start)
        needed[a : a + 1 + (int(w.end * SAMPLE_RATE) - int(w.start * SAMPLE_RATE)) // _MEL_HOP] = True
    needed = needed[:total]
    first = np.full(total, -1, np.int64)
    first[needed] = np.arange(int(needed.sum()))
    rows = np.zeros((int(needed.sum()), 40), np.float32)
    half = _MEL_FFT // 2
    for c0 in range(0, total, _MEL_CHUNK):
        c1 = min(total, c0 + _MEL_CHUNK)
        if not needed[c0:c1].any():
            continue
        if should_stop and should_stop():
            raise Cancelled()
        lo, hi = c0 * _MEL_HOP - half, (c1 - 1) * _MEL_HOP + half
        piece = audio[max(lo, 0) : min(hi, audio.size)]
        piece = np.pad(piece, (max(0, -lo), max(0, hi - audio.size)))  # zeros past either end
        mel = librosa.feature.melspectrogram(
            y=piece, sr=SAMPLE_RATE, n_fft=_MEL_FFT, hop_length=_MEL_HOP, n_mels=40, center=False
        ).T
        keep = needed[c0:c1]
        rows[first[c0:c1][keep]] = mel[: c1 - c0][keep]
    return rows, first


def _mfcc(audio: np.ndarray, windows: list[Span]) -> np.ndarray:
    import librosa

    rows = []
    for w in windows:
        clip = _cut(audio, w)
        m = librosa.feature.mfcc(y=clip, sr=SAMPLE_RATE, n_mfcc=20, n_fft=512, hop_length=160)[1:]
        rows.append(np.concatenate([m.mean(axis=1), m.std(axis=1)]))
    x = np.asarray(rows, np.float32)
    return (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-6)  # standardise per dimension


def _cut(audio: np.ndarray, span: Span) -> np.ndarray:
    return audio[int(span.start * SAMPLE_RATE) : int(span.end * SAMPLE_RATE)]
