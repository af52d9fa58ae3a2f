"""`manage.py convert SOURCE --to FORMAT --out PATH`: the video converter with no server.

Formats, options and limits are ``analysis.convert``'s (docs/convert.md). Exit 0 with a
one-line summary on success; on bad input exit 1 with one clear line on stderr.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from analysis import convert
from analysis.errors import AnalysisError
from jobs.management.progress import TerminalProgress
from jobs.options import convert_limits, media_options


class Command(BaseCommand):
    help = "Convert a video to mp4, webm, gif, webp or lottie (JSON)."
    requires_system_checks = []  # no database needed

    def add_arguments(self, parser):
        parser.add_argument("source", help="video file")
        parser.add_argument("--to", required=True, dest="format", help=f"one of {', '.join(convert.FORMATS)}")
        parser.add_argument("--out", required=True, help="output file (replaced if present)")
        parser.add_argument(
            "--fps", type=float, help="frames per second (default: the source's; 15 at most for animations)"
        )
        parser.add_argument("--width", type=int, help="width in pixels (the height follows the aspect ratio)")
        parser.add_argument("--height", type=int, help="height in pixels (the width follows the aspect ratio)")
        parser.add_argument("--start", type=float, default=0.0, help="start time in seconds (default: 0)")
        parser.add_argument("--end", type=float, help="end time in seconds (default: the end)")
        parser.add_argument("--no-loop", action="store_true", help="gif/webp: play once instead of looping")
        parser.add_argument("--quality", type=int, default=75, help="1 (smallest) to 100 (best), default 75")
        parser.add_argument("--quiet", action="store_true", help="no progress display even on a terminal")

    def handle(self, *args, source, out, format, fps, width, height, start, end, no_loop, quality, quiet, **_):
        on_progress = None if quiet or not sys.stderr.isatty() else TerminalProgress(self.stderr)
        options = convert.ConvertOptions(
            format=format,
            fps=fps,
            width=width,
            height=height,
            start_s=start,
            end_s=end,
            loop=not no_loop,
            quality=quality,
            threads=settings.ANALYSIS_CPU_THREADS,
            **convert_limits(),
        )
        try:
            result = convert.convert(source, out, options, on_progress=on_progress, media_options=media_options())
        except AnalysisError as exc:
            if on_progress:
                on_progress.clear()
            sys.stderr.write(f"error: {exc.message} ({exc.code})\n")
            sys.exit(1)
        if on_progress:
            on_progress.clear()
        self.stdout.write(
            f"wrote {result.path} ({result.format}, {result.width}x{result.height}, {result.frames} frames "
            f"at {result.fps:g} fps, {result.duration_s:.2f} s, {result.size_bytes / 1024:.0f} KiB)"
        )
