"""Make a synthetic two-speaker lesson video for benchmarks.

    python bench/make_lesson.py OUT.mp4 --minutes 5 [--size 1280x720]

A teacher voice and a child voice (espeak-ng) take turns with short pauses, over a moving
test pattern, encoded as H.264 High + AAC like a phone or classroom camera would.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

TURNS = [
    ("en-us", 50, "Good morning everyone. Today we are going to find out what plants need to grow."),
    ("en-us+f4", 85, "They need water."),
    ("en-us", 50, "Water, yes. What else do you think a plant needs? Tell me more about that."),
    ("en-us+f4", 85, "I think they need the sun because my plant at home grew toward the window."),
    ("en-us", 50, "That is a great observation. Why do you think it grew toward the window?"),
    ("en-us+f4", 85, "Because the light was there and it wanted to reach it."),
    ("en-us", 50, "How many seeds did we plant on Monday?"),
    ("en-us+f4", 85, "Five."),
    ("en-us", 50, "What do you notice about the seeds we kept in the dark cupboard?"),
    ("en-us+f4", 85, "They are yellow and really tall and skinny."),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        parts = []
        for i, (voice, pitch, text) in enumerate(TURNS):
            wav = tmp / f"turn{i}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", "150", "-w", str(wav), text], check=True)
            parts.append(wav)
        listing = tmp / "turns.txt"
        gap = tmp / "gap.wav"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "1.2", str(gap)],
            check=True,
        )
        listing.write_text("".join(f"file '{p}'\nfile '{gap}'\n" for p in parts))
        one_round = tmp / "round.wav"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), str(one_round)],
            check=True,
        )
        seconds = args.minutes * 60
        subprocess.run(
            [
                "ffmpeg", "-v", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc2=size={args.size}:rate=30",
                "-stream_loop", "-1", "-i", str(one_round),
                "-t", str(seconds), "-map", "0:v", "-map", "1:a",
                "-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "96k", "-ar", "44100", "-movflags", "+faststart", args.out,
            ],
            check=True,
        )  # fmt: skip
    print(f"wrote {args.out} ({args.minutes:g} min, {args.size})")


if __name__ == "__main__":
    main()
