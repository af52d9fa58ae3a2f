"""Speaker separation benchmark: who spoke when, on real and built recordings.

    .venv/bin/python bench/diarization.py [--methods old,new,mfcc] [--sets real,built,drawn,unseen,alone,synthetic] [--only NAME]
                                          [--vary OPTION=V1,V2]

Six sets (bench/speaker_sets.py), each with exact or hand-checked truth:
  real       the labelled conversations in ../shared/realdata/conversations (a partly
             labelled one is scored only inside its labelled turns);
  built      classroom-like dialogues made from real single-speaker utterances (bench/realvoice.py);
  drawn      twelve dialogues from real utterances with speakers (two to four), turn-taking and
             overlap drawn at random (bench/realvoice.drawn, seed 2027);
  unseen     36 more drawn the same way from three other seeds, to check what was tried on drawn;
  alone      each real speaker alone, their utterances joined (is one voice heard as one?);
  synthetic  espeak-ng dialogues (tests/dialogue.py).
Each recording runs through the VAD once, then through every method twice: with the true
speaker count and with ``auto``. Per recording and per set (time-weighted) it prints the
wrong-speaker share (true speech time not given to the matching found speaker, missed speech
included), DER with no collar and with a 0.25 s collar (bench/der.py), the talk-share error,
the count found by ``auto``, and the wall time of the speaker stage; then one line per
method against the targets. A new method is one entry in ``METHODS``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import media, speakers, vad  # noqa: E402
from analysis.vad import Span  # noqa: E402
from bench import der, speaker_sets  # noqa: E402
from bench.der import Segment  # noqa: E402
from bench.speaker_sets import Recording  # noqa: E402

COLLAR_S = 0.25
TARGETS = {"real": 0.12, "built": 0.05, "teacher/child": 0.03, "talk share": 0.05, "count right": 0.80}

# A method returns its turns and the stretches it flags as two voices at once.
Method = Callable[[np.ndarray, list[Span], int | str], tuple[list[Segment], list[tuple[float, float]]]]


def _diarize_with(**options) -> Method:
    """A method backed by ``speakers.diarize``: today's defaults with these options changed."""

    def run(audio: np.ndarray, spans: list[Span], count: int | str):
        found = speakers.diarize(audio, spans, speakers.DiarizeOptions(speakers=count, **options))
        return [(t.start, t.end, t.speaker) for t in found.turns], [(o.start, o.end) for o in found.overlaps]

    return run


METHODS: dict[str, Method] = {
    "new": _diarize_with(),  # the product's default: DiarizeOptions() (CAM++)
    # the same clustering on the first encoder, counting by the sharpest drop
    "resemblyzer": _diarize_with(method="resemblyzer"),
    # the first version: Resemblyzer, average linkage, silhouette count, turns ending at every pause
    "old": _diarize_with(method="resemblyzer", clustering="agglomerative", join_pause_s=0.0),
    # a finer over-split, tried on the drawn set and not adopted (docs/benchmarks.md)
    "finer": _diarize_with(split_into=16, prune_share=0.1),
    "mfcc": _diarize_with(method="mfcc", clustering="agglomerative"),
    "combined": _diarize_with(method="combined", clustering="agglomerative"),
}


@dataclass
class Run:
    """One method on one recording in one mode (true count or auto)."""

    plain: der.Score
    collared: der.Score
    found: int
    seconds: float
    overlap: tuple[float, float, float] = (0.0, 0.0, 0.0)  # true, flagged, both (seconds)


@dataclass
class Result:
    """Attributes:
    vad_miss: Share of true speech outside the VAD's spans (the same for every method): the
      part of the wrong-speaker share no speaker method can win back.
    runs: ``N`` (true count given) and ``auto``.
    """

    recording: Recording
    method: str
    vad_miss: float
    runs: dict[str, Run] = field(default_factory=dict)


# --- running and scoring -------------------------------------------------------------------


def evaluate(recording: Recording, methods: dict[str, Method]) -> list[Result]:
    """VAD once, then each method with the true count and with ``auto``."""
    spans = vad.detect_speech(recording.audio)
    speech = [(a, b, "speech") for a, b in der.union(recording.truth)]
    found = der.score(speech, [(s.start, s.end, "speech") for s in spans], regions=recording.regions)
    results = []
    for name, method in methods.items():
        result = Result(recording, name, found.missed_s / max(found.speech_s, 1e-9))
        for mode, count in (("N", recording.count), ("auto", "auto")):
            start = time.perf_counter()
            hypothesis, overlaps = method(recording.audio, spans, count)
            seconds = time.perf_counter() - start
            result.runs[mode] = Run(
                der.score(recording.truth, hypothesis, regions=recording.regions),
                der.score(recording.truth, hypothesis, collar=COLLAR_S, regions=recording.regions),
                len({speaker for _, _, speaker in hypothesis}),
                seconds,
                der.overlap_hits(recording.truth, overlaps, regions=recording.regions),
            )
        results.append(result)
    return results


def warm_up(methods: dict[str, Method]) -> None:
    """Load each method's models on 3 s of noise, so no recording's time includes loading."""
    noise = np.random.default_rng(0).standard_normal(3 * media.SAMPLE_RATE).astype(np.float32) * 0.05
    for name, method in methods.items():
        start = time.perf_counter()
        method(noise, [Span(0.0, 3.0)], 2)  # turns and overlaps ignored
        print(f"warm-up {name}: {time.perf_counter() - start:.1f} s (model loading, not in the times below)")


def shares(result: Result, which: int) -> str:
    """True (``which`` 0) or found (1) talk shares with ``auto``, largest true speaker first:
    a collapse into one voice, a split voice or a swap shows at a glance."""
    pairs = sorted(result.runs["auto"].plain.shares.values(), reverse=True)
    return "/".join(f"{pair[which]:.2f}" for pair in pairs)


@dataclass
class Pooled:
    """Time-weighted measures over several recordings."""

    wrong: float
    der: float
    der_collar: float
    talk_share: float
    count_right: float
    seconds: float
    vad_miss: float
    overlap_precision: float | None
    overlap_recall: float | None


def pool(results: list[Result], mode: str) -> Pooled:
    """Sum the times before dividing, so a long recording weighs more than a short one."""
    plain = [r.runs[mode].plain for r in results]
    collared = [r.runs[mode].collared for r in results]
    speech = sum(s.speech_s for s in plain)
    errors = sum(s.missed_s + s.false_alarm_s + s.confusion_s for s in plain)
    errors_collar = sum(s.missed_s + s.false_alarm_s + s.confusion_s for s in collared)
    both = sum(r.runs[mode].overlap[2] for r in results)
    return Pooled(
        wrong=sum(s.wrong_s for s in plain) / speech,
        der=errors / speech,
        der_collar=errors_collar / max(sum(s.speech_s for s in collared), 1e-9),
        talk_share=sum(s.talk_share_error * s.speech_s for s in plain) / speech,
        count_right=float(np.mean([r.runs["auto"].found == r.recording.count for r in results])),
        seconds=sum(r.runs[mode].seconds for r in results),
        vad_miss=sum(r.vad_miss * s.speech_s for r, s in zip(results, plain, strict=True)) / speech,
        overlap_precision=both / flagged if (flagged := sum(r.runs[mode].overlap[1] for r in results)) else None,
        overlap_recall=both / true if (true := sum(r.runs[mode].overlap[0] for r in results)) else None,
    )


# --- printing ------------------------------------------------------------------------------

_LEGEND = (
    "wrong = wrong-speaker share (missed speech counts); DER.25 = DER with a 0.25 s collar; share = talk-share\n"
    "error; N = true count given, auto = count estimated; * = auto count wrong; found shares = talk shares found\n"
    "by auto, matched to the true speakers, largest true speaker first; pooled = time-weighted over the set;\n"
    "overlap flagged = the stretches a method marks as two voices at once against the true overlaps (N given),\n"
    "in time; turns stay one speaker each, so overlaps never change the other columns"
)
_HEAD = (
    f"{'recording':24} {'method':18} {'len s':>6} {'spk':>3} |"
    f" {'N: wrong':>8} {'DER':>6} {'DER.25':>6} {'share':>6} {'time':>6} |"
    f" {'auto: wrong':>11} {'DER':>6} {'DER.25':>6} {'share':>6} {'found':>5} {'time':>6} | found shares"
)


def print_row(result: Result) -> None:
    rec, n, a = result.recording, result.runs["N"], result.runs["auto"]
    mark = "" if a.found == rec.count else " *"
    print(
        f"{rec.name:24} {result.method:18} {rec.audio.size / media.SAMPLE_RATE:6.1f} {rec.count:3} |"
        f" {n.plain.wrong_share:8.3f} {n.plain.der:6.3f} {n.collared.der:6.3f} {n.plain.talk_share_error:6.3f}"
        f" {n.seconds:5.1f}s |"
        f" {a.plain.wrong_share:11.3f} {a.plain.der:6.3f} {a.collared.der:6.3f} {a.plain.talk_share_error:6.3f}"
        f" {a.found:>3}{mark:2} {a.seconds:5.1f}s | {shares(result, 1)}"
    )


def print_pooled(label: str, method: str, results: list[Result]) -> None:
    n, a = pool(results, "N"), pool(results, "auto")
    print(
        f"{label:24} {method:18} {'':6} {'':3} |"
        f" {n.wrong:8.3f} {n.der:6.3f} {n.der_collar:6.3f} {n.talk_share:6.3f} {n.seconds:5.1f}s |"
        f" {a.wrong:11.3f} {a.der:6.3f} {a.der_collar:6.3f} {a.talk_share:6.3f}"
        f" {a.count_right:5.0%} {a.seconds:5.1f}s | VAD misses {n.vad_miss:.3f}; overlap flagged:"
        f" precision {_maybe(n.overlap_precision)}, recall {_maybe(n.overlap_recall)}"
    )


def _maybe(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def print_targets(method: str, results: list[Result]) -> None:
    """One line: each target with the N-given and auto values, ok when both meet it."""

    def check(label: str, values: tuple[float, float] | None, limit: float) -> str:
        if values is None:
            return f"{label} n/a"
        ok = all(v <= limit for v in values)
        return f"{label} {values[0]:.3f}/{values[1]:.3f} <= {limit:.2f} {'ok' if ok else 'MISS'}"

    def wrong(selected: list[Result]) -> tuple[float, float] | None:
        return (pool(selected, "N").wrong, pool(selected, "auto").wrong) if selected else None

    everything = [r for r in results if r.method == method]
    alone = [r for r in everything if r.recording.set == "alone"]
    mine = [r for r in everything if r.recording.set != "alone"]  # conversations: two voices or more
    teacher_child = [r for r in mine if r.recording.name in ("tts_teacher_child", "tts_woman_girl")]
    parts = [
        check("real wrong", wrong([r for r in mine if r.recording.set == "real"]), TARGETS["real"]),
        check("built wrong", wrong([r for r in mine if r.recording.set == "built"]), TARGETS["built"]),
        check("tts teacher/child wrong", wrong(teacher_child), TARGETS["teacher/child"]),
    ]
    if mine:
        shares = (pool(mine, "N").talk_share, pool(mine, "auto").talk_share)
        count = pool(mine, "auto").count_right
        parts += [
            check("talk share", shares, TARGETS["talk share"]),
            f"count right (conversations) {count:.0%} >= 80% {'ok' if count >= TARGETS['count right'] else 'MISS'}",
        ]
    if alone:
        heard = sum(r.runs["auto"].found == 1 for r in alone)
        parts.append(f"one voice heard as one by auto: {heard} of {len(alone)}")
    print(f"targets [{method}] (N given/auto): " + " | ".join(parts))


def run_set(set_name: str, entries: list[tuple[str, speaker_sets.Loader]], methods) -> list[Result]:
    """Load, run and print each recording of one set, then the set's pooled lines."""
    print(f"\n[{set_name}]")
    print(_HEAD)
    results: list[Result] = []
    for _, load in entries:
        recording = load()
        mine = evaluate(recording, methods)
        for result in mine:
            print_row(result)
        print(
            f"{'':24} {recording.note}; true shares {shares(mine[0], 0)}; VAD misses {mine[0].vad_miss:.3f} of true speech"
        )
        results += mine
    for method in methods:
        print_pooled(f"= {set_name} (pooled)", method, [r for r in results if r.method == method])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="old,new", help=f"comma-separated, of: {', '.join(METHODS)}")
    parser.add_argument(
        "--sets",
        default="real,built,drawn,unseen,alone,synthetic",
        help="comma-separated, of: real, built, drawn, unseen, alone, synthetic, phone, phone_mixes",
    )
    parser.add_argument("--only", help="run only the recording with this name")
    parser.add_argument(
        "--vary",
        metavar="OPTION=V1,V2",
        help="also run the default method with each value of one DiarizeOptions field"
        " (e.g. join_pause_s=0,0.3,0.8 or split_into=6,10)",
    )
    args = parser.parse_args()
    if unknown := set(args.methods.split(",")) - set(METHODS):
        parser.error(f"unknown method(s): {', '.join(sorted(unknown))}")
    methods = {m: METHODS[m] for m in args.methods.split(",")}
    if args.vary:
        field_name, _, values = args.vary.partition("=")
        default = getattr(speakers.DiarizeOptions(), field_name, None)
        if default is None or not values:
            parser.error(f"--vary needs OPTION=V1,V2 with a DiarizeOptions field, not {args.vary!r}")
        for value in values.split(","):
            methods[f"{field_name}={value}"] = _diarize_with(**{field_name: type(default)(value)})
    set_names = args.sets.split(",")
    if unknown := set(set_names) - {"real", "built", "drawn", "unseen", "alone", "synthetic", "phone", "phone_mixes"}:
        parser.error(f"unknown set(s): {', '.join(sorted(unknown))}")

    print(_LEGEND)
    warm_up(methods)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        for set_name, entries in speaker_sets.sets(set_names, Path(tmp)):
            entries = [(n, load) for n, load in entries if args.only in (None, n)]
            if entries:
                results += run_set(set_name, entries, methods)
    if not results:
        print("nothing ran" + (f": no recording named {args.only!r}" if args.only else ""))
        return
    print()
    for method in methods:
        print_pooled("= overall (pooled)", method, [r for r in results if r.method == method])
    for method in methods:
        print_targets(method, results)


if __name__ == "__main__":
    main()
