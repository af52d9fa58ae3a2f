"""The REST API under load: many clients polling one job, then a burst of submissions.

    .venv/bin/python bench/api_load.py [--servers default,daphne,uvicorn:2+pool,gunicorn:2+persistent]
                                       [--seconds 30] [--clients 100] [--interval 1] [--burst 100]
                                       [--body-mib 400]

For each server setup in --servers it starts the web server in its own process(es), as
production would, and then:

1. Polling: --clients concurrent clients, each on its own keep-alive connection, poll
   ``GET /api/v1/jobs/{id}`` for --seconds, waiting --interval seconds after each answer
   (0: a closed loop, every client asks again at once). Prints requests, throughput,
   p50/p95/p99/max latency and errors by kind (a non-200 status, a body that is not the
   job, a timeout or a broken connection), and the CPU the server, this script and the
   rest of the machine used meanwhile (the clients share the machine with the server).
2. Bursts: --burst ``POST /api/v1/jobs`` uploads of a small generated recording (5 s, made
   with ffmpeg), all fired within --burst-spread seconds. Once from a tenant with the real
   defaults (no budget; 600 requests a minute per key): all should be accepted. Once from a
   tenant whose key allows --burst-rate-limit requests a minute and whose monthly budget
   fits --burst-budget-jobs of them: the rest should be refused cleanly (429
   ``rate_limited``, 402 ``budget_exceeded``, each in the one error shape). After each,
   "none lost" is checked against the database and Redis: every 202's job exists, is
   queued, and is in its RQ queue or waits in the database for its tenant's turn (fair
   share: a tenant's jobs reach RQ a few at a time), the tenant has exactly as many jobs and stored videos as were accepted, and
   nothing was stored for a refused upload. No worker runs.
3. Body memory: one unauthenticated ``POST /health`` with a --body-mib MiB body, streamed
   from a buffer the client reuses (the client holds 1 MiB), and the resident memory of the
   server's processes (VmRSS, summed over the processes and their children) before, at its
   highest while the body goes out (sampled every 50 ms) and a second after the answer.

Server setups: ``default`` (exactly what ``manage.py serve`` starts for the web: its
``web_command``, uvicorn serving cultivate/server.py with ``WEB_WORKERS`` processes; ``default:N``
sets WEB_WORKERS=N), ``daphne`` (one Daphne process, what ``manage.py serve`` started before),
``daphne:N`` (N Daphne processes accepting on one shared listening socket, passed with
``--fd`` as a process manager such as Circus would), ``uvicorn:N`` (``uvicorn --workers N``),
``gunicorn:N`` (WSGI, N sync workers: HTTP only, no WebSockets), ``gthread:N`` (the same with
4 threads a worker). Each may end in ``+pool``:
``?pool=true`` on DATABASE_URL, Django's psycopg connection pool (package psycopg-pool, at
most 4 connections a process), or ``+persistent``: DATABASE_CONN_MAX_AGE=60; otherwise every
request opens a database connection of its own. Under ASGI each request runs its sync view
in a thread of its own, so a process holds one connection per request in flight, and
``+persistent`` leaks them (one per finished thread, until PostgreSQL refuses more).

The polling clients are a few lines of raw HTTP/1.1 on asyncio rather than httpx, to keep
the load generator's own CPU small: on a 2-core machine it competes with the server (it
prints what it used). The bursts use httpx (multipart uploads, few requests).

It runs on a scratch PostgreSQL database (``cultivate_bench``, created and dropped on
BENCH_POSTGRES_URL's server, default postgres@127.0.0.1:5432; a scratch SQLite file when no
PostgreSQL answers or with --sqlite), a scratch media folder and Redis database 12 of
REDIS_URL's server (emptied first and last), and removes them all at the end, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(tempfile.mkdtemp(prefix="cultivate-api-load-"))
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/12"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "cultivate_bench"
HOST = "127.0.0.1"
TICK = os.sysconf("SC_CLK_TCK")
SQL_CONNECTIONS = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
# One 5 s recording is held at about 1.00 USD, so a budget in whole cents fits an exact number.
COST_CPU_SECOND = "0.5"
PERSISTENT_S = 60  # DATABASE_CONN_MAX_AGE of a "+persistent" setup
GTHREADS = 4  # threads per worker of a "gthread:N" setup
NEEDS = {
    "uvicorn": "uvicorn",
    "gunicorn": "gunicorn",
    "gthread": "gunicorn",
    "pool": "psycopg_pool",
    "default": "a2wsgi",
}


# --- scratch database and processes -----------------------------------------------------------


def _admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def scratch_database(use_sqlite: bool) -> str:
    """A fresh database URL: ``cultivate_bench`` on PostgreSQL, else a SQLite file."""
    if not use_sqlite:
        try:
            with _admin(POSTGRES) as conn:
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
    with _admin(POSTGRES) as conn:
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


# --- polling --------------------------------------------------------------------------------


@dataclass
class PollStats:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    db_connections: int = 0
    retries: int = 0  # polls sent again on a fresh connection after the server closed an idle one


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
    else:
        body, headers["connection"] = await reader.read(), "close"
    return status, body, headers.get("connection", "").lower() != "close"


async def _get(conn, request: bytes, timeout: float) -> tuple[int, bytes, bool]:
    conn[1].write(request)
    return await asyncio.wait_for(_read_response(conn[0]), timeout)


async def _poller(port: int, request: bytes, expect: bytes, start: float, until: float, args, stats) -> None:
    conn = None
    counting = False
    await asyncio.sleep(random.uniform(0, args.interval or 0.05))  # clients do not start in step
    while True:
        now = time.perf_counter()
        if now >= until:
            break
        counting = counting or now >= start  # the first answers, before start, warm the server up
        try:
            if conn is not None:
                try:
                    status, body, keep = await _get(conn, request, args.timeout)
                except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError) as e:
                    # The server closed the idle keep-alive connection as we reused it (uvicorn
                    # does after 5 s): nothing was answered, so ask again on a fresh one, as
                    # HTTP clients do. A partial answer is an error.
                    if isinstance(e, asyncio.IncompleteReadError) and e.partial:
                        raise
                    conn[1].close()
                    conn = None
                    stats.retries += counting
            if conn is None:
                conn = await asyncio.wait_for(asyncio.open_connection(HOST, port), args.timeout)
                status, body, keep = await _get(conn, request, args.timeout)
            latency = time.perf_counter() - now
            error = None if status == 200 and expect in body else (f"HTTP {status}" if status != 200 else "bad body")
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            latency, keep = None, False
            error = type(e).__name__
        if not keep and conn is not None:
            conn[1].close()
            conn = None
        if counting:
            if error:
                stats.errors[error] += 1
            if latency is not None:
                stats.latencies.append(latency)
        if args.interval:
            await asyncio.sleep(args.interval)
        elif error:
            await asyncio.sleep(0.01)
    if conn is not None:
        conn[1].close()


async def poll(server: Server, job_id: str, key: str, args) -> tuple[PollStats, dict, float]:
    path = f"/api/v1/jobs/{job_id}"
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{server.port}\r\nAuthorization: Bearer {key}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    stats = PollStats()
    warmup = max(2.0, 2 * args.interval)
    start = time.perf_counter() + warmup
    until = start + args.seconds
    tasks = [
        asyncio.create_task(_poller(server.port, request, job_id.encode(), start, until, args, stats))
        for _ in range(args.clients)
    ]
    await asyncio.sleep(warmup)
    meter = CpuMeter(server.pids())
    t0 = time.perf_counter()
    watcher = asyncio.create_task(_watch_connections(stats))
    await asyncio.gather(*tasks)
    watcher.cancel()
    return stats, meter.read(), time.perf_counter() - t0


async def _watch_connections(stats: PollStats) -> None:
    """The most connections the server held open to the bench database at once."""
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        return
    with await asyncio.to_thread(_admin, POSTGRES) as conn:
        while True:
            (count,) = (await asyncio.to_thread(conn.execute, SQL_CONNECTIONS, [DB_NAME])).fetchone()
            stats.db_connections = max(stats.db_connections, count)
            await asyncio.sleep(0.25)


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def report_poll(setup: str, stats: PollStats, cpu: dict, wall: float, args) -> dict:
    lat = sorted(stats.latencies)
    n = len(lat)
    errors = sum(stats.errors.values())
    row = {
        "setup": setup,
        "requests": n,
        "rps": n / args.seconds,  # requests sent in the window; answers to the last ones come after it
        "p50": _pct(lat, 50) * 1000,
        "p95": _pct(lat, 95) * 1000,
        "p99": _pct(lat, 99) * 1000,
        "max": (lat[-1] if lat else float("nan")) * 1000,
        "errors": errors,
        "errors_by_kind": dict(stats.errors),
        "db_connections": stats.db_connections,
        "retries": stats.retries,
        "cpu": cpu,
    }
    print(
        f"  polling: {args.clients} clients, interval {args.interval:g} s, {args.seconds:g} s: {n} requests, "
        f"{row['rps']:.0f} req/s\n"
        f"  latency ms: p50 {row['p50']:.1f}  p95 {row['p95']:.1f}  p99 {row['p99']:.1f}  max {row['max']:.1f}"
        f"   (target p99 <= 50 ms: {'met' if row['p99'] <= 50 and not errors else 'MISSED'})\n"
        f"  errors: {errors}" + (f" ({', '.join(f'{k} {v}' for k, v in stats.errors.most_common())})" if errors else "")
        + (f"; {stats.retries} sent again after the server closed an idle connection" if stats.retries else "")
        + (f"; at most {stats.db_connections} database connections open" if stats.db_connections else "")
        + f"\n  CPU (cores): server {cpu['server']:.2f}, clients {cpu['clients']:.2f}, rest of the machine "
        f"{cpu['other']:.2f}; server CPU ms per request {cpu['server_cpu_s'] * 1000 / max(n, 1):.2f}",
        flush=True,
    )  # fmt: skip
    return row


# --- a large body ----------------------------------------------------------------------------


def _rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kib = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), "0")
        total += int(kib) * 1024
    return total


def _post_streamed(port: int, path: str, size: int) -> tuple[str, int]:
    """POST ``size`` bytes to ``path`` on a raw connection; (the answer's status line, bytes sent).

    The body goes out from one reused 1 MiB buffer in a thread while this one waits for the
    answer: a server may answer before the body is in (and then close the connection).
    """
    import threading

    block = b"\0" * (1024 * 1024)
    sent = 0
    conn = socket.create_connection((HOST, port), timeout=600)
    conn.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode()
    )

    def send_body() -> None:
        nonlocal sent
        try:
            while sent < size:
                n = min(len(block), size - sent)
                conn.sendall(block[:n] if n < len(block) else block)
                sent += n
        except OSError:
            pass  # the server answered and closed: the rest is not wanted

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    try:
        head = b""
        while b"\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
        status = head.split(b"\r\n", 1)[0].decode("latin-1") or "no answer"
    except OSError as exc:
        status = f"no answer ({type(exc).__name__})"
    conn.close()
    sender.join(timeout=60)
    return status, sent


def body_memory(server: Server, mib: int) -> dict:
    """The server's resident memory around one unauthenticated POST /health of ``mib`` MiB."""
    import threading

    time.sleep(1)
    before = _rss_bytes(server.pids())
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, _rss_bytes(server.pids()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    status, sent = _post_streamed(server.port, "/health", mib * 1024 * 1024)
    took = time.perf_counter() - t0
    time.sleep(1)
    done.set()
    sampler.join()
    after = _rss_bytes(server.pids())
    peak = max(peak, after)
    mb = 1024 * 1024
    row = {
        "mib": mib,
        "status": status,
        "sent_mib": sent / mb,
        "s": took,
        "rss_before_mib": before / mb,
        "rss_peak_mib": peak / mb,
        "rss_after_mib": after / mb,
    }
    print(
        f"  body: POST /health with {mib} MiB -> {status!r} after {took:.1f} s ({sent / mb:.0f} MiB sent); "
        f"server RSS {before / mb:.0f} MiB before, {peak / mb:.0f} at most, {after / mb:.0f} after "
        f"(grew {(peak - before) / mb:+.0f} MiB at most, {(after - before) / mb:+.0f} kept)",
        flush=True,
    )
    return row


# --- bursts -----------------------------------------------------------------------------------


def make_recording() -> Path:
    out = SCRATCH / "lesson.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=5",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=5", "-c:v", "libx264", "-preset", "ultrafast",
         "-c:a", "aac", "-b:a", "32k", "-shortest", "-y", str(out)],
        check=True,
    )  # fmt: skip
    return out


async def burst(port: int, key: str, recording: Path, n: int, spread: float) -> tuple[list[dict], float]:
    import httpx

    data = recording.read_bytes()
    url = f"http://{HOST}:{port}/api/v1/jobs"

    async def one(client, i: int) -> dict:
        await asyncio.sleep(spread * i / n)
        t0 = time.perf_counter()
        try:
            r = await client.post(
                url,
                headers={"Authorization": f"Bearer {key}"},
                files={"file": ("lesson.mp4", data, "video/mp4")},
                data={"render": "false"},
            )
        except httpx.HTTPError as exc:
            return {"status": type(exc).__name__, "body": None, "s": time.perf_counter() - t0}
        try:
            body = r.json()
        except ValueError:
            body = None
        return {"status": r.status_code, "body": body, "s": time.perf_counter() - t0}

    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    t0 = time.perf_counter()
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:
        results = await asyncio.gather(*(one(client, i) for i in range(n)))
    return results, time.perf_counter() - t0


def _clean_refusal(result: dict, status: int, code: str) -> bool:
    err = (result["body"] or {}).get("error") if isinstance(result["body"], dict) else None
    return result["status"] == status and isinstance(err, dict) and err.get("code") == code and "message" in err


def verify(tenant, results: list[dict]) -> dict:
    """Compare what the clients were told with the database, Redis and the media folder."""
    import django_rq
    from django.conf import settings

    from jobs.models import Job, Video
    from jobs.reconcile import _in_rq

    accepted = {r["body"]["id"] for r in results if r["status"] == 202}
    jobs = {str(j.id): j for j in Job.objects.filter(tenant=tenant)}
    lost = sorted(accepted - jobs.keys())
    unacknowledged = sorted(jobs.keys() - accepted)  # created, but the client never heard of it
    not_queued = sorted(i for i, j in jobs.items() if j.status != Job.Status.QUEUED)
    in_rq = {i for i, j in jobs.items() if _in_rq(j.queue, j.rq_id)}
    waiting = {name: set(django_rq.get_queue(name).get_job_ids()) for name in settings.RQ_QUEUES}
    on_queue = {i for i, j in jobs.items() if j.rq_id in waiting[j.queue]}
    stored = Path(settings.MEDIA_ROOT, "videos", str(tenant.pk))
    files = sum(1 for p in stored.rglob("*") if p.is_file()) if stored.exists() else 0
    return {
        "accepted": len(accepted),
        "jobs": len(jobs),
        "lost": lost,
        "unacknowledged": unacknowledged,
        "not_queued": not_queued,
        "on_queue": len(on_queue),
        # Fair share (jobs/dispatch.py): a tenant's jobs reach RQ a few at a time, the rest wait
        # in the database for their turn; a dispatched job RQ does not hold is the reconciler's.
        "held": sorted(i for i in jobs.keys() - in_rq if jobs[i].dispatched_at is None),
        "reconciler": sorted(i for i in jobs.keys() - in_rq if jobs[i].dispatched_at is not None),
        "videos": Video.objects.filter(tenant=tenant).count(),
        "files": files,
    }


def report_burst(name: str, results: list[dict], wall: float, check: dict, expect: str) -> dict:
    counts = Counter(r["status"] for r in results)
    clean = {
        429: sum(_clean_refusal(r, 429, "rate_limited") for r in results),
        402: sum(_clean_refusal(r, 402, "budget_exceeded") for r in results),
    }
    other = {k: v for k, v in counts.items() if k not in (202, 402, 429)}
    lost = check["lost"]
    ok = (
        not lost
        and not check["unacknowledged"]
        and not check["not_queued"]
        and not other
        and check["jobs"] == check["accepted"] == check["videos"] == check["files"]
        and clean[429] == counts[429]
        and clean[402] == counts[402]
    )
    took = sorted(r["s"] for r in results)
    print(
        f"  burst ({name}): {len(results)} POST /jobs in {wall:.1f} s (until the last answer; each took "
        f"p50 {_pct(took, 50):.1f} s, max {took[-1]:.1f} s): "
        f"202 accepted {counts[202]}, 402 budget {counts[402]}, 429 rate limited {counts[429]}, "
        f"other {sum(other.values())}{' ' + str(other) if other else ''}   [expected: {expect}]\n"
        f"    refusals in the error shape with their code: 402 {clean[402]}/{counts[402]}, "
        f"429 {clean[429]}/{counts[429]}\n"
        f"    database: {check['jobs']} jobs for the tenant ({len(check['not_queued'])} not queued), "
        f"{check['videos']} videos, {check['files']} stored files; {check['on_queue']} waiting on their RQ queue, "
        f"{len(check['held'])} waiting for their tenant's turn (fair share), "
        f"{len(check['reconciler'])} dispatched but not in RQ (the reconciler's)\n"
        f"    lost {len(lost)}{' ' + ', '.join(lost) if lost else ''}; created but not acknowledged "
        f"{len(check['unacknowledged'])}   -> {'OK' if ok else 'PROBLEM'}",
        flush=True,
    )
    return {
        "name": name,
        "counts": dict(counts),
        "wall": wall,
        "p50_s": _pct(took, 50),
        "max_s": took[-1],
        "lost": len(lost),
        "ok": ok,
    }


def wait_for_fresh_minute(needed_s: float) -> None:
    """Rate limits count per calendar minute: start a burst early enough in one."""
    left = 60 - time.time() % 60
    if left < needed_s:
        print(f"  (waiting {left:.0f} s so the limited burst falls in one rate-limit minute)", flush=True)
        time.sleep(left + 0.2)


# --- the run --------------------------------------------------------------------------------


def fixtures(recording: Path, args):
    """Tenants and keys; a queued job to poll."""
    from cultivate.accounts import services as accounts
    from jobs import services
    from jobs.billing import costs
    from jobs.media import uploads

    poll_tenant = accounts.tenant_create(name="Load bench")
    poll_tenant.api_requests_per_minute = 10**7
    poll_tenant.save(update_fields=["api_requests_per_minute"])
    _, poll_key = accounts.apikey_create(tenant=poll_tenant, name="poller", role="coach", requests_per_minute=10**7)
    user = accounts.member_add(tenant=poll_tenant, username="bench", password="not-used-1234", role="coach").user
    video = uploads.video_create(tenant=poll_tenant, uploader=user, upload=_Upload(recording))
    job = services.job_create(tenant=poll_tenant, video=video, created_by=user)
    estimate = costs.estimate(duration_s=video.duration_s, size_bytes=video.size_bytes)
    return str(job.id), poll_key, estimate


def burst_tenants(n: int, estimate: Decimal, args):
    """A tenant with the real defaults, and one with a tight key rate limit and budget."""
    from cultivate.accounts import services as accounts

    stamp = f"{time.time_ns() % 10**9}"
    plain = accounts.tenant_create(name=f"Burst defaults {stamp}")
    _, plain_key = accounts.apikey_create(tenant=plain, name="burst", role="coach")
    tight = accounts.tenant_create(name=f"Burst limited {stamp}")
    tight.monthly_budget = (estimate * args.burst_budget_jobs + estimate / 2).quantize(Decimal("0.01"))
    tight.save(update_fields=["monthly_budget"])
    _, tight_key = accounts.apikey_create(
        tenant=tight, name="burst", role="coach", requests_per_minute=args.burst_rate_limit
    )
    return (plain, plain_key), (tight, tight_key)


class _Upload:
    """A file on disk as the upload service takes it."""

    def __init__(self, path: Path) -> None:
        self.name, self.size = path.name, path.stat().st_size
        self._path = path
        self._file = open(path, "rb")  # noqa: SIM115 (closed with the process)

    def temporary_file_path(self) -> str:
        return str(self._path)

    def __getattr__(self, name):
        return getattr(self._file, name)


def run_setup(setup: str, job_id: str, poll_key: str, recording: Path, estimate: Decimal, args) -> dict:
    from django.db import connections

    print(f"\n== {setup} ==", flush=True)
    for part in (setup.split(":")[0].split("+")[0], setup.partition("+")[2]):
        module = NEEDS.get(part)
        if module and importlib.util.find_spec(module) is None:
            print(f"  skipped: {module} is not installed (for a comparison: pip install {module})", flush=True)
            return {}
    server = start_server(setup, dict(os.environ))
    try:
        out = {}
        if args.body_mib > 0:
            out["body"] = body_memory(server, args.body_mib)
        if args.seconds > 0:
            connections.close_all()  # count only the server's connections
            stats, cpu, wall = asyncio.run(poll(server, job_id, poll_key, args))
            out["poll"] = report_poll(setup, stats, cpu, wall, args)
        if args.burst > 0:
            (plain, plain_key), (tight, tight_key) = burst_tenants(args.burst, estimate, args)
            results, wall = asyncio.run(burst(server.port, plain_key, recording, args.burst, args.burst_spread))
            out["burst_defaults"] = report_burst(
                "real defaults", results, wall, verify(plain, results), f"all {args.burst} accepted"
            )
            limited = min(args.burst, args.burst_rate_limit)
            expect = (
                f"{min(limited, args.burst_budget_jobs)} accepted, {max(limited - args.burst_budget_jobs, 0)} budget, "
                f"{args.burst - limited} rate limited"
            )
            wait_for_fresh_minute(args.burst_window)
            results, wall = asyncio.run(burst(server.port, tight_key, recording, args.burst, args.burst_spread))
            out["burst_limited"] = report_burst(
                f"key {args.burst_rate_limit}/min, budget for {args.burst_budget_jobs} jobs",
                results,
                wall,
                verify(tight, results),
                expect,
            )
        return out
    finally:
        server.stop()
        text = server.log.read_text(errors="replace")
        if (count := text.count("Traceback")) > 0:
            first = text[text.index("Traceback") :].split("\n\n", 1)[0]
            print(f"  the server logged {count} traceback(s); the first:\n{first[-3000:]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--servers",
        default="default,daphne,uvicorn:2+pool,gunicorn:2+persistent",
        help="comma-separated: default, daphne, daphne:N, uvicorn:N, gunicorn:N, each maybe +pool (see above)",
    )
    parser.add_argument("--seconds", type=float, default=30, help="polling time per setup (0: no polling)")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--interval", type=float, default=1.0, help="each client's wait after an answer (s)")
    parser.add_argument("--timeout", type=float, default=10, help="a poll without an answer by then is an error")
    parser.add_argument("--burst", type=int, default=100, help="submissions per burst (0: no bursts)")
    parser.add_argument("--burst-spread", type=float, default=2.0, help="the burst's requests leave within this (s)")
    parser.add_argument("--burst-rate-limit", type=int, default=80, help="the limited key's requests a minute")
    parser.add_argument("--burst-budget-jobs", type=int, default=60, help="the limited tenant's budget, in jobs")
    parser.add_argument("--burst-window", type=float, default=40, help="seconds of a minute the limited burst needs")
    parser.add_argument("--body-mib", type=int, default=400, help="size of the POST /health body (0: no body check)")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even if PostgreSQL answers")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    database = scratch_database(args.sqlite)
    try:
        _run(database, args)
    finally:
        for server in SERVERS:
            server.stop()
        drop_database(database)


def _run(database: str, args) -> None:
    os.environ.update(
        {
            "DATA_DIR": str(SCRATCH / "data"),
            "MEDIA_ROOT": str(SCRATCH / "media"),
            "DATABASE_URL": database,
            "REDIS_URL": REDIS,
            "CACHE_PREFIX": "cultivate-api-load",
            "CHANNELS_PREFIX": "cultivate-api-load",
            "COST_CPU_SECOND": COST_CPU_SECOND,
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cultivate.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import django_rq
    from django.core.management import call_command

    redis = django_rq.get_connection("default")
    try:
        redis.flushdb()  # database 12: the benchmark's own
        call_command("migrate", verbosity=0)
        recording = make_recording()
        job_id, poll_key, estimate = fixtures(recording, args)
        engine = "PostgreSQL" if database.startswith("postgres") else "SQLite"
        print(
            f"database {engine}, Redis {REDIS}, {os.cpu_count()} CPU cores; recording {recording.stat().st_size} bytes, "
            f"held at {estimate} per job",
            flush=True,
        )
        figures = [
            {"setup": s, **run_setup(s, job_id, poll_key, recording, estimate, args)}
            for s in args.servers.split(",")
            if s
        ]
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    finally:
        redis.flushdb()


def _stop(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted; cleaned up", file=sys.stderr)
        sys.exit(130)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
