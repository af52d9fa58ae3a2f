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
        signal.signal(signal.SIGTERM, lambda *_: self._stop_and_exit())
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
            shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
            self.stdout.write(
                self.style.SUCCESS(f"\nCultivate is running at http://{shown}:{port}/  (Ctrl-C stops it)\n")
            )
            self._watch()
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
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
        while True:
            for proc in self.children:
                if proc.poll() is not None:
                    raise CommandError(f"{proc.name} stopped (exit {proc.returncode}); stopping everything.")
            time.sleep(0.5)

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

    def _stop_and_exit(self) -> None:
        self._stop()
        sys.exit(0)


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False
