"""Classroom-like dialogues built from real single-speaker utterances, with exact ground truth.

    from bench import realvoice
    dialogue = realvoice.build("teacher_boy")      # audio (16 kHz mono) + truth turns

Real conversations with labels are few; real voices are not. Each recipe takes the
utterances of two or three speakers from ``../shared/realdata/utterances`` and lays pieces
of them out as turns: long explanations (utterances joined), medium turns, short answers
(a piece cut out of an utterance), pauses of 0.2-1.5 s and some overlaps where the next
speaker starts 0.3-1 s early (mixed by summing). Every choice comes from a seeded random
generator, so a recipe always gives the same audio, and the truth is where each piece was
placed. Speech inside a piece is found by frame energy (independent of the VAD under test),
so a pause inside a long turn is not counted as speech. ``telephone`` gives any of them as a
telephone line would carry it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from analysis.media import SAMPLE_RATE, decode_audio

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

_FRAME = SAMPLE_RATE // 100  # 10 ms energy frames
_BRIDGE_S = 0.25  # a quieter stretch shorter than this stays inside a speech run (VAD's own min silence)
_JOIN_S = 0.15  # silence between two utterances joined into one long turn
_TARGET_RMS = 0.05  # about -26 dBFS over speech frames
_NOISE_RMS = 10 ** (-60 / 20)  # a faint room floor, so pauses are not digital silence

Segment = tuple[float, float, str]


@dataclass(frozen=True)
class Recipe:
    """Attributes:
    speakers: Speaker ids from ground_truth.json; the first leads (the teacher).
    seconds: Stop adding turns once the dialogue is this long.
    seed: Seeds every random choice.
    overlap: Chance that a turn starts before the previous one ends.
    balanced: Every speaker takes turn lengths like the lead (adults talking as equals);
      otherwise the others mostly give short and medium answers.
    note: What the recipe stands for, printed by the benchmark.
    """

    speakers: tuple[str, ...]
    seconds: float
    seed: int
    overlap: float = 0.15
    balanced: bool = False
    note: str = ""


RECIPES: dict[str, Recipe] = {
    "teacher_boy": Recipe(("so762_2022", "so762_0131"), 70, 1, note="woman teacher, boy of 7"),
    "man_teacher_young_boy": Recipe(("azure_Steve", "so762_0005"), 60, 2, note="man teacher, boy of 6"),
    "woman_girl_close": Recipe(("so762_0036", "so762_5414"), 70, 3, note="woman and girl of 11 (close pitch)"),
    "two_men": Recipe(("so762_1029", "so762_1064"), 60, 4, balanced=True, note="two adult men, same corpus"),
    "woman_man": Recipe(("azure_Katie", "azure_Steve"), 60, 5, balanced=True, note="woman and man, same channel"),
    "teacher_two_children": Recipe(
        ("LibriSpeech_2412", "so762_3046", "so762_3021"), 85, 6, note="woman teacher, boy 9, girl 9"
    ),
    "three_mixed": Recipe(("so762_1064", "so762_0006", "azure_Katie"), 80, 7, 0.25, note="man, girl 6, woman"),
    "lecture_backchannels": Recipe(
        ("azure_Katie", "so762_3021"), 50, 8, 0.35, note="woman lecturing, girl's short answers and overlaps"
    ),
}

# Turn length in seconds: (low, high) and how often the lead / the others pick it.
_LENGTHS = {"short": (0.5, 1.5), "medium": (2.0, 5.0), "long": (7.0, 12.0)}
_LEAD_ODDS = {"short": 0.15, "medium": 0.45, "long": 0.40}
_OTHER_ODDS = {"short": 0.45, "medium": 0.45, "long": 0.10}


@dataclass
class Dialogue:
    """Attributes:
    name: The recipe's name.
    audio: 16 kHz mono float32.
    turns: Ground truth (start, end, speaker), sorted by start; overlapping where mixed.
    speakers: Speaker ids, lead first.
    note: The recipe's note.
    """

    name: str
    audio: np.ndarray
    turns: list[Segment]
    speakers: list[str]
    note: str


def available(root: Path = REALDATA) -> bool:
    """Whether the real-data folder is there to build from."""
    return (root / "ground_truth.json").is_file()


def drawn(count: int = 12, seed: int = 2027, root: Path = REALDATA) -> dict[str, Recipe]:
    """``count`` recipes drawn at random from the real speakers: two to four people (half of
    them two, as in most lessons), any mix of adults and children, overlap 0.1-0.3, turns
    classroom-like or balanced: combinations nobody chose, to check that what holds on
    ``RECIPES`` holds beyond them (bench/speaker_sets.py keeps one seed to try changes on and
    three others to check them). Same recipes for the same seed."""
    rng = np.random.default_rng(seed)
    pool = speakers_with_utterances(root)
    recipes: dict[str, Recipe] = {}
    for i in range(count):
        people = int(rng.choice([2, 2, 3, 4]))
        chosen = tuple(str(s) for s in rng.choice(pool, size=people, replace=False))
        recipes[f"d{seed}_{i + 1:02d}_{people}p"] = Recipe(
            chosen,
            float(45 + 15 * people),
            seed + i,
            overlap=round(float(rng.uniform(0.1, 0.3)), 2),
            balanced=bool(rng.random() < 0.3),
            note=" + ".join(chosen),
        )
    return recipes


def build(name: str, root: Path = REALDATA, recipe: Recipe | None = None) -> Dialogue:
    """Build the dialogue of recipe ``name`` (same audio and truth on every call).

    Args:
      name: A key of ``RECIPES``, or the name of ``recipe``.
      root: The real-data folder holding ground_truth.json and utterances/.
      recipe: A recipe not in ``RECIPES`` (one of ``drawn``'s).
    Returns:
      The mixed audio and its truth turns.
    """
    recipe = recipe or RECIPES[name]
    rng = np.random.default_rng(recipe.seed)
    voices = {s: _Voice(_stream(s, root), rng) for s in recipe.speakers}
    placed: list[tuple[int, np.ndarray, np.ndarray, str]] = []  # start sample, samples, speech mask, speaker
    cursor, speaker, overlapped = int(0.5 * SAMPLE_RATE), recipe.speakers[0], False
    while cursor < recipe.seconds * SAMPLE_RATE:
        odds = _LEAD_ODDS if recipe.balanced or speaker == recipe.speakers[0] else _OTHER_ODDS
        kind = rng.choice(list(odds), p=list(odds.values()))
        samples, mask = voices[speaker].take(rng.uniform(*_LENGTHS[kind]))
        placed.append((cursor, samples, mask, speaker))
        speaker = _next_speaker(recipe.speakers, speaker, rng)
        cursor += samples.size + int(rng.uniform(0.2, 1.5) * SAMPLE_RATE)
        # Only two voices at once: a turn that started early is not itself overlapped.
        overlapped = not overlapped and rng.random() < recipe.overlap and speaker != placed[-1][3]
        if overlapped:
            early = min(rng.uniform(0.3, 1.0), 0.5 * samples.size / SAMPLE_RATE)
            cursor = placed[-1][0] + samples.size - int(early * SAMPLE_RATE)
    return _mix(name, recipe, placed, rng)


def speakers_with_utterances(root: Path = REALDATA, min_seconds: float = 10.0) -> list[str]:
    """Speaker ids with at least ``min_seconds`` of utterances (enough for a one-voice recording)."""
    rows = json.loads((root / "ground_truth.json").read_text())["utterances"]
    seconds: dict[str, float] = {}
    for row in rows:
        seconds[row["speaker"]] = seconds.get(row["speaker"], 0.0) + float(row.get("duration_s") or 0.0)
    return sorted(s for s, total in seconds.items() if total >= min_seconds)


def alone(speaker: str, root: Path = REALDATA, pause_s: float = 0.8) -> Dialogue:
    """One real speaker alone: all their utterances, trimmed and levelled, with ``pause_s``
    between them. Each utterance was recorded on its own, so the recording varies more than
    one person in one room would: a hard case for telling one voice from two."""
    samples, mask = _stream(speaker, root)
    runs = _runs(_bridge(mask))
    pause = np.zeros(int(pause_s * SAMPLE_RATE), np.float32)
    parts, turns, t = [pause], [], pause.size
    for a, b in runs:
        piece = samples[a * _FRAME : b * _FRAME]
        parts += [piece, pause]
        turns.append((round(t / SAMPLE_RATE, 3), round((t + piece.size) / SAMPLE_RATE, 3), speaker))
        t += piece.size + pause.size
    audio = np.concatenate(parts)
    audio += (np.random.default_rng(0).standard_normal(audio.size) * _NOISE_RMS).astype(np.float32)
    return Dialogue(f"alone_{speaker}", audio, turns, [speaker], "one real speaker, utterances from separate sessions")


def telephone(audio: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """``audio`` as a telephone line carries it: band-limited to 300-3400 Hz, sampled at 8 kHz
    and mu-law coded (G.711), then brought back to ``rate`` for the product's 16 kHz input."""
    from scipy import signal

    narrow = signal.resample_poly(audio.astype(np.float64), 8_000, rate)
    band = signal.butter(4, (300, 3_400), btype="bandpass", fs=8_000, output="sos")
    narrow = signal.sosfilt(band, narrow)
    narrow = np.clip(narrow / max(np.abs(narrow).max(), 1e-9) * 0.7, -1.0, 1.0)
    mu = 255.0
    coded = np.round(np.sign(narrow) * np.log1p(mu * np.abs(narrow)) / np.log1p(mu) * 127) / 127
    narrow = np.sign(coded) * np.expm1(np.abs(coded) * np.log1p(mu)) / mu
    return signal.resample_poly(narrow, rate, 8_000).astype(np.float32)


def _next_speaker(speakers: tuple[str, ...], current: str, rng: np.random.Generator) -> str:
    """The lead speaks after every other turn; now and then the lead goes on after a pause."""
    lead, others = speakers[0], list(speakers[1:])
    if current != lead:
        return lead
    return lead if rng.random() < 0.15 else str(rng.choice(others))


def _mix(name: str, recipe: Recipe, placed: list, rng: np.random.Generator) -> Dialogue:
    end = max(start + samples.size for start, samples, _, _ in placed) + int(0.5 * SAMPLE_RATE)
    audio = (rng.standard_normal(end) * _NOISE_RMS).astype(np.float32)
    turns: list[Segment] = []
    for start, samples, mask, speaker in placed:
        audio[start : start + samples.size] += samples
        for a, b in _runs(_bridge(mask)):  # joined utterances: one turn across the short join
            turns.append(
                (round((start + a * _FRAME) / SAMPLE_RATE, 3), round((start + b * _FRAME) / SAMPLE_RATE, 3), speaker)
            )
    np.clip(audio, -1.0, 1.0, out=audio)
    return Dialogue(name, audio, sorted(turns), list(recipe.speakers), recipe.note)


class _Voice:
    """One speaker's utterances joined end to end. Turns are taken from it in order; when it
    is used up it starts again at a random point (a speaker may then repeat a sentence, as
    children do, but not always cut the same way)."""

    def __init__(self, stream: tuple[np.ndarray, np.ndarray], rng: np.random.Generator):
        self.samples, self.mask = stream
        self.rng = rng
        self.frame = 0

    def take(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """About ``seconds`` of speech that starts on speech and ends at a quiet frame, with
        silence trimmed off both ends; at least 0.4 s of it (a cut into a pause is retried)."""
        total = self.mask.size
        want = max(int(seconds * 100), 10)
        for _ in range(20):
            if self.frame + want > total:
                self.frame = int(self.rng.integers(0, max(total - want, 1)))
            ahead = np.flatnonzero(self.mask[self.frame :])
            if ahead.size == 0:
                self.frame = total
                continue
            start = self.frame + int(ahead[0])
            end = _quiet_cut(self.samples, min(start + want, total), total)
            speech = np.flatnonzero(self.mask[start:end])
            self.frame = end
            if speech.size and speech[-1] + 1 >= 40:
                a, b = start, start + int(speech[-1]) + 1
                samples = self.samples[a * _FRAME : b * _FRAME].copy()
                _fade(samples)
                return samples, self.mask[a:b]
        raise ValueError("no stretch of speech long enough in this speaker's utterances")


def _quiet_cut(samples: np.ndarray, frame: int, total: int) -> int:
    """The quietest frame within 0.2 s of ``frame``, so a short answer is cut between sounds."""
    lo, hi = max(frame - 20, 1), min(frame + 20, total)
    if hi <= lo:
        return total
    energy = [float(np.mean(samples[i * _FRAME : (i + 1) * _FRAME] ** 2)) for i in range(lo, hi)]
    return lo + int(np.argmin(energy))


def _fade(samples: np.ndarray, seconds: float = 0.01) -> None:
    """Ramp the ends in place: a cut inside a word must not click."""
    n = min(int(seconds * SAMPLE_RATE), samples.size // 2)
    if n:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        samples[:n] *= ramp
        samples[-n:] *= ramp[::-1]


@lru_cache(maxsize=32)
def _stream(speaker: str, root: Path) -> tuple[np.ndarray, np.ndarray]:
    """A speaker's utterances, each trimmed and loudness-normalised, joined by short silences;
    with the 10 ms speech mask of the result."""
    parts, masks = [], []
    gap = np.zeros(int(_JOIN_S * SAMPLE_RATE), np.float32)
    for path in _utterance_files(speaker, root):
        audio = decode_audio(path)
        mask = _speech_mask(audio)
        speech = np.flatnonzero(mask)
        if speech.size == 0:
            continue
        audio = audio[speech[0] * _FRAME : (speech[-1] + 1) * _FRAME]
        mask = mask[speech[0] : speech[-1] + 1]
        frames = audio.reshape(-1, _FRAME)[mask]
        audio = audio * (_TARGET_RMS / max(float(np.sqrt(np.mean(frames**2))), 1e-6))
        parts += [audio.astype(np.float32), gap]
        masks += [mask, np.zeros(gap.size // _FRAME, bool)]
    if not parts:
        raise ValueError(f"no utterances of {speaker} under {root}")
    return np.concatenate(parts), np.concatenate(masks)


def _utterance_files(speaker: str, root: Path) -> list[Path]:
    rows = json.loads((root / "ground_truth.json").read_text())["utterances"]
    return sorted(root / row["file"] for row in rows if row["speaker"] == speaker)


def _speech_mask(audio: np.ndarray) -> np.ndarray:
    """Speech frames by energy: above the file's noise floor by 15 dB and within 30 dB of its
    peaks; quieter stretches under 0.25 s are bridged and blips under 0.1 s dropped."""
    n = audio.size // _FRAME
    db = 10 * np.log10(np.mean(audio[: n * _FRAME].reshape(n, _FRAME) ** 2, axis=1) + 1e-10)
    floor, peak = np.percentile(db, 10), np.percentile(db, 97)
    mask = _bridge(db > max(floor + 15, peak - 30))
    for a, b in _runs(mask):
        if b - a < 10:
            mask[a:b] = False
    return mask


def _bridge(mask: np.ndarray) -> np.ndarray:
    """A copy with inner gaps shorter than ``_BRIDGE_S`` filled in."""
    mask = mask.copy()
    for a, b in _runs(~mask):
        if a > 0 and b < mask.size and b - a < _BRIDGE_S * 100:
            mask[a:b] = True
    return mask


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) frame indices of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))
