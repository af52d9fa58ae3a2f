"""Who spoke when: speaker embeddings over short windows of speech, then clustering.

Windows are cut inside VAD speech spans (so a turn of one second still gets its own
embedding) and embedded with Resemblyzer's pretrained speaker encoder (weights ship in the
package), with classic MFCC statistics, or both. Windows are clustered into N speakers
(or a count estimated from the data), and each moment of speech takes the vote of the
windows that cover it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.devices import cpu_threads, torch_device
from analysis.errors import Cancelled
from analysis.media import SAMPLE_RATE
from analysis.vad import Span

METHODS = ("resemblyzer", "mfcc", "combined")
_STEP_S = 0.05  # resolution of the speaker timeline


@dataclass
class DiarizeOptions:
    """Attributes:
    speakers: How many speakers to find, or ``"auto"`` to estimate (1..max_speakers).
    max_speakers: Upper bound for ``auto``.
    method: ``resemblyzer`` (pretrained encoder), ``mfcc`` (classic features) or ``combined``.
    window_s: Embedding window length; spans shorter than this get one window of their own.
    hop_s: Step between windows inside a span.
    same_voice_similarity: Two clusters whose centroids are at least this cosine-similar are
      one voice (a recording with a single speaker).
    device: ``auto``, ``cpu`` or ``cuda`` for the encoder.
    cpu_threads: Torch threads on the CPU; 0 means all cores.
    """

    speakers: int | str = 2
    max_speakers: int = 6
    method: str = "resemblyzer"
    window_s: float = 1.5
    hop_s: float = 0.5
    same_voice_similarity: float = 0.86
    device: str = "auto"
    cpu_threads: int = 0


@dataclass
class Turn:
    """A stretch of speech by one speaker."""

    start: float
    end: float
    speaker: str


@dataclass
class Diarization:
    turns: list[Turn]
    speakers: list[str]
    method: str
    notes: list[str]


def diarize(
    audio: np.ndarray,
    spans: list[Span],
    options: DiarizeOptions | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Diarization:
    """Label each speech span (or part of it) with a speaker.

    Args:
      audio: 16 kHz mono float32.
      spans: Speech spans from ``vad.detect_speech``.
      should_stop: Polled between batches of embeddings; True raises ``Cancelled``.
    Returns:
      Turns sorted by time, speaker ids ``S1``, ``S2``... in order of first appearance.
    """
    options = options or DiarizeOptions()
    if options.method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    notes: list[str] = []
    windows = _windows(spans, options.window_s, options.hop_s)
    if not windows:
        return Diarization([], [], options.method, ["No speech was found."])
    if len(windows) < 2 or options.speakers == 1:
        return _single(spans, options.method, notes)

    features = embed(audio, windows, options, should_stop)
    labels, k = _cluster(features, options)
    if k == 1:
        notes.append("Only one voice was found.")
        return _single(spans, options.method, notes)
    turns = _turns(spans, windows, labels)
    order = list(dict.fromkeys(t.speaker for t in turns))
    rename = {old: f"S{i + 1}" for i, old in enumerate(order)}
    for t in turns:
        t.speaker = rename[t.speaker]
    if isinstance(options.speakers, int) and len(order) < options.speakers:
        notes.append(f"{options.speakers} speakers were asked for; {len(order)} were heard.")
    return Diarization(turns, [rename[o] for o in order], options.method, notes)


def embed(
    audio: np.ndarray, windows: list[Span], options: DiarizeOptions, should_stop: Callable[[], bool] | None = None
) -> np.ndarray:
    """One L2-normalised feature vector per window, by ``options.method``."""
    parts = []
    if options.method in ("resemblyzer", "combined"):
        parts.append(_resemblyzer(audio, windows, options, should_stop))
    if options.method in ("mfcc", "combined"):
        parts.append(_mfcc(audio, windows))
    features = np.concatenate(parts, axis=1)
    return features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-9)


@lru_cache(maxsize=2)
def load_encoder(device: str = "auto", threads: int = 0):
    """Resemblyzer's pretrained speaker encoder, once per process."""
    import torch
    from resemblyzer import VoiceEncoder

    device = torch_device(device)
    if device == "cpu":
        torch.set_num_threads(cpu_threads(threads))
    return VoiceEncoder(device, verbose=False)


def _resemblyzer(audio: np.ndarray, windows: list[Span], options: DiarizeOptions, should_stop=None) -> np.ndarray:
    import torch
    from resemblyzer.audio import wav_to_mel_spectrogram

    encoder = load_encoder(options.device, options.cpu_threads)
    mels = []
    for i, w in enumerate(windows):
        if should_stop and i % 200 == 0 and should_stop():
            raise Cancelled()
        mels.append(wav_to_mel_spectrogram(_cut(audio, w)))
    out = np.zeros((len(windows), 256), np.float32)
    by_length: dict[int, list[int]] = {}
    for i, mel in enumerate(mels):
        by_length.setdefault(len(mel), []).append(i)
    with torch.no_grad():
        for idx in by_length.values():  # equal lengths batch together
            for chunk in range(0, len(idx), 256):
                if should_stop and should_stop():
                    raise Cancelled()
                ids = idx[chunk : chunk + 256]
                batch = torch.from_numpy(np.stack([mels[i] for i in ids])).to(encoder.device)
                out[ids] = encoder(batch).cpu().numpy()
    return out


def _mfcc(audio: np.ndarray, windows: list[Span]) -> np.ndarray:
    import librosa

    rows = []
    for w in windows:
        clip = _cut(audio, w)
        m = librosa.feature.mfcc(y=clip, sr=SAMPLE_RATE, n_mfcc=20, n_fft=512, hop_length=160)[1:]
        rows.append(np.concatenate([m.mean(axis=1), m.std(axis=1)]))
    x = np.asarray(rows, np.float32)
    return (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-6)  # standardise per dimension


def _cluster(x: np.ndarray, options: DiarizeOptions) -> tuple[np.ndarray, int]:
    from sklearn.cluster import AgglomerativeClustering

    def fit(k: int) -> np.ndarray:
        return AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(x)

    if options.speakers == "auto":
        k = _estimate_count(x, fit, options.max_speakers)
    else:
        k = min(int(options.speakers), len(x))
    labels = fit(k) if k > 1 else np.zeros(len(x), int)
    if k > 1 and _centroid_similarity(x, labels) >= options.same_voice_similarity:
        return np.zeros(len(x), int), 1
    return labels, k


def _estimate_count(x: np.ndarray, fit, max_k: int) -> int:
    from sklearn.metrics import silhouette_score

    best_k, best_score = 1, 0.08  # a silhouette below this is no real structure: one voice
    for k in range(2, min(max_k, len(x) - 1) + 1):
        labels = fit(k)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(x, labels, metric="cosine")
        if score > best_score:
            best_k, best_score = k, score
    return best_k


def _centroid_similarity(x: np.ndarray, labels: np.ndarray) -> float:
    """Highest cosine similarity between any two cluster centroids."""
    centroids = np.stack([x[labels == c].mean(axis=0) for c in np.unique(labels)])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    sims = centroids @ centroids.T
    np.fill_diagonal(sims, -1)
    return float(sims.max())


def _windows(spans: list[Span], window_s: float, hop_s: float) -> list[Span]:
    windows = []
    for span in spans:
        if span.duration <= window_s:
            windows.append(Span(span.start, span.end))
            continue
        starts = np.arange(span.start, span.end - window_s, hop_s).tolist() + [span.end - window_s]
        windows += [Span(round(s, 3), round(s + window_s, 3)) for s in starts]
    return windows


def _turns(spans: list[Span], windows: list[Span], labels: np.ndarray) -> list[Turn]:
    """Each 50 ms step inside a span takes the majority label of the windows covering it."""
    turns: list[Turn] = []
    w_start = np.array([w.start for w in windows])
    w_end = np.array([w.end for w in windows])
    n_labels = int(labels.max()) + 1
    for span in spans:
        steps = np.arange(span.start, span.end, _STEP_S) + _STEP_S / 2
        votes = np.zeros((len(steps), n_labels))
        for i, t in enumerate(steps):
            covering = (w_start <= t) & (w_end >= t)
            if not covering.any():  # nearest window by centre
                covering = np.abs((w_start + w_end) / 2 - t) == np.abs((w_start + w_end) / 2 - t).min()
            np.add.at(votes[i], labels[covering], 1)
        step_labels = _smooth(votes.argmax(axis=1))
        for i, label in enumerate(step_labels):
            t0 = span.start + i * _STEP_S
            t1 = min(span.end, t0 + _STEP_S)
            if turns and turns[-1].speaker == str(label) and abs(turns[-1].end - t0) < 1e-6:
                turns[-1].end = round(t1, 3)
            else:
                turns.append(Turn(round(t0, 3), round(t1, 3), str(label)))
    return _merge_adjacent(turns)


def _smooth(labels: np.ndarray, min_steps: int = 6) -> np.ndarray:
    """Runs shorter than ``min_steps`` (0.3 s) take the label of the run before them."""
    labels = labels.copy()
    i = 0
    while i < len(labels):
        j = i
        while j < len(labels) and labels[j] == labels[i]:
            j += 1
        if j - i < min_steps and (i > 0 or j < len(labels)):
            labels[i:j] = labels[i - 1] if i > 0 else labels[j]
        i = j
    return labels


def _merge_adjacent(turns: list[Turn]) -> list[Turn]:
    merged: list[Turn] = []
    for t in turns:
        if merged and merged[-1].speaker == t.speaker and t.start - merged[-1].end < 1e-6:
            merged[-1].end = t.end
        else:
            merged.append(t)
    return merged


def _single(spans: list[Span], method: str, notes: list[str]) -> Diarization:
    return Diarization([Turn(s.start, s.end, "S1") for s in spans], ["S1"] if spans else [], method, notes)


def _cut(audio: np.ndarray, span: Span) -> np.ndarray:
    return audio[int(span.start * SAMPLE_RATE) : int(span.end * SAMPLE_RATE)]
