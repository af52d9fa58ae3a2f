"""`manage.py classify_questions [FILE]`: label utterances as OEQ, CEQ or NONQ.

Reads FILE (or standard input): one utterance per line, an optional ``speaker:`` prefix, or a
TSV whose first column is the text. Prints ``text<TAB>label<TAB>confidence`` per line.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from cultivate.refusals import Refusal
from jobs.questions.labelling import label_lines


class Command(BaseCommand):
    help = "Label each line of FILE (or stdin) as OEQ, CEQ or NONQ; prints text, label, confidence."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="text or TSV file (default: standard input)")

    def handle(self, *args, file, **options):
        try:
            if file:
                with open(file, encoding="utf-8") as handle:
                    raw = handle.read().splitlines()
            else:
                raw = sys.stdin.read().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror if isinstance(exc, OSError) else exc}") from None
        texts = [line.split("\t", 1)[0] for line in raw]
        try:
            labelled = label_lines(texts)
        except Refusal as exc:  # too many lines or characters
            raise CommandError(exc.message) from None
        for row in labelled:
            self.stdout.write(f"{row.text}\t{row.label}\t{row.confidence:.3f}")
