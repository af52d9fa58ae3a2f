"""`manage.py serve`: the whole product on one machine (what `make run` starts).

Makes sure Redis answers (starts a local redis-server when none does), migrates, creates the
demo tenant, then runs and supervises the web (HTTP and WebSockets on one port), the job
workers, the webhook delivery worker and the reconciler until Ctrl-C or SIGTERM. A child that
dies is started again after a backoff (cultivate/supervisor.py); the rest keep running.

``--web-only`` runs just the web server in this process (the image's ``web`` command, and
what ``web_command`` gives serve and bench/api_load.py): uvicorn with ``WEB_WORKERS`` worker
processes serving cultivate/server.py.
"""

from __future__ import annotations

import copy
import shutil
import signal
import socket
import sys
import time
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cultivate.supervisor import Supervisor

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "")
GRACEFUL_SHUTDOWN_S = 5  # requests and sockets still open when the web is told to stop


def manage_py() -> str:
    return str(settings.BASE_DIR / "manage.py")


def web_command(host: str, port: int) -> list[str]:
    """The web server's command line: what serve runs, the image's ``web``, the load bench's default."""
    return [sys.executable, manage_py(), "serve", "--web-only", "--host", host, "--port", str(port)]


def worker_command() -> list[str]:
    return [sys.executable, manage_py(), "rqworker", *settings.JOB_QUEUES, "--worker-class", settings.RQ_WORKER_CLASS]


def delivery_command() -> list[str]:
    """Webhook deliveries have a queue and a worker of their own: a slow receiver holds up no job."""
    return [sys.executable, manage_py(), "rqworker", settings.WEBHOOK_QUEUE, "--worker-class", settings.RQ_WORKER_CLASS]


def reconciler_command() -> list[str]:
    return [sys.executable, manage_py(), "reconcile", "--every", str(settings.RECONCILE_EVERY_S)]


def run_web(host: str, port: int) -> None:
    """Serve HTTP and WebSockets on host:port until SIGINT or SIGTERM (uvicorn, cultivate/server.py).

    With more than one worker uvicorn's parent process starts them, shares the listening
    socket among them and starts again one that dies.
    """
    import uvicorn

    uvicorn.run(
        "cultivate.server:application",
        host=host,
        port=port,
        workers=settings.WEB_WORKERS,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        lifespan="off",
        # Django's logging everywhere, tokens in links redacted (cultivate/redact.py).
        log_config=copy.deepcopy(settings.LOGGING),
        access_log=settings.WEB_ACCESS_LOG,
        # Client address and scheme as the socket says; behind a proxy Django's own settings
        # (USE_X_FORWARDED_FOR, SECURE_PROXY_SSL_HEADER) decide what to trust.
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


class Command(BaseCommand):
    help = "Run the web, the workers and the reconciler (and Redis when none answers) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.SERVE_HOST)
        parser.add_argument("--port", type=int, default=settings.SERVE_PORT)
        parser.add_argument("--workers", type=int, default=1, help="job workers to start (0 for none)")
        parser.add_argument("--web-only", action="store_true", help="run only the web server, in this process")

    def handle(self, *args, host, port, workers, web_only, **options):
        if web_only:
            run_web(host, port)
            return
        self.stopping = False
        # Children lead process groups of their own, so a terminal's Ctrl-C reaches only this
        # process; a flag, not an exception, ends the watch loop and stop() then stops them.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._request_stop)
        self.supervisor = Supervisor(self._say)
        try:
            self._ensure_redis()
            call_command("migrate", interactive=False, verbosity=0)
            call_command("demo_tenant")
            _check_port_free(host, port)
            self.supervisor.start("web", web_command(host, port))
            for n in range(workers):
                self.supervisor.start(f"worker {n + 1}", worker_command())
            self.supervisor.start("delivery", delivery_command())
            self.supervisor.start("reconciler", reconciler_command())
            shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
            self.stdout.write(
                self.style.SUCCESS(f"\nCultivate is running at http://{shown}:{port}/  (Ctrl-C stops it)\n")
            )
            while not self.stopping:
                time.sleep(0.3)
                if not self.stopping:
                    self.supervisor.check()
            self._say("\nStopping…")
        finally:
            self.supervisor.stop()

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

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
        self.supervisor.start(
            "redis",
            [server, "--port", str(url.port or 6379), "--bind", "127.0.0.1", "--dir", str(redis_dir),
             "--appendonly", "yes", "--save", ""],
        )  # fmt: skip
        for _ in range(50):
            if _redis_answers(settings.REDIS_URL):
                return
            time.sleep(0.1)
        raise CommandError("redis-server was started but does not answer.")

    def _request_stop(self, signum, frame) -> None:
        self.stopping = True


def _check_port_free(host: str, port: int) -> None:
    """Fail now, with a message, rather than restart a web that cannot bind for ever."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port} ({exc.strerror}): is another server running?") from None


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False
