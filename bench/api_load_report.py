"""What bench/api_load.py prints: one summary per scenario and server setup.

The scenarios (bench/api_load_scenarios.py) measure and return figures; these functions
print them with the targets and expectations they are judged against (p99 <= 50 ms for
polling; accepted, refused in the one error shape and none lost for bursts), and return
the row that ``--json`` writes.
"""

from __future__ import annotations

from collections import Counter

from bench.api_load_scenarios import PollStats


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


def report_body(row: dict) -> dict:
    """Print the large-body figures of ``body_memory``; returns them unchanged."""
    print(
        f"  body: POST /health with {row['mib']} MiB -> {row['status']!r} after {row['s']:.1f} s "
        f"({row['sent_mib']:.0f} MiB sent); server RSS {row['rss_before_mib']:.0f} MiB before, "
        f"{row['rss_peak_mib']:.0f} at most, {row['rss_after_mib']:.0f} after "
        f"(grew {row['rss_peak_mib'] - row['rss_before_mib']:+.0f} MiB at most, "
        f"{row['rss_after_mib'] - row['rss_before_mib']:+.0f} kept)",
        flush=True,
    )
    return row


def _clean_refusal(result: dict, status: int, code: str) -> bool:
    err = (result["body"] or {}).get("error") if isinstance(result["body"], dict) else None
    return result["status"] == status and isinstance(err, dict) and err.get("code") == code and "message" in err


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
