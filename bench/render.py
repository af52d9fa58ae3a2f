"""Render speed per highlight clip at the configured preset.

    .venv/bin/python bench/render.py FILE [--clips 5] [--seconds 30] [--blur-others]

Samples the video (faces, motion) once, then renders --clips highlights of --seconds each,
spread over the file, and prints each clip's render time alone and its speed as a multiple
of real time, the time to render the same set in one call (as the pipeline does, several
clips at a time), and the QA verdict and time of the set.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import media, qa, render, visual  # noqa: E402
from analysis.highlights import Highlight  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--clips", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--blur-others", action="store_true")
    parser.add_argument("--parallel", type=int, default=render.RenderOptions().parallel)
    args = parser.parse_args()

    info = media.probe(args.file)
    seen = visual.analyse(args.file, info.display_size)
    gap = info.duration_s / args.clips
    picks = [
        Highlight(round(i * gap, 2), round(min(i * gap + args.seconds, info.duration_s), 2), f"clip {i + 1}", 1.0)
        for i in range(args.clips)
    ]
    options = render.RenderOptions(blur_others=args.blur_others, parallel=args.parallel)
    print(f"file    {Path(args.file).name}  {info.width}x{info.height}  preset {options.preset}, crf {options.crf}")
    with tempfile.TemporaryDirectory() as out:
        paths = []
        for i, h in enumerate(picks, start=1):
            start = time.perf_counter()
            clip = render.render(args.file, info, [h], seen.samples, [], Path(out) / f"c{i}", options)[0]
            took = time.perf_counter() - start
            paths.append(Path(out) / f"c{i}" / clip.video)
            print(
                f"clip {i}  {h.end - h.start:5.1f} s rendered in {took:6.2f} s  ({(h.end - h.start) / took:5.2f}x real time)"
            )
        start = time.perf_counter()
        render.render(args.file, info, picks, seen.samples, [], Path(out) / "set", options)
        took = time.perf_counter() - start
        print(f"set     {len(picks)} clips rendered together in {took:6.2f} s  ({options.parallel} at a time)")
        start = time.perf_counter()
        report = qa.check(paths)
        took = time.perf_counter() - start
        print(f"qa      passed={report['passed']}  loudness spread {report['loudness_spread_lu']} LU  in {took:.2f} s")


if __name__ == "__main__":
    main()
