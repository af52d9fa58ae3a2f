"""The recordings the speaker benchmarks run on, each with its truth.

Eight sets, as (name, loader) pairs, so a benchmark asked for one recording builds only that one:
  real       the labelled conversations in ../shared/realdata/conversations (a partly
             labelled one is scored only inside its labelled turns);
  built      classroom-like dialogues made from real single-speaker utterances (bench/realvoice.py);
  drawn      twelve dialogues from real utterances with speakers (two to four), turn-taking and
             overlap drawn at random (bench/realvoice.drawn, seed 2027);
  unseen     36 more drawn the same way from three other seeds, to check what was tried on drawn;
  alone      each real speaker alone, their utterances joined (is one voice heard as one?);
  synthetic  espeak-ng dialogues (tests/dialogue.py);
  phone      the real and built conversations and the speakers alone, as a telephone line
             carries them (``realvoice.telephone``: 8 kHz, 300-3400 Hz, G.711 mu-law);
  phone_mixes the 48 random mixes of drawn and unseen through the same line, to check what was
             chosen on phone.
Used by bench/diarization.py, bench/vad.py and bench/voice_ceiling.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis import media
from bench import der, realvoice
from bench.der import Segment

REALDATA = realvoice.REALDATA
Loader = Callable[[], "Recording"]


@dataclass
class Recording:
    """Attributes:
    name, set: How the tables name it.
    audio: 16 kHz mono float32.
    truth: Ground-truth turns.
    count: True number of speakers (in the whole recording).
    regions: Labelled stretches for a partly labelled file; None scores everything.
    note: One line on what it is.
    """

    name: str
    set: str
    audio: np.ndarray
    truth: list[Segment]
    count: int
    regions: list[tuple[float, float]] | None = None
    note: str = ""


def real_set(root: Path) -> list[tuple[str, Loader]]:
    """The labelled real conversations; a partial one is scored in its labelled turns only."""
    rows = json.loads((root / "ground_truth.json").read_text())["conversations"]

    def load(row: dict) -> Recording:
        truth = [(t["start"], t["end"], t["speaker"]) for t in row["turns"]]
        partial = row["gt_quality"] == "partial"
        regions = der.union(truth) if partial else None
        note = f"{row['gt_quality']} labels" + (f", scored in {_length(regions):.1f} s labelled" if partial else "")
        audio = media.decode_audio(root / row["file"])
        return Recording(Path(row["file"]).stem, "real", audio, truth, row["num_speakers"], regions, note)

    return [(Path(row["file"]).stem, lambda row=row: load(row)) for row in rows]


def built_set(root: Path) -> list[tuple[str, Loader]]:
    """Dialogues built from real utterances (bench/realvoice.py)."""

    def load(name: str) -> Recording:
        d = realvoice.build(name, root)
        return Recording(name, "built", d.audio, d.turns, len(d.speakers), note=d.note)

    return [(name, lambda name=name: load(name)) for name in realvoice.RECIPES]


DRAWN_SEEDS = {"drawn": (2027,), "unseen": (5151, 777, 9001)}


def drawn_set(root: Path, set_name: str = "drawn") -> list[tuple[str, Loader]]:
    """Dialogues from real utterances with speakers, counts and turn-taking drawn at random
    (bench/realvoice.drawn), twelve from each seed ``DRAWN_SEEDS`` gives the set's name."""
    recipes = {name: r for seed in DRAWN_SEEDS[set_name] for name, r in realvoice.drawn(seed=seed, root=root).items()}

    def load(name: str) -> Recording:
        d = realvoice.build(name, root, recipes[name])
        return Recording(name, set_name, d.audio, d.turns, len(d.speakers), note=d.note)

    return [(name, lambda name=name: load(name)) for name in recipes]


def alone_set(root: Path) -> list[tuple[str, Loader]]:
    """Each real speaker with enough utterances, alone (bench/realvoice.alone): the one-voice case."""

    def load(speaker: str) -> Recording:
        d = realvoice.alone(speaker, root)
        return Recording(d.name, "alone", d.audio, d.turns, 1, note=d.note)

    return [(f"alone_{s}", lambda s=s: load(s)) for s in realvoice.speakers_with_utterances(root)]


def synthetic_set(workdir: Path) -> list[tuple[str, Loader]]:
    """The espeak-ng dialogues of the first version of this benchmark."""
    from tests.dialogue import VOICES, Turn, lesson_turns, render

    VOICES.update(
        {
            "man_us": ("en-us", 35, 160),
            "man_gb": ("en-gb", 40, 160),
            "woman_a": ("en-us+f2", 55, 155),
        }
    )
    pairs = {
        "tts_teacher_child": ("teacher", "child", "teacher/child (pitch far apart)"),
        "tts_woman_girl": ("woman_teacher", "girl", "teacher/child, two female voices"),
        "tts_coach_teacher": ("coach", "teacher2", "coach/teacher (adults, accents differ)"),
        "tts_two_men": ("man_us", "man_gb", "two adult men"),
        "tts_two_women": ("woman_a", "teacher2", "two adult women"),
    }
    scripts = {name: (lesson_turns(a, b), note) for name, (a, b, note) in pairs.items()}
    alone = [Turn("teacher", t.text, t.label, t.pause_after) for t in lesson_turns()]
    scripts["tts_one_speaker"] = (alone, "teacher only")
    three = lesson_turns("teacher", "child")
    for t in three[8:]:
        t.speaker = "man_gb" if t.speaker == "child" else t.speaker
    scripts["tts_three_speakers"] = (three, "teacher, child, then a man")

    def load(name: str) -> Recording:
        turns, note = scripts[name]
        path = workdir / f"{name}.wav"
        render(turns, path)
        truth = [(t.start, t.end, t.speaker) for t in turns]
        return Recording(name, "synthetic", media.decode_audio(path), truth, len({t.speaker for t in turns}), note=note)

    return [(name, lambda name=name: load(name)) for name in scripts]


def phone_set(root: Path, set_name: str = "phone") -> list[tuple[str, Loader]]:
    """Recordings of other sets through a telephone line (``realvoice.telephone``): for ``phone`` the real
    and built conversations and the speakers alone, for ``phone_mixes`` the drawn and unseen mixes."""
    if set_name == "phone":
        loaders = real_set(root) + built_set(root) + alone_set(root)
    else:
        loaders = drawn_set(root, "drawn") + drawn_set(root, "unseen")

    def load(loader: Loader) -> Recording:
        r = loader()
        note = f"{r.note} (telephone)"
        return Recording(f"phone_{r.name}", set_name, realvoice.telephone(r.audio), r.truth, r.count, r.regions, note)

    return [(f"phone_{name}", lambda loader=loader: load(loader)) for name, loader in loaders]


def _length(regions: list[tuple[float, float]]) -> float:
    return sum(b - a for a, b in regions)


def sets(names: list[str], workdir: Path) -> Iterator[tuple[str, list[tuple[str, Loader]]]]:
    for name in names:
        if name == "synthetic":
            yield name, synthetic_set(workdir)
        elif not realvoice.available(REALDATA):
            print(f"\n[{name}] skipped: no real data at {REALDATA} (expected ../shared/realdata beside the repository)")
        elif name in ("phone", "phone_mixes"):
            yield name, phone_set(REALDATA, name)
        elif name in DRAWN_SEEDS:
            yield name, drawn_set(REALDATA, name)
        else:
            yield name, {"real": real_set, "built": built_set, "alone": alone_set}[name](REALDATA)
