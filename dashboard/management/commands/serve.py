"""`manage.py serve`: the whole product on one machine (what `make run` starts).

Makes sure Redis answers (starts a local redis-server when none does), migrates, creates the
demo tenant, then runs Daphne (HTTP + WebSocket) and one RQ worker until Ctrl-C, and stops
everything it started.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "")


class Command(BaseCommand):
    help = "Run Daphne and an RQ worker (and Redis when none answers) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.SERVE_HOST)
        parser.add_argument("--port", type=int, default=settings.SERVE_PORT)
        parser.add_argument("--workers", type=int, default=1, help="RQ workers to start (0 for none)")

    def handle(self, *args, host, port, workers, **options):
        self.children: list[subprocess.Popen] = []
        self.stopping = False
        # Ctrl-C reaches every process of the terminal's group at once, so children may exit
        # before we notice: a flag, not an exception, tells the watch loop that this is a stop.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._request_stop)
        try:
            self._ensure_redis()
            call_command("migrate", interactive=False, verbosity=0)
            call_command("demo_tenant")
            self._start(
                "web", [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "cultivate.asgi:application"]
            )
            for n in range(workers):
                self._start(
                    f"worker {n + 1}",
                    [sys.executable, "manage.py", "rqworker", "high", "default", "low",
                     "--worker-class", settings.RQ_WORKER_CLASS],
                )  # fmt: skip
            self._start(
                "reconciler", [sys.executable, "manage.py", "reconcile", "--every", str(settings.RECONCILE_EVERY_S)]
            )
            shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
            self.stdout.write(
                self.style.SUCCESS(f"\nCultivate is running at http://{shown}:{port}/  (Ctrl-C stops it)\n")
            )
            self._watch()
        finally:
            self._stop()

    def _ensure_redis(self) -> None:
        url = urlparse(settings.REDIS_URL)
        if _redis_answers(settings.REDIS_URL):
            return
        if url.hostname not in LOCAL_HOSTS:
            raise CommandError(f"Redis does not answer at {settings.REDIS_URL}.")
        server = shutil.which("redis-server")
        if not server:
            raise CommandError("No Redis answers and redis-server is not installed: apt-get install redis-server")
        redis_dir = settings.DATA_DIR / "redis"
        redis_dir.mkdir(exist_ok=True)
        self._start(
            "redis",
            [server, "--port", str(url.port or 6379), "--bind", "127.0.0.1", "--dir", str(redis_dir),
             "--appendonly", "yes", "--save", ""],
        )  # fmt: skip
        for _ in range(50):
            if _redis_answers(settings.REDIS_URL):
                return
            time.sleep(0.1)
        raise CommandError("redis-server was started but does not answer.")

    def _start(self, name: str, cmd: list[str]) -> None:
        self.stdout.write(f"starting {name}")
        proc = subprocess.Popen(cmd)
        proc.name = name  # type: ignore[attr-defined]
        self.children.append(proc)

    def _watch(self) -> None:
        while not self.stopping:
            time.sleep(0.3)
            dead = next((p for p in self.children if p.poll() is not None), None)
            if dead is not None:
                time.sleep(0.3)  # a Ctrl-C may have reached the child first; give our handler its turn
                if not self.stopping:
                    raise CommandError(f"{dead.name} stopped (exit {dead.returncode}); stopping everything.")
        self.stdout.write("\nStopping…")

    def _request_stop(self, signum, frame) -> None:
        self.stopping = True

    def _stop(self) -> None:
        # Stop in reverse order: workers and web first, Redis last.
        for proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in reversed(self.children):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        self.children.clear()


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False
