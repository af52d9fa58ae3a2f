"""/metrics in the Prometheus text format, from the database, RQ and Redis."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from jobs import metrics
from jobs.models import Job
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clean_metrics():
    import django_rq

    redis = django_rq.get_connection("default")
    for key in redis.scan_iter("cultivate:metrics:*"):
        redis.delete(key)
    yield
    for key in redis.scan_iter("cultivate:metrics:*"):
        redis.delete(key)


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = "scrape-token"


def scrape(client) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def test_it_counts_jobs_queues_and_workers(client, tenant_a, redis_queues, clean_metrics):
    JobFactory(video__tenant=tenant_a, status=Job.Status.QUEUED)
    JobFactory(video__tenant=tenant_a, status=Job.Status.FAILED)
    import django_rq

    django_rq.get_queue("high", commit_mode="auto").enqueue("jobs.tasks.run_job", "0" * 32)
    samples = scrape(client)
    assert samples[("cultivate_jobs", (("kind", "analyze"), ("status", "queued")))] == 1
    assert samples[("cultivate_jobs", (("kind", "analyze"), ("status", "failed")))] == 1
    assert samples[("cultivate_jobs", (("kind", "analyze"), ("status", "running")))] == 0
    assert samples[("cultivate_queue_depth", (("queue", "high"),))] == 1
    assert samples[("cultivate_redis_up", ())] == 1
    assert ("cultivate_workers", (("state", "busy"),)) in samples


def test_it_keeps_stage_and_real_time_factor_histograms(client, clean_metrics):
    timings = {"transcribe": {"wall_s": 40.0}, "render": {"wall_s": 7.0}, "total": {"wall_s": 60.0}}
    metrics.job_observe("analyze", timings, media_s=600)
    metrics.job_observe("analyze", {"transcribe": {"wall_s": 200.0}, "total": {"wall_s": 300.0}}, media_s=600)
    samples = scrape(client)
    stage = (("stage", "transcribe"),)
    assert samples[("cultivate_stage_duration_seconds_count", stage)] == 2
    assert samples[("cultivate_stage_duration_seconds_sum", stage)] == 240.0
    assert samples[("cultivate_stage_duration_seconds_bucket", (("le", "60.0"), ("stage", "transcribe")))] == 1
    assert samples[("cultivate_stage_duration_seconds_bucket", (("le", "+Inf"), ("stage", "transcribe")))] == 2
    rtf = (("kind", "analyze"),)
    assert samples[("cultivate_job_real_time_factor_count", rtf)] == 2
    assert samples[("cultivate_job_real_time_factor_bucket", (("kind", "analyze"), ("le", "0.1")))] == 1


def test_it_wants_the_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200
