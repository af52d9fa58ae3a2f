"""Prometheus metrics, gathered when ``/metrics`` is scraped.

Web and worker processes are many and short-lived, so nothing is kept in a process's
memory: counts come from the database (jobs, webhook deliveries, costs) and RQ (queue
depth, workers) at scrape time, and the two histograms (stage durations and real-time
factor) are kept in Redis hashes that workers add to when a job succeeds. If Redis is
emptied the histograms start again from zero, which Prometheus reads as a counter reset.
"""

from __future__ import annotations

import logging
import math

import django_rq
from django.conf import settings
from django.db.models import Count, Sum
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from redis.exceptions import RedisError
from rq import Worker

from jobs.models import CostEntry, Job, WebhookDelivery

log = logging.getLogger(__name__)

KEY = "cultivate:metrics:{name}:{label}"
STAGE_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, math.inf)
# Processing seconds per second of recording: below 1 is faster than real time.
RTF_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5, math.inf)


def _redis():
    return django_rq.get_connection("default")


def _observe(pipe, name: str, label: str, value: float, buckets) -> None:
    key = KEY.format(name=name, label=label)
    for bound in buckets:
        if value <= bound:
            pipe.hincrby(key, _bucket_field(bound), 1)
    pipe.hincrbyfloat(key, "sum", value)
    pipe.hincrby(key, "count", 1)
    pipe.sadd(KEY.format(name=name, label="_labels"), label)


def _bucket_field(bound: float) -> str:
    return "+Inf" if bound == math.inf else repr(float(bound))


def job_observe(kind: str, timings: dict, *, media_s: float | None) -> None:
    """Add a succeeded job's stage durations and real-time factor to the histograms."""
    try:
        pipe = _redis().pipeline(transaction=False)
        for stage, t in timings.items():
            if stage != "total" and "wall_s" in t:
                _observe(pipe, "stage", stage, float(t["wall_s"]), STAGE_BUCKETS)
        total = timings.get("total", {}).get("wall_s")
        if total and media_s:
            _observe(pipe, "rtf", kind, float(total) / float(media_s), RTF_BUCKETS)
        pipe.execute()
    except RedisError as exc:
        log.warning("metrics not recorded: %s", exc)


def _histogram(name: str, doc: str, label_name: str, source: str, buckets) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, doc, labels=[label_name])
    redis = _redis()
    for raw in sorted(redis.smembers(KEY.format(name=source, label="_labels"))):
        label = raw.decode()
        data = {k.decode(): v.decode() for k, v in redis.hgetall(KEY.format(name=source, label=label)).items()}
        # Buckets were counted per bound, so each is already cumulative.
        pairs = [(_bucket_field(b), float(data.get(_bucket_field(b), 0))) for b in buckets]
        family.add_metric([label], pairs, sum_value=float(data.get("sum", 0)))
    return family


class CultivateCollector:
    """Everything ``/metrics`` shows, read fresh on each scrape."""

    def collect(self):
        jobs = GaugeMetricFamily("cultivate_jobs", "Jobs by kind and status.", labels=["kind", "status"])
        counts = {
            (r["kind"], r["status"]): r["n"] for r in Job.objects.values("kind", "status").annotate(n=Count("id"))
        }
        for kind in Job.Kind.values:
            for status in Job.Status.values:
                jobs.add_metric([kind, status], counts.get((kind, status), 0))
        yield jobs

        hooks = GaugeMetricFamily(
            "cultivate_webhook_deliveries", "Webhook deliveries by event and outcome.", labels=["event", "status"]
        )
        for r in WebhookDelivery.objects.values("event", "status").annotate(n=Count("id")).order_by():
            hooks.add_metric([r["event"], r["status"]], r["n"])
        yield hooks

        # By tenant id, not name or slug (a slug is made from the name): whoever reads the
        # metrics learns spend, not which school spends it.
        cost = CounterMetricFamily(
            "cultivate_cost", "Recorded cost by tenant id and kind.", labels=["tenant_id", "kind", "currency"]
        )
        for r in CostEntry.objects.values("tenant_id", "kind").annotate(total=Sum("amount")).order_by():
            cost.add_metric([str(r["tenant_id"]), r["kind"], settings.COST_CURRENCY], float(r["total"]))
        yield cost

        try:
            yield from self._from_redis()
        except RedisError as exc:
            log.warning("metrics from Redis not read: %s", exc)
            up = GaugeMetricFamily("cultivate_redis_up", "Whether Redis answered this scrape.")
            up.add_metric([], 0)
            yield up

    def _from_redis(self):
        depth = GaugeMetricFamily("cultivate_queue_depth", "Jobs waiting in each RQ queue.", labels=["queue"])
        for name in settings.RQ_QUEUES:
            depth.add_metric([name], django_rq.get_queue(name).count)
        workers = Worker.all(connection=_redis())
        alive = GaugeMetricFamily("cultivate_workers", "RQ workers alive, by state.", labels=["state"])
        states: dict[str, int] = {"busy": 0, "idle": 0}
        for worker in workers:
            state = str(worker.get_state())
            states[state] = states.get(state, 0) + 1
        for state, n in sorted(states.items()):
            alive.add_metric([state], n)
        up = GaugeMetricFamily("cultivate_redis_up", "Whether Redis answered this scrape.")
        up.add_metric([], 1)
        yield from (depth, alive, up)
        yield _histogram(
            "cultivate_stage_duration_seconds",
            "Wall seconds of each pipeline stage of succeeded jobs.",
            "stage",
            "stage",
            STAGE_BUCKETS,
        )
        yield _histogram(
            "cultivate_job_real_time_factor",
            "Processing seconds per second of recording of succeeded jobs.",
            "kind",
            "rtf",
            RTF_BUCKETS,
        )


def render_metrics() -> bytes:
    """The Prometheus text exposition of everything above."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CultivateCollector())
    return generate_latest(registry)
