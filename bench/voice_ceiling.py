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

Pitch, a second cue the ``alike`` rule can take (``DiarizeOptions.pitch_apart_st``, off by
default): for every pair of true speakers, how far apart their median pitches are
(semitones); and for the pieces of one person, the widest pitch gap between two clusters the
encoder hears as alike when the windows are split into more voices than there are (up to
``max_speakers``), which is what a pitch line would have to stay above. The last table counts
with each pitch line of ``--apart`` at the product's one-person line.
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


def pitch_gaps(names: list[str | None], pitch_of) -> dict[tuple[str, str], float]:
    """Semitones between the median pitches of every pair of named groups (NaN: too little voiced)."""
    groups = sorted({n for n in names if n and names.count(n) >= 2})
    tone = {g: pitch_of(np.array([n == g for n in names])) for g in groups}
    return {(a, b): abs(tone[a] - tone[b]) for i, a in enumerate(groups) for b in groups[i + 1 :]}


def shape(options: speakers.DiarizeOptions) -> dict:
    """The product's over-split and voice-size settings, as ``spectral_merge`` takes them."""
    return {"min_windows": options.min_voice_windows, "prune": options.prune_share}


def split_gap(x: np.ndarray, count: int, options: speakers.DiarizeOptions, line: float, pitch_of) -> float:
    """The widest pitch gap between two clusters heard as alike (cosine >= ``line``) when the
    windows are split into more voices than the ``count`` there are: pieces of one person."""
    widest = 0.0
    for k in range(count + 1, options.max_speakers + 1):
        labels = spectral_merge(x, k, options.max_speakers, options.split_into, 0.0, line, "alike", **shape(options))[0]
        ids = np.unique(labels)
        means = unit(np.stack([x[labels == c].mean(axis=0) for c in ids]))
        tone = [pitch_of(labels == c) for c in ids]
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                if means[a] @ means[b] >= line and np.isfinite(tone[a] - tone[b]):
                    widest = max(widest, abs(tone[a] - tone[b]))
    return widest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="real,built,alone,synthetic")
    parser.add_argument("--method", default=speakers.DiarizeOptions().method, choices=speakers.METHODS)
    parser.add_argument(
        "--lines",
        default="0.35,0.4,0.45,0.5,0.55",
        help="one-person lines to count with (the alike rule), each tried on every recording",
    )
    parser.add_argument(
        "--apart",
        default="0,3,4,5,6,8",
        help="pitch lines (semitones) to count with at the product's one-person line (0: pitch left out, the product's default)",
    )
    args = parser.parse_args()
    lines = [float(v) for v in args.lines.split(",")]
    aparts = [float(v) for v in args.apart.split(",")]
    right_apart: dict[float, dict[str, list[bool]]] = {a: {"conversations": [], "one voice": []} for a in aparts}
    gaps: dict[str, list[float]] = {"pieces of one person (widest)": [], "two people (closest)": []}
    right: dict[float, dict[str, list[bool]]] = {line: {"conversations": [], "one voice": []} for line in lines}
    options = speakers.DiarizeOptions(method=args.method)
    closest: dict[str, list[float]] = {"two people or more": [], "one person, two halves": []}
    line0 = speakers.SAME_VOICE[options.method]
    print(f"{'recording':24} {'set':9} {'spk':>3} {'closest pair':>12} {'split gap':>9}  pairs (cosine, semitones)")
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
                kind = "one voice" if alone else "conversations"
                pitch_of = speakers.pitch_reader(rec.audio, windows)
                for line in lines:
                    heard = spectral_merge(
                        x, "auto", options.max_speakers, options.split_into, 0.0, line, "alike", **shape(options)
                    )[2]
                    right[line][kind].append(heard == rec.count)
                for apart in aparts:
                    heard = spectral_merge(
                        x,
                        "auto",
                        options.max_speakers,
                        options.split_into,
                        0.0,
                        line0,
                        "alike",
                        pitch_of if apart > 0 else None,
                        apart,
                        **shape(options),
                    )[2]
                    right_apart[apart][kind].append(heard == rec.count)
                split = split_gap(x, rec.count, options, line0, pitch_of)
                gaps["pieces of one person (widest)"].append(split)
                names = owners(windows, rec.truth, halves=alone)
                sims = pair_similarities(x, names)
                if not sims:
                    continue
                tones = pitch_gaps(names, pitch_of)
                top = max(sims.values())
                closest["one person, two halves" if alone else "two people or more"].append(top)
                if not alone:
                    gaps["two people (closest)"].append(
                        min(tones[p] for p in sims if sims[p] >= line0) if top >= line0 else np.nan
                    )
                pairs = ", ".join(f"{a[:12]}~{b[:12]} {s:.3f} {tones[a, b]:.1f}" for (a, b), s in sims.items())
                print(f"{rec.name:24} {set_name:9} {rec.count:3} {top:12.3f} {split:9.1f}  {pairs}")
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
    print("\npitch gaps (semitones) at the product's one-person line:")
    for label, values in gaps.items():
        values = [v for v in values if np.isfinite(v)]
        if values:
            print(
                f"  {label:32}: {min(values):.1f} to {max(values):.1f}, median {float(np.median(values)):.1f} ({len(values)})"
            )
    print(f"\n{'pitch line (st)':>16}  count right by auto at line {line0}: conversations / one voice alone")
    for apart in aparts:
        got = right_apart[apart]
        print(
            f"{apart:16.1f}  {sum(got['conversations'])} of {len(got['conversations'])}"
            f" / {sum(got['one voice'])} of {len(got['one voice'])}"
        )


if __name__ == "__main__":
    main()
