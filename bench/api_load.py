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
import shutil
import signal
import sys
import time
from decimal import Decimal
from pathlib import Path

# The parts live beside this entry point (bench/ is no package, as for bench/faces.py):
# api_load_servers (scratch database, server processes, CPU), api_load_scenarios (what the
# clients send and measure) and api_load_report (what is printed of it).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_load_report import report_body, report_burst, report_poll  # noqa: E402
from bench.api_load_scenarios import (  # noqa: E402
    body_memory,
    burst,
    make_recording,
    poll,
    verify,
    wait_for_fresh_minute,
)
from bench.api_load_servers import (  # noqa: E402
    SCRATCH,
    SERVERS,
    drop_database,
    scratch_database,
    start_server,
)

REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/12"
# One 5 s recording is held at about 1.00 USD, so a budget in whole cents fits an exact number.
COST_CPU_SECOND = "0.5"
NEEDS = {
    "uvicorn": "uvicorn",
    "gunicorn": "gunicorn",
    "gthread": "gunicorn",
    "pool": "psycopg_pool",
    "default": "a2wsgi",
}


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
            out["body"] = report_body(body_memory(server, args.body_mib))
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
