"""The machinery under bench/api_load.py: its scratch folder and database, the web server
processes it measures, and the CPU they use.

Kept apart from the scenarios (bench/api_load_scenarios.py) and the report
(bench/api_load_report.py) so each reads on its own. The scratch folder and the list of
started servers live here, in one module that every part imports, so there is one of each
however the entry point was started: api_load.py removes that folder and stops those
servers at the end, Ctrl-C included.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(tempfile.mkdtemp(prefix="cultivate-api-load-"))
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "cultivate_bench"
HOST = "127.0.0.1"
TICK = os.sysconf("SC_CLK_TCK")
PERSISTENT_S = 60  # DATABASE_CONN_MAX_AGE of a "+persistent" setup
GTHREADS = 4  # threads per worker of a "gthread:N" setup


# --- scratch database and processes -----------------------------------------------------------


def admin_connection(url: str):
    """A connection to the PostgreSQL server itself, outside a transaction (CREATE DATABASE needs that)."""
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def scratch_database(use_sqlite: bool) -> str:
    """A fresh database URL: ``cultivate_bench`` on PostgreSQL, else a SQLite file."""
    if not use_sqlite:
        try:
            with admin_connection(POSTGRES) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
            return POSTGRES.rsplit("/", 1)[0] + "/" + DB_NAME
        except Exception as exc:  # noqa: BLE001 (no PostgreSQL: say so and use SQLite)
            print(f"PostgreSQL not usable ({exc}); using a scratch SQLite database", flush=True)
    return f"sqlite:///{SCRATCH / 'data' / 'api_load.sqlite3'}"


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()
    with admin_connection(POSTGRES) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


@dataclass
class Server:
    setup: str
    port: int
    procs: list[subprocess.Popen] = field(default_factory=list)
    log: Path | None = None

    def pids(self) -> list[int]:
        """The server processes and their children (uvicorn's workers)."""
        found = [p.pid for p in self.procs if p.poll() is None]
        for pid in list(found):
            found += _children(pid)
        return found

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.clear()


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            out += [int(child), *_children(int(child))]
    return out


SERVERS: list[Server] = []  # stopped at the end whatever happens


def start_server(setup: str, env: dict) -> Server:
    """Start one server setup on a free loopback port and wait until /health answers."""
    spec, _, extra = setup.partition("+")
    kind, _, n = spec.partition(":")
    n = int(n or 1)
    env = dict(env)
    if extra == "pool":  # Django's psycopg pool, from DATABASE_URL (needs psycopg-pool)
        if not env["DATABASE_URL"].startswith("postgres"):
            raise SystemExit(f"{setup}: a connection pool needs PostgreSQL")
        env["DATABASE_URL"] += "?pool=true"
    elif extra == "persistent":
        env["DATABASE_CONN_MAX_AGE"] = str(PERSISTENT_S)
    elif extra:
        raise SystemExit(f"unknown server option {extra!r} in {setup!r}: use +pool or +persistent")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    server = Server(setup, port, log=SCRATCH / f"server-{setup.replace(':', '-').replace('+', '-')}.log")
    SERVERS.append(server)
    log = open(server.log, "wb")  # noqa: SIM115 (closed below, once the children have their copies)
    common = {"cwd": ROOT, "env": env, "stdout": log, "stderr": subprocess.STDOUT, "start_new_session": True}
    app = "cultivate.asgi:application"
    if kind == "default":  # exactly what manage.py serve runs for the web
        from dashboard.management.commands.serve import web_command

        sock.close()
        if spec != kind:
            env["WEB_WORKERS"] = str(n)
        server.procs.append(subprocess.Popen(web_command(HOST, port), **common))
    elif kind == "daphne" and n == 1:  # what manage.py serve ran before (less the access log)
        sock.close()
        server.procs.append(
            subprocess.Popen([sys.executable, "-m", "daphne", "-v", "0", "-b", HOST, "-p", str(port), app], **common)
        )
    elif kind == "daphne":
        sock.listen(1024)
        fd = sock.fileno()
        for _ in range(n):
            server.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "daphne", "-v", "0", "--fd", str(fd), app], pass_fds=[fd], **common
                )
            )
        sock.close()
    elif kind == "uvicorn":
        sock.close()
        cmd = [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(port), "--workers", str(n),
               "--lifespan", "off", "--no-access-log", "--log-level", "warning"]  # fmt: skip
        server.procs.append(subprocess.Popen(cmd, **common))
    elif kind in ("gunicorn", "gthread"):  # WSGI: plain HTTP only (WebSockets need Daphne beside it)
        sock.close()
        threads = ["--worker-class", "gthread", "--threads", str(GTHREADS)] if kind == "gthread" else []
        cmd = [sys.executable, "-m", "gunicorn", "cultivate.wsgi:application", "--bind", f"{HOST}:{port}",
               "--workers", str(n), *threads, "--log-level", "warning"]  # fmt: skip
        server.procs.append(subprocess.Popen(cmd, **common))
    else:
        raise SystemExit(
            f"unknown server setup {setup!r}: use default, default:N, daphne, daphne:N, uvicorn:N, gunicorn:N or gthread:N"
        )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in server.procs):
            break
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{setup} did not start:\n{server.log.read_text()[-3000:]}")


# --- CPU accounting -----------------------------------------------------------------------


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK, sum(values[:8]) / TICK


class CpuMeter:
    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.server0 = sum(_proc_cpu(p) for p in pids)
        self.self0 = _self_cpu()
        self.machine0 = _machine_cpu()
        self.wall0 = time.monotonic()

    def read(self) -> dict:
        wall = time.monotonic() - self.wall0
        busy = _machine_cpu()[0] - self.machine0[0]
        server = sum(_proc_cpu(p) for p in self.pids) - self.server0
        clients = _self_cpu() - self.self0
        return {
            "server": server / wall,
            "clients": clients / wall,
            "other": max(busy - server - clients, 0.0) / wall,
            "server_cpu_s": server,
        }


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
