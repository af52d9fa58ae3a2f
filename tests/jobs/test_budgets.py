"""Costs and budgets: estimates, the ledger, alerts, refusals, and the race of parallel submissions."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from cultivate.accounts.models import AuditEntry
from cultivate.refusals import Refusal
from jobs import attempts, services
from jobs.billing import budgets, costs
from jobs.models import BudgetAlert, CostEntry, Job, Video, WebhookDelivery
from tests.conftest import login
from tests.factories import VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.COST_CPU_SECOND = 0.001
    settings.COST_GPU_SECOND = 0.01
    settings.COST_GB_MONTH = 0.02
    settings.COST_ESTIMATE_CPU_S_PER_MEDIA_S = 0.5
    settings.COST_ESTIMATE_GPU_S_PER_MEDIA_S = 0.0


def video(tenant, minutes: float = 10) -> Video:
    return VideoFactory(tenant=tenant, probe={"duration_s": minutes * 60, "has_video": True, "has_audio": True})


def test_it_prices_cpu_gpu_and_storage_from_timings():
    timings = {
        "transcribe": {"wall_s": 40.0, "cpu_s": 70.0, "device": "cuda"},
        "speakers": {"wall_s": 10.0, "cpu_s": 20.0, "device": "cuda:0"},
        "render": {"wall_s": 25.0, "cpu_s": 45.0, "device": "cpu"},
        "total": {"wall_s": 80.0, "cpu_s": 120.0},
    }
    usage = costs.usage_from_timings(timings, stored_bytes=costs.GB // 2)
    assert (usage.cpu_s, usage.gpu_s) == (120.0, 50.0)  # the process's CPU, not the overlapping stages'
    by_kind = {line.kind: line.amount for line in costs.lines(usage)}
    assert by_kind == {"cpu": Decimal("0.120000"), "gpu": Decimal("0.500000"), "storage": Decimal("0.010000")}
    assert costs.total(usage) == Decimal("0.630000")


def test_an_estimate_grows_with_the_recording():
    assert costs.estimate(duration_s=600) == Decimal("0.300000")  # 600 s x 0.5 CPU-s x 0.001
    assert costs.estimate(duration_s=2700) > costs.estimate(duration_s=600)
    assert costs.estimate(duration_s=None) == 0


def test_a_job_that_does_not_fit_is_refused_and_nothing_is_queued(tenant_a, bob, redis_queues):
    tenant_a.monthly_budget = Decimal("0.50")
    tenant_a.save()
    first = services.job_create(tenant=tenant_a, video=video(tenant_a), created_by=bob)  # holds 0.30
    with pytest.raises(Refusal) as refused:
        services.job_create(tenant=tenant_a, video=video(tenant_a), created_by=bob)
    assert refused.value.code == "budget_exceeded" and refused.value.permanent
    assert "0.20 USD" in refused.value.message  # what is left
    assert list(Job.objects.values_list("id", flat=True)) == [first.id]


def test_a_finished_job_records_its_cost_and_releases_its_hold(tenant_a, bob, redis_queues):
    job = services.job_create(tenant=tenant_a, video=video(tenant_a), created_by=bob)
    assert budgets.budget_usage(tenant=tenant_a).reserved == Decimal("0.3")
    attempt = attempts.job_start(job_id=job.id).current_attempt
    result = {
        "timings": {"transcribe": {"wall_s": 9, "cpu_s": 9, "device": "cpu"}, "total": {"wall_s": 10, "cpu_s": 15}}
    }
    assert attempts.job_succeed(job_id=job.id, attempt=attempt, result=result, stored_bytes=0)
    job.refresh_from_db()
    lines = {e.kind: e.amount for e in CostEntry.objects.filter(job=job)}
    assert lines["cpu"] == Decimal("0.015")
    assert job.cost == sum(lines.values())
    usage = budgets.budget_usage(tenant=tenant_a)
    assert usage.reserved == 0 and usage.spent == job.cost


def test_alerts_fire_once_at_80_and_100_percent(tenant_a, alice, bob, redis_queues, django_capture_on_commit_callbacks):
    from jobs.webhooks import deliveries

    alice.email = "alice@maple.example"
    alice.save()
    tenant_a.monthly_budget = Decimal("1.00")
    tenant_a.save()
    deliveries.webhook_create(tenant=tenant_a, url="https://hooks.example.org/c", events=["budget.threshold"])

    def spend(amount: str):
        job = services.job_create(tenant=tenant_a, video=video(tenant_a, minutes=0.01), created_by=bob)
        attempt = attempts.job_start(job_id=job.id).current_attempt
        cpu = float(Decimal(amount) / Decimal("0.001"))
        with django_capture_on_commit_callbacks(execute=True):
            attempts.job_succeed(
                job_id=job.id, attempt=attempt, result={"timings": {"total": {"wall_s": 1, "cpu_s": cpu}}}
            )

    spend("0.50")
    assert not BudgetAlert.objects.exists()
    spend("0.35")  # 85 %
    spend("0.01")  # still 86 %: no second alert
    assert list(BudgetAlert.objects.values_list("threshold", flat=True)) == [80]
    spend("0.20")  # 106 %
    assert sorted(BudgetAlert.objects.values_list("threshold", flat=True)) == [80, 100]
    assert [m.to for m in mail.outbox] == [["alice@maple.example"]] * 2
    assert "100 %" in mail.outbox[1].body
    assert WebhookDelivery.objects.filter(event="budget.threshold").count() == 2
    assert AuditEntry.objects.filter(tenant=tenant_a, action="budget.threshold").count() == 2


def test_the_upload_page_refuses_over_budget_with_a_clear_message_and_keeps_nothing(
    client, media_dir, tenant_a, bob, redis_queues
):
    tenant_a.monthly_budget = Decimal("0.00")
    tenant_a.save()
    login(client, bob)
    with open(media_dir / "lesson.mp4", "rb") as f:
        response = client.post("/upload/", {"file": f}, HTTP_ACCEPT="application/json")
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "budget_exceeded"
    assert not Video.objects.exists() and not Job.objects.exists()


def test_the_upload_page_shows_the_estimate_rate_and_what_is_left(client, tenant_a, bob):
    tenant_a.monthly_budget = Decimal("25.00")
    tenant_a.save()
    page = login(client, bob).get("/upload/").content.decode()
    assert "0.0300 USD per minute of recording" in page
    assert "25.00 USD of this month" in page


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_never_overspend(tenant_a, bob, redis_queues):
    """20 submissions at once against a budget that fits 10: exactly 10 are queued."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers on the whole file")
    videos = [video(tenant_a) for _ in range(20)]
    tenant_a.monthly_budget = Decimal("3.15")  # 10 x 0.30, and not 11
    tenant_a.save()
    start = threading.Barrier(len(videos))
    outcomes: list[str] = []

    def submit(v):
        try:
            start.wait()
            services.job_create(tenant=tenant_a, video=v, created_by=bob)
            outcomes.append("queued")
        except Refusal as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=submit, args=(v,)) for v in videos]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["budget_exceeded"] * 10 + ["queued"] * 10
    assert Job.objects.filter(tenant=tenant_a, status=Job.Status.QUEUED).count() == 10
    assert budgets.budget_usage(tenant=tenant_a).committed == Decimal("3.00")
