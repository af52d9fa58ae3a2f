"""Would a final rising pitch find the questions that speech recognition wrote as statements?

    .venv/bin/python bench/question_rise.py [--split test]

The recognised rows (``analysis/data/questions_asr.csv``) keep what was said, the voice and the
rate, so each row's speech is made again with espeak-ng (``bench/question_asr.speak``). The
rows the product's model labels NQ, not by a rule and with no question mark in the text, are
the ones an audio cue could win back. For each of them this prints the pitch movement at the
end: the median F0 of the last 150 ms of voicing against the 500 ms before, in semitones
(YIN, as ``analysis.prosody``). Then it applies a rule fixed in advance from the phonetics of
English yes/no questions, not fitted here: a rise of at least ``RISE_ST`` semitones where the
model gave the row at least ``MIN_QUESTION_P`` of being a question turns NQ into CEQ; and
prints the OEQ/CEQ accuracy and detection F1 with and without it.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import questions  # noqa: E402
from analysis.media import SAMPLE_RATE  # noqa: E402
from bench import question_asr  # noqa: E402

RISE_ST = 1.0
MIN_QUESTION_P = 0.25
TAIL_S, BEFORE_S = 0.15, 0.5
_HOP = 160


def final_rise(audio: np.ndarray) -> float | None:
    """Semitones from the 500 ms of voicing before the last 150 ms to the last 150 ms (None
    when too little is voiced)."""
    import librosa

    f0 = librosa.yin(audio, fmin=65, fmax=600, sr=SAMPLE_RATE, frame_length=1024, hop_length=_HOP)
    rms = librosa.feature.rms(y=audio, frame_length=1024, hop_length=_HOP)[0][: f0.size]
    voiced = np.flatnonzero((rms > 0.25 * np.median(rms[rms > 0])) & (f0 > 66) & (f0 < 590))
    if voiced.size < 10:
        return None
    t, f = voiced * _HOP / SAMPLE_RATE, f0[voiced]
    end = t[-1]
    tail, before = f[t >= end - TAIL_S], f[(t < end - TAIL_S) & (t >= end - TAIL_S - BEFORE_S)]
    if tail.size < 3 or before.size < 5:
        return None
    return float(12 * np.log2(np.median(tail) / np.median(before)))


def scores(truth: list[str], said: list[str]) -> tuple[float, float]:
    """OEQ/CEQ accuracy on the true questions, and question detection F1."""
    pairs = [(t, s) for t, s in zip(truth, said, strict=True) if t != "NQ"]
    accuracy = float(np.mean([t == s for t, s in pairs]))
    tp = sum(s != "NQ" for _, s in pairs)
    fp = sum(t == "NQ" and s != "NQ" for t, s in zip(truth, said, strict=True))
    fn = len(pairs) - tp
    return accuracy, 2 * tp / max(2 * tp + fp + fn, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("train", "test"))
    args = parser.parse_args()
    with questions.ASR_DATA.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["split"] == args.split]
    labels = questions.classify([r["text"] for r in rows])
    truth = [r["label"] for r in rows]
    said = [label.label for label in labels]
    with_cue = list(said)
    rises: dict[str, list[float]] = {"OEQ": [], "CEQ": [], "NQ": []}
    candidates = 0
    for i, (row, label) in enumerate(zip(rows, labels, strict=True)):
        if label.label != "NQ" or label.cue.startswith("rule:") or row["text"].rstrip().endswith("?"):
            continue
        candidates += 1
        audio = question_asr.speak(row["spoken"], row["voice"], int(row["rate"]), random.Random(i))
        rise = final_rise(audio)
        if rise is None:
            continue
        rises[row["label"]].append(rise)
        if rise >= RISE_ST and 1 - label.confidence >= MIN_QUESTION_P:
            with_cue[i] = "CEQ"
    print(f"{args.split} rows {len(rows)}; labelled NQ by the model with no question mark: {candidates}")
    for truth_label, values in rises.items():
        if values:
            p10, p50, p90 = np.percentile(values, [10, 50, 90])
            print(
                f"  truth {truth_label:3} n={len(values):3}: end movement {p50:+.1f} st (10-90 %: {p10:+.1f} to {p90:+.1f})"
            )
    changed = sum(a != b for a, b in zip(said, with_cue, strict=True))
    fixed = sum(a != b and b == t for a, b, t in zip(said, with_cue, truth, strict=True))
    for name, labelled in (("model", said), (f"model + rise >= {RISE_ST:+.0f} st", with_cue)):
        accuracy, f1 = scores(truth, labelled)
        print(f"  {name:24} OEQ/CEQ accuracy {accuracy:.3f}  detection F1 {f1:.3f}")
    print(f"  the cue changed {changed} rows, {fixed} of them to the right label")


if __name__ == "__main__":
    main()
