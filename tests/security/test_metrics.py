"""/metrics wants its token whenever DEBUG is off, and names no tenant."""

from __future__ import annotations

from decimal import Decimal

import pytest
from prometheus_client.parser import text_string_to_metric_families

from jobs.models import CostEntry, month_of
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_it_refuses_metrics_without_a_token_when_debug_is_off(client, settings):
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics")
    assert response.status_code == 403
    body = response.content.decode()
    assert "METRICS_TOKEN" in body
    assert "cultivate_" not in body


def test_it_serves_metrics_without_a_token_only_in_debug(client, settings):
    settings.DEBUG = True
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 200


def test_it_wants_the_token_whatever_debug_says_once_one_is_set(client, settings):
    settings.METRICS_TOKEN = "a-long-scrape-token"
    for debug in (False, True):
        settings.DEBUG = debug
        refused = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-it")
        assert refused.status_code == 401 and "cultivate_" not in refused.content.decode()
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer a-long-scrape-token").status_code == 200


def test_it_labels_spend_by_tenant_id_not_name(client, settings, tenant_a):
    settings.METRICS_TOKEN = "a-long-scrape-token"
    job = JobFactory(video__tenant=tenant_a)
    CostEntry.objects.create(
        tenant=tenant_a,
        job=job,
        kind="cpu",
        quantity=Decimal(10),
        unit_price=Decimal("0.05"),
        amount=Decimal("0.5"),
        month=month_of(job.created_at),
    )
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer a-long-scrape-token").content.decode()
    assert tenant_a.name not in text and tenant_a.slug not in text
    cost = [s for f in text_string_to_metric_families(text) for s in f.samples if s.name.startswith("cultivate_cost")]
    assert [s.labels["tenant_id"] for s in cost] == [str(tenant_a.id)]
    assert cost[0].value == 0.5
