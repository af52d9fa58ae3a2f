"""The three load scenarios of bench/api_load.py: what its clients send, and what they measure.

1. polling: many keep-alive clients asking for one job, on raw HTTP/1.1 over asyncio (a
   few lines, so the load generator's own CPU stays small beside the server's);
2. a large body: one streamed POST /health and the server's resident memory around it;
3. bursts: many uploads at once, then what the database, Redis and storage hold after them.

Each returns its figures; bench/api_load_report.py prints them. The entry point and the
options are bench/api_load.py's.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.api_load_servers import DB_NAME, HOST, POSTGRES, SCRATCH, CpuMeter, Server, admin_connection

SQL_CONNECTIONS = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"


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
    with await asyncio.to_thread(admin_connection, POSTGRES) as conn:
        while True:
            (count,) = (await asyncio.to_thread(conn.execute, SQL_CONNECTIONS, [DB_NAME])).fetchone()
            stats.db_connections = max(stats.db_connections, count)
            await asyncio.sleep(0.25)


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


def wait_for_fresh_minute(needed_s: float) -> None:
    """Rate limits count per calendar minute: start a burst early enough in one."""
    left = 60 - time.time() % 60
    if left < needed_s:
        print(f"  (waiting {left:.0f} s so the limited burst falls in one rate-limit minute)", flush=True)
        time.sleep(left + 0.2)
