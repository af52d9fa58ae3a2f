"""Repair differences between the database and RQ: lost workers, jobs Redis forgot."""

from __future__ import annotations

import time

from django import db
from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.reconcile import reconcile


class Command(BaseCommand):
    help = "Requeue jobs whose worker died and re-enqueue queued jobs that Redis lost (once, or --every N s)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds (0: run once)")
        parser.add_argument(
            "--lost-after", type=float, default=settings.JOB_LOST_AFTER_S, help="heartbeat age that means lost (s)"
        )

    def handle(self, *args, every, lost_after, **options):
        while True:
            counts = reconcile(lost_after_s=lost_after)
            if any(counts.values()) or not every:
                self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
            if not every:
                return
            db.close_old_connections()
            time.sleep(every)
