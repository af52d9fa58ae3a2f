"""`manage.py analyze SOURCE --out DIR`: the pipeline with no server, queue or database.

A permanent public interface: writes DIR/result.json (``cultivate.result/1``). Exit 0 on
success; on bad input exit 1 with one clear line on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from analysis import pipeline
from analysis.errors import AnalysisError
from jobs.management.progress import TerminalProgress
from jobs.options import pipeline_options


class Command(BaseCommand):
    help = "Analyse a video or audio file and write DIR/result.json."
    requires_system_checks = []  # no database needed

    def add_arguments(self, parser):
        parser.add_argument("source", help="video or audio file")
        parser.add_argument("--out", required=True, help="output folder (created if missing)")
        parser.add_argument("--model", help="Whisper model: a CTranslate2 folder (default: bundled tiny.en)")
        parser.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where models run (default: auto)")
        parser.add_argument("--speakers", help="how many speakers: a number, or auto (default: 2)")
        parser.add_argument("--session", choices=["classroom", "coaching"], help="roles to assign (default: classroom)")
        parser.add_argument("--no-render", action="store_true", help="pick highlights but do not render clips")
        parser.add_argument("--blur-others", action="store_true", help="blur every face but the teacher's in clips")
        parser.add_argument("--quiet", action="store_true", help="no progress display even on a terminal")

    def handle(self, *args, source, out, model, device, speakers, session, no_render, blur_others, quiet, **options):
        # Progress only on a terminal: piped stderr carries nothing but an error line.
        on_progress = None if quiet or not sys.stderr.isatty() else TerminalProgress(self.stderr)
        out_dir = Path(out)
        try:
            options = pipeline_options(model=model, device=device, speakers=speakers, session=session)
            options.render.blur_others = blur_others
            options.render_dir = None if no_render else str(out_dir / "highlights")
        except ValueError as exc:
            sys.stderr.write(f"error: {exc} (bad_option)\n")
            sys.exit(2)
        try:
            result = pipeline.run(source, options, on_progress=on_progress)
        except AnalysisError as exc:
            if on_progress:
                on_progress.clear()
            sys.stderr.write(f"error: {exc.message} ({exc.code})\n")
            sys.exit(1)
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / "result.json"
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        tmp.replace(target)  # never a half-written result.json
        if on_progress:
            on_progress.clear()
        self.stdout.write(f"wrote {target} ({len(result.segments)} segments, {result.media.duration_s:.1f} s)")
