"""How far apart the encoder hears the true speakers: the ceiling of speaker counting.

    .venv/bin/python bench/voice_ceiling.py [--sets real,built,alone,synthetic] [--method campplus|resemblyzer]

For each recording of the speaker benchmarks' sets (bench/speaker_sets.py), the windows the product embeds are given
to the true speaker who holds most of each window (windows shared evenly are left out), and
the mean voices (cosine of mean embeddings, of the product's encoder unless ``--method`` names
another) of every pair of true speakers are
compared. For one speaker alone, the windows are cut into the earlier and the later half and
the halves compared: one person heard in different moments (here, different sessions). ``auto`` can only tell two
people apart when their pair sits clearly below what one person's halves reach; the last
lines print both ranges side by side, then how many recordings ``auto``'s ``alike`` rule
counts right with each one-person line of ``--lines`` (the product's line for CAM++ is
``speakers.SAME_VOICE``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import speakers, vad, voice_embeddings  # noqa: E402
from analysis.speaker_clusters import spectral_merge, unit  # noqa: E402
from bench import speaker_sets  # noqa: E402
from bench.der import Segment  # noqa: E402


def owners(windows: list[vad.Span], truth: list[Segment], halves: bool) -> list[str | None]:
    """The true speaker holding more than half of each window; with ``halves`` (one speaker)
    the owned windows are named "earlier" and "later" instead, split at the middle one."""
    out: list[str | None] = []
    for w in windows:
        held: dict[str, float] = {}
        for a, b, who in truth:
            held[who] = held.get(who, 0.0) + max(0.0, min(w.end, b) - max(w.start, a))
        best = max(held, key=held.get) if held else None
        out.append(best if best and held[best] > (w.end - w.start) / 2 else None)
    if halves:
        owned = [i for i, who in enumerate(out) if who]
        for rank, i in enumerate(owned):
            out[i] = "earlier" if rank < len(owned) / 2 else "later"
    return out


def pair_similarities(x: np.ndarray, names: list[str | None]) -> dict[tuple[str, str], float]:
    """Cosine of the mean embeddings of every pair of named groups with 2 windows or more."""
    groups = sorted({n for n in names if n and names.count(n) >= 2})
    means = {g: unit(x[[n == g for n in names]].mean(axis=0, keepdims=True))[0] for g in groups}
    return {(a, b): float(means[a] @ means[b]) for i, a in enumerate(groups) for b in groups[i + 1 :]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="real,built,alone,synthetic")
    parser.add_argument("--method", default=speakers.DiarizeOptions().method, choices=speakers.METHODS)
    parser.add_argument(
        "--lines",
        default="0.35,0.4,0.45,0.5,0.55",
        help="one-person lines to count with (the alike rule), each tried on every recording",
    )
    args = parser.parse_args()
    lines = [float(v) for v in args.lines.split(",")]
    right: dict[float, dict[str, list[bool]]] = {line: {"conversations": [], "one voice": []} for line in lines}
    options = speakers.DiarizeOptions(method=args.method)
    closest: dict[str, list[float]] = {"two people or more": [], "one person, two halves": []}
    print(f"{'recording':24} {'set':9} {'spk':>3} {'closest pair':>12}  pairs")
    with tempfile.TemporaryDirectory() as tmp:
        for set_name, entries in speaker_sets.sets(args.sets.split(","), Path(tmp)):
            for _, load in entries:
                rec = load()
                spans = vad.detect_speech(rec.audio)
                windows = speakers.speech_windows(spans, options.window_s, options.hop_s)
                if len(windows) < 4:
                    continue
                x = voice_embeddings.embed(rec.audio, windows, options.method)
                alone = rec.count == 1
                for line in lines:
                    heard = spectral_merge(x, "auto", options.max_speakers, options.split_into, 0.0, line, "alike")[2]
                    right[line]["one voice" if alone else "conversations"].append(heard == rec.count)
                sims = pair_similarities(x, owners(windows, rec.truth, halves=alone))
                if not sims:
                    continue
                top = max(sims.values())
                closest["one person, two halves" if alone else "two people or more"].append(top)
                pairs = ", ".join(f"{a[:12]}~{b[:12]} {s:.3f}" for (a, b), s in sims.items())
                print(f"{rec.name:24} {set_name:9} {rec.count:3} {top:12.3f}  {pairs}")
    print()
    for label, values in closest.items():
        if values:
            print(
                f"{label:24}: closest pair {min(values):.3f} to {max(values):.3f},"
                f" median {float(np.median(values)):.3f} ({len(values)} recordings)"
            )
    print(f"\n{'one-person line':>16}  count right by auto (alike rule): conversations / one voice alone")
    for line in lines:
        got = right[line]
        print(
            f"{line:16.2f}  {sum(got['conversations'])} of {len(got['conversations'])}"
            f" / {sum(got['one voice'])} of {len(got['one voice'])}"
        )


if __name__ == "__main__":
    main()
