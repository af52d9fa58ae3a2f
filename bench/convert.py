"""Conversion speed per format on a 60 s 720p clip, as a multiple of real time.

    .venv/bin/python bench/convert.py [FILE] [--formats mp4,webm,gif,webp,lottie] [--threads 0]

Without FILE, makes a 60 s 1280x720 25 fps H.264+AAC clip (testsrc2 with moving detail and
a tone) to convert. mp4 and webm keep the source's frame rate and size; gif and webp are
15 fps, 480 wide; lottie is 10 fps, 480 wide (600 frames, its limit). The length limit of
the animated formats is raised to the clip's length for the run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import convert, media  # noqa: E402

PER_FORMAT = {
    "mp4": {},
    "webm": {},
    "gif": {"fps": 15, "width": 480},
    "webp": {"fps": 15, "width": 480},
    "lottie": {"fps": 10, "width": 480},
}


def make_clip(path: Path, seconds: float = 60.0) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?")
    parser.add_argument("--formats", default=",".join(convert.FORMATS))
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(args.file) if args.file else Path(tmp) / "clip.mp4"
        if not args.file:
            make_clip(source)
        info = media.probe(source, media.MediaOptions(require_audio=False))
        print(f"file    {source.name}  {info.width}x{info.height}  {info.fps} fps  {info.duration_s:.1f} s  "
              f"{os.cpu_count()} cores")  # fmt: skip
        for fmt in args.formats.split(","):
            options = convert.ConvertOptions(
                format=fmt, threads=args.threads, max_gif_s=info.duration_s + 1, **PER_FORMAT[fmt]
            )
            out = Path(tmp) / f"out{convert.EXTENSIONS[fmt]}"
            start = time.perf_counter()
            result = convert.convert(source, out, options)
            took = time.perf_counter() - start
            print(
                f"{fmt:<7} {result.width}x{result.height} {result.fps:g} fps {result.frames:5d} frames  "
                f"{took:6.1f} s  ({result.duration_s / took:5.2f}x real time)  {result.size_bytes / 2**20:6.1f} MiB"
            )
            out.unlink()


if __name__ == "__main__":
    main()
