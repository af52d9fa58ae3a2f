"""Voice measures per speaker: pitch, energy, loudness (ITU-R BS.1770 / EBU R128), pauses
and overlaps.

Loudness per speaker is computed here on the 16 kHz analysis signal (K-weighting, 400 ms
gated blocks for integrated loudness, 3 s short-term blocks for loudness range, as in EBU
R128 / Tech 3342). The whole file's loudness comes from ffmpeg's ``ebur128`` filter on the
original audio (see ``media.decode``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from analysis.media import SAMPLE_RATE


@dataclass
class VoiceStats:
    """Attributes:
    pitch_median_hz: Median fundamental frequency of voiced speech.
    pitch_p10_hz, pitch_p90_hz: Pitch range as the 10th and 90th percentiles.
    energy_db: Mean RMS level of the speaker's speech, dBFS.
    loudness_lufs: Integrated loudness of the speaker's speech (gated), LUFS.
    loudness_range_lu: Loudness range of the speaker's speech, LU (None under 3 s).
    """

    pitch_median_hz: float | None = None
    pitch_p10_hz: float | None = None
    pitch_p90_hz: float | None = None
    energy_db: float | None = None
    loudness_lufs: float | None = None
    loudness_range_lu: float | None = None


@dataclass
class Pauses:
    count: int = 0
    total_s: float = 0.0
    mean_s: float | None = None
    within_speaker: int = 0
    between_speakers: int = 0
    between_speakers_mean_s: float | None = None


@dataclass
class Overlaps:
    count: int = 0
    total_s: float = 0.0
    method: str = field(default="word times of different speakers that overlap (a lower bound)")


PITCH_SAMPLE_S = 120.0  # pitch statistics are stable long before this much speech
PITCH_HOP_S = 0.01  # one pitch value every 10 ms


def voice_stats(audio: np.ndarray, spans: list[tuple[float, float]]) -> VoiceStats:
    """Pitch, energy and loudness of the speech inside ``spans`` (seconds).

    Loudness and energy use all of the speech; pitch uses spans spread evenly over the
    recording, up to ``PITCH_SAMPLE_S`` seconds, which bounds time and memory on long files.
    """
    clip = _concat(audio, spans)
    if clip.size < SAMPLE_RATE // 4:
        return VoiceStats()
    stats = VoiceStats(energy_db=_round(_rms_db(clip)))
    stats.loudness_lufs, stats.loudness_range_lu = loudness(clip)
    f0 = pitch_track(_concat(audio, _spread(spans, PITCH_SAMPLE_S)))
    if f0.size >= 10:
        stats.pitch_median_hz = _round(float(np.median(f0)))
        stats.pitch_p10_hz = _round(float(np.percentile(f0, 10)))
        stats.pitch_p90_hz = _round(float(np.percentile(f0, 90)))
    return stats


def pitch_track(clip: np.ndarray) -> np.ndarray:
    """F0 in Hz of the voiced frames of ``clip`` (YIN; quiet frames and octave-edge values dropped)."""
    import librosa

    hop, frame = round(PITCH_HOP_S * SAMPLE_RATE), 1024
    if clip.size < frame:
        return np.zeros(0)
    f0 = librosa.yin(clip, fmin=65, fmax=600, sr=SAMPLE_RATE, frame_length=frame, hop_length=hop)
    rms = librosa.feature.rms(y=clip, frame_length=frame, hop_length=hop)[0][: f0.size]
    loud = rms > max(1e-4, 0.25 * np.median(rms[rms > 0])) if np.any(rms > 0) else np.zeros_like(rms, bool)
    keep = loud[: f0.size] & (f0 > 66) & (f0 < 590)
    return f0[keep]


def loudness(clip: np.ndarray, rate: int = SAMPLE_RATE) -> tuple[float | None, float | None]:
    """``(integrated LUFS, loudness range LU)`` of a mono signal from one K-weighting pass."""
    energy = _subblock_energy(clip, rate)
    return _integrated(energy), _range(energy)


def integrated_loudness(clip: np.ndarray, rate: int = SAMPLE_RATE) -> float | None:
    """BS.1770 gated integrated loudness of a mono signal, LUFS; None when too short or silent."""
    return _integrated(_subblock_energy(clip, rate))


def loudness_range(clip: np.ndarray, rate: int = SAMPLE_RATE) -> float | None:
    """EBU Tech 3342 loudness range (LRA) of a mono signal, LU; None under 3 s."""
    return _range(_subblock_energy(clip, rate))


def _integrated(energy: np.ndarray) -> float | None:
    z = _block_powers(energy, 4)  # 400 ms blocks, 75 % overlap
    z = z[_lufs(z) > -70]
    if z.size == 0:
        return None
    z = z[_lufs(z) > _lufs(z.mean()) - 10]
    return _round(float(_lufs(z.mean())), 2)


def _range(energy: np.ndarray) -> float | None:
    z = _block_powers(energy, 30)  # 3 s short-term blocks
    z = z[_lufs(z) > -70]
    if z.size < 2:
        return None
    z = z[_lufs(z) > _lufs(z.mean()) - 20]
    levels = _lufs(z)
    return _round(float(np.percentile(levels, 95) - np.percentile(levels, 10)), 2)


def pauses(turns: list[tuple[float, float, str]], min_pause_s: float = 0.3) -> Pauses:
    """Silences of at least ``min_pause_s`` between consecutive speech turns ``(start, end, speaker)``."""
    gaps = [(b[0] - a[1], a[2] != b[2]) for a, b in zip(turns, turns[1:], strict=False) if b[0] - a[1] >= min_pause_s]
    if not gaps:
        return Pauses()
    switch = [g for g, changed in gaps if changed]
    return Pauses(
        count=len(gaps),
        total_s=_round(sum(g for g, _ in gaps)),
        mean_s=_round(sum(g for g, _ in gaps) / len(gaps)),
        within_speaker=len(gaps) - len(switch),
        between_speakers=len(switch),
        between_speakers_mean_s=_round(sum(switch) / len(switch)) if switch else None,
    )


def overlaps(words: list[tuple[float, float, str]]) -> Overlaps:
    """Overlapping words of different speakers, from ``(start, end, speaker)`` sorted by start."""
    count, total = 0, 0.0
    for i, (_, e1, sp1) in enumerate(words):
        for s2, e2, sp2 in words[i + 1 :]:
            if s2 >= e1:
                break
            if sp2 != sp1:
                count += 1
                total += min(e1, e2) - s2
    return Overlaps(count=count, total_s=_round(total))


_SUBBLOCK_S = 0.1  # 400 ms and 3 s blocks are sums of these, hopping by one
_CHUNK_S = 60.0  # K-weighting runs chunk by chunk with the filter state carried over


def _k_weight_coefficients(rate: int) -> tuple[list[float], list[float], list[float], list[float]]:
    """The BS.1770 K-weighting pre-filter (high shelf, then high pass) at any sample rate."""
    k = math.tan(math.pi * 1681.974450955533 / rate)
    q, vh = 0.7071752369554196, 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    shelf_a = [1, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    k = math.tan(math.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    hp_a = [1, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return shelf_b, shelf_a, [1, -2, 1], hp_a


def _subblock_energy(x: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of the K-weighted signal per 100 ms, computed a minute at a time so a
    long recording never needs more than one minute of float64 temporaries."""
    from scipy.signal import lfilter

    sb, sa, hb, ha = _k_weight_coefficients(rate)
    state_shelf, state_hp = np.zeros(2), np.zeros(2)
    sub = int(_SUBBLOCK_S * rate)
    chunk = int(_CHUNK_S * rate) // sub * sub
    out = []
    for i in range(0, x.size - x.size % sub, chunk):
        piece = x[i : min(i + chunk, x.size - x.size % sub)].astype(np.float64)
        y, state_shelf = lfilter(sb, sa, piece, zi=state_shelf)
        y, state_hp = lfilter(hb, ha, y, zi=state_hp)
        out.append((y * y).reshape(-1, sub).mean(axis=1))
    return np.concatenate(out) if out else np.zeros(0)


def _block_powers(energy: np.ndarray, n_sub: int) -> np.ndarray:
    """Mean square over blocks of ``n_sub`` sub-blocks, hopping one sub-block at a time."""
    if energy.size < n_sub:
        return np.zeros(0)
    csum = np.concatenate([[0.0], np.cumsum(energy)])
    return (csum[n_sub:] - csum[:-n_sub]) / n_sub


def _lufs(z):
    return -0.691 + 10 * np.log10(np.maximum(z, 1e-12))


def _rms_db(clip: np.ndarray) -> float:
    return 20 * math.log10(max(float(np.sqrt(np.mean(clip.astype(np.float64) ** 2))), 1e-9))


def _spread(spans: list[tuple[float, float]], budget_s: float) -> list[tuple[float, float]]:
    """Every k-th span, so that about ``budget_s`` seconds are taken from across the recording."""
    total = sum(e - s for s, e in spans)
    if total <= budget_s:
        return spans
    step = total / budget_s
    return spans[:: max(1, int(step))]


def _concat(audio: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    parts = [audio[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)] for s, e in spans if e > s]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)
