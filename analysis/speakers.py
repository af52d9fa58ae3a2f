"""Who spoke when: speaker embeddings over short windows of speech, then clustering.

Windows are cut inside VAD speech spans (so a turn of one second still gets its own
embedding) and embedded with Resemblyzer's pretrained speaker encoder (weights ship in the
package), with classic MFCC statistics, or both. Windows are clustered into N speakers
(or a count estimated from the data), and each moment of speech takes the vote of the
windows that cover it.

The embeddings are in ``analysis.voice_embeddings``; the grouping of windows into voices
(``spectral`` by default, or the first version's ``agglomerative``) is in
``analysis.speaker_clusters``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from analysis import prosody, voice_embeddings
from analysis import speaker_clusters as clusters
from analysis.media import SAMPLE_RATE
from analysis.vad import Span

METHODS = ("campplus", "resemblyzer", "mfcc", "combined")
CLUSTERINGS = ("spectral", "agglomerative")
_STEP_S = 0.05  # resolution of the speaker timeline
# Each encoder's line between one person and two (cosine of two mean voices), and how ``auto``
# counts with it, chosen on bench/diarization.py's sets (docs/benchmarks.md): on real voices
# CAM++ puts the closest pair of two people at 0.01-0.42 and one person's two halves at
# 0.60-0.91 (bench/voice_ceiling.py), so a fixed line counts; Resemblyzer's two ranges overlap
# (0.57-0.97 against 0.84-0.98), so it counts by the sharpest drop instead.
SAME_VOICE = {"campplus": 0.45, "resemblyzer": 0.86, "mfcc": 0.86, "combined": 0.86}
# Telephone sound (8 kHz, nothing above 4 kHz) makes every voice more alike: on the real and
# built conversations and the speakers alone through a telephone line (bench/speaker_sets.py's
# ``phone`` set), CAM++ puts two people at 0.22-0.66 and one person's halves at 0.68-0.94, so
# narrowband recordings take a line of their own, the middle of the plateau where the count
# was best (0.55-0.65; docs/benchmarks.md). Encoders without one keep their line.
SAME_VOICE_NARROWBAND = {"campplus": 0.60}
# A recording is narrowband when its louder speech frames hold less than NARROWBAND_SHARE of
# their energy above NARROWBAND_HZ: 5e-6 to 1.2e-5 through a telephone line, 3e-4 (a 1960s
# recording) to 0.34 for every wideband recording of the benchmark's sets.
NARROWBAND_HZ = 3_800
NARROWBAND_SHARE = 1e-4
COUNT_RULE = {"campplus": "alike", "resemblyzer": "drop", "mfcc": "drop", "combined": "drop"}
# ``pitch_apart_st`` (off by default): a cluster's pitch is read from at most PITCH_WINDOWS of its
# windows, spread out; less voiced time than PITCH_MIN_VOICED_S gives no pitch (no evidence).
PITCH_WINDOWS = 30
PITCH_MIN_VOICED_S = 1.0


@dataclass
class DiarizeOptions:
    """Attributes:
    speakers: How many speakers to find, or ``"auto"`` to estimate (1..max_speakers).
    max_speakers: Upper bound for ``auto``.
    method: ``campplus`` (CAM++, a speaker-verification encoder: ``analysis.campplus``),
      ``resemblyzer`` (the first encoder), ``mfcc`` (classic features) or ``combined``.
    clustering: ``spectral`` (over-split, then merge; see the module notes) or
      ``agglomerative`` (the first version).
    window_s: Embedding window length; spans shorter than this get one window of their own.
    hop_s: Step between windows inside a span.
    same_voice_similarity: Two clusters whose mean voices are at least this alike (cosine) are
      one person: ``auto``'s line with the ``alike`` count rule, and ``agglomerative``'s test
      for a single speaker. 0 takes the encoder's own (``SAME_VOICE``, or
      ``SAME_VOICE_NARROWBAND`` for telephone sound, see ``narrowband``).
    count_rule: How ``auto`` counts with ``spectral``: ``alike`` (the most voices all less
      alike than ``same_voice_similarity``) or ``drop`` (the sharpest drop in the chain of
      merges, see ``min_drop``); empty takes the encoder's own (``COUNT_RULE``).
    split_into: ``spectral``: how many clusters the first, over-split pass makes (at most);
      with a count given, at least 4 per voice asked for (``speaker_clusters``).
    prune_share: ``spectral``: each window keeps its affinity to this share of the windows
      most like it. A finer over-split for ``auto`` too (16 pieces, share 0.1) was measured
      and not adopted: it counted worse on random real-voice mixes and split one two-person
      dialogue badly (docs/benchmarks.md).
    min_voice_windows: ``alike`` count rule: a voice counts only with at least this many
      windows of its own (4 windows, about 3 s of speech); fewer is a stray piece of someone
      already counted (a cough, a raised word, a stretch of two voices at once).
    mix_gain: How much better (cosine) a mix of two voices must match a window than one voice
      for the window to be flagged as overlap; 0 takes the encoder's own (``MIX_GAIN``).
    pitch_apart_st: ``alike`` count rule: two voices the encoder hears as alike are two
      people when their median pitches are at least this many semitones apart; 0 (the
      default) leaves pitch out. Measured and left off: pieces of one real person's speech,
      split too finely, sit up to 8 semitones apart, further than some pairs of two
      people (bench/voice_ceiling.py, docs/benchmarks.md).
    min_drop: ``drop`` count rule: a merge whose similarity falls at least this far
      below the merges just before it joins two different voices. Below it everywhere, the
      recording holds one voice.
    join_pause_s: A pause shorter than this between two turns of one speaker is part of the
      turn (a turn holds the speaker's short pauses, as people mark turns; pyannote calls it
      ``min_duration_off``). 0.5 s is where DER, which counts such a pause as false speech,
      was lowest over the benchmark's real, built and synthetic sets (docs/benchmarks.md).
    device: ``auto``, ``cpu`` or ``cuda`` for the encoder.
    cpu_threads: Torch threads on the CPU; 0 means all cores.
    """

    speakers: int | str = 2
    max_speakers: int = 6
    method: str = "campplus"
    clustering: str = "spectral"
    window_s: float = 1.5
    hop_s: float = 0.5
    same_voice_similarity: float = 0.0
    count_rule: str = ""
    mix_gain: float = 0.0
    pitch_apart_st: float = 0.0
    split_into: int = 8
    prune_share: float = 0.2
    min_voice_windows: int = 4
    min_drop: float = 0.04
    join_pause_s: float = 0.5
    device: str = "auto"
    cpu_threads: int = 0


@dataclass
class Turn:
    """A stretch of speech by one speaker."""

    start: float
    end: float
    speaker: str


@dataclass
class Overlap:
    """A stretch where two voices are heard at once (the turns give it to one of them)."""

    start: float
    end: float
    speakers: list[str]


@dataclass
class Diarization:
    turns: list[Turn]
    speakers: list[str]
    method: str
    notes: list[str]
    overlaps: list[Overlap] = field(default_factory=list)


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
    if options.clustering not in CLUSTERINGS:
        raise ValueError(f"clustering must be one of {CLUSTERINGS}")
    if options.count_rule not in ("", *clusters.COUNT_RULES):
        raise ValueError(f"count_rule must be one of {clusters.COUNT_RULES}")
    notes: list[str] = []
    windows = speech_windows(spans, options.window_s, options.hop_s)
    if not windows:
        return Diarization([], [], options.method, ["No speech was found."])
    if len(windows) < 2 or options.speakers == 1:
        return _single(spans, options, notes)

    features = voice_embeddings.embed(audio, windows, options.method, options.device, options.cpu_threads, should_stop)
    same_voice = options.same_voice_similarity or same_voice_line(options.method, audio, spans)
    if options.clustering == "spectral":
        apart = options.pitch_apart_st
        labels, k, heard = clusters.spectral_merge(
            features, options.speakers, options.max_speakers, options.split_into, options.min_drop,
            same_voice, options.count_rule or COUNT_RULE[options.method],
            pitch_of=pitch_reader(audio, windows) if apart > 0 else None, pitch_apart=apart,
            min_windows=options.min_voice_windows, prune=options.prune_share,
        )  # fmt: skip
    else:
        labels, k = clusters.agglomerative(features, options.speakers, options.max_speakers, same_voice)
        heard = k
    if k == 1:
        notes.append("Only one voice was found.")
        return _single(spans, options, notes)
    turns = join_pauses(_turns(spans, windows, labels), options.join_pause_s)
    order = list(dict.fromkeys(t.speaker for t in turns))
    rename = {old: f"S{i + 1}" for i, old in enumerate(order)}
    for t in turns:
        t.speaker = rename[t.speaker]
    overlaps = [
        Overlap(o.start, o.end, sorted(rename[s] for s in o.speakers))
        for o in _overlaps(
            features, windows, labels, spans, options.hop_s, options.mix_gain or MIX_GAIN[options.method]
        )
        if all(s in rename for s in o.speakers)
    ]
    if isinstance(options.speakers, int) and len(order) < options.speakers:
        notes.append(f"{options.speakers} speakers were asked for; {len(order)} were heard.")
    elif isinstance(options.speakers, int) and heard < options.speakers:
        notes.append(HARD_TO_TELL)
    return Diarization(turns, [rename[o] for o in order], options.method, notes, overlaps)


def same_voice_line(method: str, audio: np.ndarray, spans: list[Span]) -> float:
    """The encoder's line between one person and two for this recording's sound."""
    if method in SAME_VOICE_NARROWBAND and narrowband(audio, spans):
        return SAME_VOICE_NARROWBAND[method]
    return SAME_VOICE[method]


def narrowband(audio: np.ndarray, spans: list[Span], frames: int = 2_000) -> bool:
    """Whether the speech holds nothing above ``NARROWBAND_HZ`` (a telephone or 8 kHz recording).

    Reads up to ``frames`` frames of 32 ms spread over the speech spans; of them, the louder
    half (speech rather than the pauses inside a span) is measured.
    """
    size, hop = 512, 256
    starts = np.concatenate(
        [np.arange(int(s.start * SAMPLE_RATE), int(s.end * SAMPLE_RATE) - size, hop) for s in spans] or [[]]
    ).astype(int)
    starts = starts[starts + size <= len(audio)]
    if len(starts) < 8:
        return False
    starts = starts[np.linspace(0, len(starts) - 1, min(frames, len(starts))).astype(int)]
    power = np.abs(np.fft.rfft(audio[starts[:, None] + np.arange(size)] * np.hanning(size), axis=1)) ** 2
    freqs = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    louder = power[power.sum(axis=1) >= np.median(power.sum(axis=1))]
    total = louder[:, freqs >= 100].sum()
    return total > 0 and louder[:, freqs >= NARROWBAND_HZ].sum() / total < NARROWBAND_SHARE


# A window is heard as two voices when the best mix of two speakers' mean voices matches its
# embedding at least MIX_GAIN better (cosine) than the best single voice, each voice carrying at
# least MIX_MIN_SHARE of the mix. Set per encoder on built dialogues with placed overlaps, where
# the flagged time's F1 against the real overlaps is best (bench/diarization.py --vary mix_gain=…;
# docs/benchmarks.md): about half the flagged time is real overlap.
MIX_GAIN = {"campplus": 0.04, "resemblyzer": 0.02, "mfcc": 0.02, "combined": 0.02}
MIX_MIN_SHARE = 0.2


def _overlaps(
    x: np.ndarray, windows: list[Span], labels: np.ndarray, spans: list[Span], hop_s: float, mix_gain: float
) -> list[Overlap]:
    """Stretches (the middle ``hop_s`` of each window heard as two voices, joined) where two
    speakers seem to talk at once; clipped to the speech spans."""
    k = int(labels.max()) + 1
    if k < 2:
        return []
    centroids = clusters.unit(np.stack([x[labels == c].mean(axis=0) for c in range(k)]))
    found: list[Overlap] = []
    for i, w in enumerate(windows):
        sims = centroids @ x[i]
        first = int(sims.argmax())
        best = None
        for other in range(k):
            if other == first:
                continue
            basis = np.stack([centroids[first], centroids[other]], axis=1)
            mix, *_ = np.linalg.lstsq(basis, x[i], rcond=None)
            if (mix <= 0).any() or mix.min() / mix.sum() < MIX_MIN_SHARE:
                continue
            fitted = basis @ mix
            gain = float(fitted @ x[i] / max(np.linalg.norm(fitted), 1e-9)) - float(sims[first])
            if gain >= mix_gain and (best is None or gain > best[0]):
                best = (gain, other)
        if best is None:
            continue
        middle = (w.start + w.end) / 2
        start, end = middle - hop_s / 2, middle + hop_s / 2
        pair = sorted([str(first), str(best[1])])
        if found and found[-1].speakers == pair and start <= found[-1].end + 1e-6:
            found[-1].end = end
        else:
            found.append(Overlap(start, end, pair))
    clipped = []
    for o in found:
        for span in spans:
            a, b = max(o.start, span.start), min(o.end, span.end)
            if b - a > 0.05:
                clipped.append(Overlap(round(a, 3), round(b, 3), o.speakers))
    return clipped


def without_overlaps(turns: list[Turn], overlaps: list[Overlap]) -> list[Turn]:
    """The turns with every overlap cut out: speech heard as one voice only (for talk shares)."""
    out: list[Turn] = []
    cuts = sorted((o.start, o.end) for o in overlaps)
    for t in turns:
        pieces = [(t.start, t.end)]
        for a, b in cuts:
            if b <= t.start or a >= t.end:
                continue
            pieces = [p for lo, hi in pieces for p in ((lo, min(hi, a)), (max(lo, b), hi)) if p[1] - p[0] > 1e-6]
        out += [Turn(round(lo, 3), round(hi, 3), t.speaker) for lo, hi in pieces]
    return out


HARD_TO_TELL = (
    "The voices were hard to tell apart, so the speakers asked for may mix two people or split one:"
    " check who spoke when (a coach can merge speakers or give a stretch to another)."
)


def pitch_reader(audio: np.ndarray, windows: list[Span]) -> Callable[[np.ndarray], float]:
    """``pitch_of(mask)``: the median pitch, in semitones (above 1 Hz), of the voiced frames of up
    to ``PITCH_WINDOWS`` of the windows ``mask`` picks, spread over them; NaN with less than
    ``PITCH_MIN_VOICED_S`` voiced. Each window's pitch is tracked once, when first asked for."""
    tracked: dict[int, np.ndarray] = {}

    def pitch_of(mask: np.ndarray) -> float:
        picked = np.flatnonzero(mask)
        picked = picked[np.unique(np.linspace(0, len(picked) - 1, min(len(picked), PITCH_WINDOWS)).round().astype(int))]
        for i in picked:
            if i not in tracked:
                w = windows[i]
                tracked[i] = prosody.pitch_track(audio[int(w.start * SAMPLE_RATE) : int(w.end * SAMPLE_RATE)])
        f0 = np.concatenate([tracked[i] for i in picked]) if len(picked) else np.zeros(0)
        if f0.size * prosody.PITCH_HOP_S < PITCH_MIN_VOICED_S:
            return float("nan")
        return float(12 * np.log2(np.median(f0)))

    return pitch_of


def speech_windows(spans: list[Span], window_s: float, hop_s: float) -> list[Span]:
    """Windows of ``window_s`` every ``hop_s`` inside each span; a shorter span is one window."""
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


def _single(spans: list[Span], options: DiarizeOptions, notes: list[str]) -> Diarization:
    turns = join_pauses([Turn(s.start, s.end, "S1") for s in spans], options.join_pause_s)
    return Diarization(turns, ["S1"] if spans else [], options.method, notes)


def join_pauses(turns: list[Turn], shorter_than_s: float) -> list[Turn]:
    """Consecutive turns of one speaker with a pause shorter than ``shorter_than_s`` between
    them, as one turn (turns sorted by time)."""
    joined: list[Turn] = []
    for t in turns:
        if joined and joined[-1].speaker == t.speaker and t.start - joined[-1].end < shorter_than_s:
            joined[-1].end = max(joined[-1].end, t.end)
        else:
            joined.append(Turn(t.start, t.end, t.speaker))
    return joined
