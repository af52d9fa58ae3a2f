"""The admin's spend by month, as a chart (oldest first, with the budget line) and a table."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse

from jobs.models import CostEntry
from tests.conftest import login


def test_spend_by_month_is_charted_oldest_first_with_the_budget(client, alice, tenant_a, tenant_b):
    tenant_a.monthly_budget = Decimal("40.00")
    tenant_a.save()
    for tenant, month, amount in [
        (tenant_a, datetime.date(2026, 10, 1), "12.50"),
        (tenant_a, datetime.date(2026, 11, 1), "30.00"),
        (tenant_b, datetime.date(2026, 11, 1), "99.00"),
    ]:
        CostEntry.objects.create(
            tenant=tenant, kind="cpu", quantity=1, unit_price=Decimal(amount), amount=Decimal(amount), month=month
        )
    page = login(client, alice).get(reverse("dashboard:admin_budget"))
    assert page.status_code == 200 and b'id="chart-spend"' in page.content
    data = page.context["spend_chart"]
    assert data["labels"] == ["Oct 2026", "Nov 2026"] and data["values"] == [12.5, 30.0]
    assert data["budget"] == 40.0
    assert b'<script id="spend-data" type="application/json">' in page.content


def test_no_spend_means_no_chart(client, alice):
    page = login(client, alice).get(reverse("dashboard:admin_budget"))
    assert b"chart-spend" not in page.content and b"Nothing spent yet" in page.content
