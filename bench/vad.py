"""Speech found by the VAD against the truth of the speaker benchmark's recordings.

    .venv/bin/python bench/vad.py [--sets real,built,synthetic]

The speaker benchmark (bench/diarization.py) counts true speech outside the VAD's spans as
given to the wrong speaker, so its floor is the VAD's miss. This prints, per set and pooled
over time, the share of true speech the VAD misses and the speech it adds where the truth has
none (false alarm), for the product's Silero settings and a few looser ones: lower
thresholds, a lower threshold to end speech, more padding. A setting that misses less but
adds as much elsewhere moves error from one column of DER to another. (The product scores the
audio in pieces cut at quiet moments; the other settings score each recording whole.)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faster_whisper.vad import VadOptions as SileroOptions  # noqa: E402
from faster_whisper.vad import get_speech_timestamps  # noqa: E402

from analysis import vad  # noqa: E402
from analysis.media import SAMPLE_RATE  # noqa: E402
from bench import (
    der,  # noqa: E402
    speaker_sets,  # noqa: E402
)

# (label, threshold, threshold to end speech or None for Silero's own, padding in s)
SETTINGS = [
    ("product (0.5, pad 0.03)", None, None, None),
    ("threshold 0.4", 0.4, None, 0.03),
    ("threshold 0.35", 0.35, None, 0.03),
    ("end below 0.2", 0.5, 0.2, 0.03),
    ("pad 0.06, end below 0.2", 0.5, 0.2, 0.06),
    ("pad 0.10", 0.5, None, 0.10),
]


def spans(audio, threshold, neg_threshold, pad_s) -> list[tuple[float, float]]:
    if threshold is None:  # the product's own call, as the pipeline makes it
        return [(s.start, s.end) for s in vad.detect_speech(audio)]
    product = vad.VadOptions()
    options = SileroOptions(
        threshold=threshold,
        neg_threshold=neg_threshold,
        min_speech_duration_ms=int(product.min_speech_s * 1000),
        min_silence_duration_ms=int(product.min_silence_s * 1000),
        speech_pad_ms=int(pad_s * 1000),
    )
    return [(f["start"] / SAMPLE_RATE, f["end"] / SAMPLE_RATE) for f in get_speech_timestamps(audio, options)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="real,built,synthetic")
    args = parser.parse_args()
    totals: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for set_name, entries in speaker_sets.sets(args.sets.split(","), Path(tmp)):
            for _, load in entries:
                recording = load()
                truth = [(a, b, "speech") for a, b in der.union(recording.truth)]
                for label, threshold, neg, pad in SETTINGS:
                    found = [(a, b, "speech") for a, b in spans(recording.audio, threshold, neg, pad)]
                    score = der.score(truth, found, regions=recording.regions)
                    row = totals.setdefault(label, {}).setdefault(set_name, [0.0, 0.0, 0.0])
                    row[0] += score.missed_s
                    row[1] += score.false_alarm_s
                    row[2] += score.speech_s
    sets = list(next(iter(totals.values()), {}))
    print(
        f"{'setting':26}" + "".join(f" | {s + ': miss / false alarm':>30}" for s in sets) + " | all: miss + false alarm"
    )
    for label, per_set in totals.items():
        cells = "".join(f" | {m / t:14.3f} / {f / t:13.3f}" for m, f, t in per_set.values())
        missed, added, speech = (sum(v[i] for v in per_set.values()) for i in range(3))
        print(f"{label:26}{cells} | {missed / speech:.3f} + {added / speech:.3f} = {(missed + added) / speech:.3f}")


if __name__ == "__main__":
    main()
