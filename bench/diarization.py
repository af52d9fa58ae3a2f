"""Choose the speaker-embedding method by measurement.

    .venv/bin/python bench/diarization.py

Renders synthetic dialogues with espeak-ng (exact ground truth), runs VAD and the
diarizer with each embedding method, and prints the wrong-speaker share of true speech time
(best mapping of found speakers to true ones; speech the VAD missed counts as wrong) and the
speaker count found with ``auto``.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import media, speakers, vad  # noqa: E402
from tests.dialogue import VOICES, Turn, lesson_turns, render  # noqa: E402

VOICES.update({"man_us": ("en-us", 35, 160), "man_gb": ("en-gb", 40, 160), "woman_a": ("en-us+f2", 55, 155)})

PAIRS = {
    "teacher / child (pitch far apart)": ("teacher", "child"),
    "coach / teacher (adult, accents differ)": ("coach", "teacher2"),
    "two adult men": ("man_us", "man_gb"),
    "two adult women": ("woman_a", "teacher2"),
}


def wrong_share(turns, truth) -> float:
    step, counts, total = 0.01, {}, 0
    for t in truth:
        for x in np.arange(t.start, t.end, step):
            got = next((u.speaker for u in turns if u.start <= x < u.end), None)
            counts[(t.speaker, got)] = counts.get((t.speaker, got), 0) + 1
            total += 1
    truths = sorted({t.speaker for t in truth})
    found = sorted({u.speaker for u in turns})
    best = max(
        sum(counts.get((tr, g), 0) for tr, g in zip(truths, perm, strict=True))
        for perm in itertools.permutations(found + [None] * len(truths), len(truths))
    )
    return 1 - best / total


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = {name: lesson_turns(a, b) for name, (a, b) in PAIRS.items()}
        cases["one speaker (teacher only)"] = [Turn("teacher", t.text, t.label, t.pause_after) for t in lesson_turns()]
        three = lesson_turns("teacher", "child")
        for t in three[8:]:
            t.speaker = "man_gb" if t.speaker == "child" else t.speaker
        cases["three speakers"] = three
        print(f"{'dialogue':42} {'method':12} {'wrong (N=2)':>12} {'wrong (auto)':>13} {'found':>6} {'time':>7}")
        for name, turns in cases.items():
            path = Path(tmp) / "d.wav"
            render(turns, path)
            audio = media.decode_audio(path)
            spans = vad.detect_speech(audio)
            n_true = len({t.speaker for t in turns})
            for method in speakers.METHODS:
                start = time.perf_counter()
                fixed = speakers.diarize(audio, spans, speakers.DiarizeOptions(method=method, speakers=max(n_true, 2)))
                auto = speakers.diarize(audio, spans, speakers.DiarizeOptions(method=method, speakers="auto"))
                took = time.perf_counter() - start
                print(
                    f"{name:42} {method:12} {wrong_share(fixed.turns, turns):12.3f} "
                    f"{wrong_share(auto.turns, turns):13.3f} {len(auto.speakers):>4}/{n_true} {took:6.2f}s"
                )


if __name__ == "__main__":
    main()
