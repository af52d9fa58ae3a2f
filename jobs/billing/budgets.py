"""Budgets: hold a job's estimate against the tenant's month before it is queued, record
what each attempt at it really cost when the attempt ends (however it ends), and alert at
the thresholds.

The check is race-free: it runs inside the transaction that creates the job, after taking
a row lock on the tenant (``SELECT ... FOR UPDATE`` on PostgreSQL), so concurrent
submissions of one tenant are checked one after the other and each sees the others'
estimates. (SQLite has no row locks; it serialises writers on the whole file instead.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from cultivate.accounts.audit import audit_record
from cultivate.accounts.models import Tenant
from cultivate.accounts.notify import mail_admins_of
from cultivate.refusals import Refusal
from jobs import events
from jobs.billing import costs
from jobs.models import BudgetAlert, CostEntry, Job, JobAttempt, month_of
from jobs.webhooks import deliveries

log = logging.getLogger(__name__)

UNFINISHED = (Job.Status.QUEUED, Job.Status.RUNNING)


@dataclass(frozen=True)
class Usage:
    """A tenant's month. ``reserved`` is the estimates of jobs still queued or running."""

    month: object  # datetime.date, first of the month
    spent: Decimal
    reserved: Decimal
    budget: Decimal | None

    @property
    def committed(self) -> Decimal:
        return self.spent + self.reserved

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else max(self.budget - self.committed, Decimal(0))

    @property
    def percent(self) -> float | None:
        if not self.budget:
            return None
        return float(self.spent / self.budget * 100)


def budget_usage(*, tenant: Tenant, month=None) -> Usage:
    """What the tenant spent (ledger) and holds (estimates of unfinished jobs) this month."""
    month = month or month_of(timezone.now())
    spent = CostEntry.objects.filter(tenant=tenant, month=month).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    reserved = Job.objects.filter(tenant=tenant, status__in=UNFINISHED).aggregate(s=Sum("estimated_cost"))[
        "s"
    ] or Decimal(0)
    return Usage(month=month, spent=spent, reserved=reserved, budget=tenant.monthly_budget)


def spend_by_month(*, tenant: Tenant, months: int = 12) -> list[dict]:
    """Recorded cost per month, newest first, for the months that have any."""
    rows = (
        CostEntry.objects.filter(tenant=tenant)
        .values("month")
        .annotate(amount=Sum("amount"))
        .order_by("-month")[:months]
    )
    return [{"month": r["month"], "amount": r["amount"]} for r in rows]


def budget_hold(*, tenant: Tenant, estimate: Decimal) -> Usage:
    """Lock the tenant and check that ``estimate`` fits in what is left of its month.

    Must run inside the transaction that then creates the job with ``estimated_cost``.
    Raises:
      Refusal: ``budget_exceeded`` (permanent) when it does not fit.
    """
    assert transaction.get_connection().in_atomic_block, "budget_hold needs the job's transaction"
    locked = Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)
    usage = budget_usage(tenant=locked)
    if usage.budget is not None and usage.committed + estimate > usage.budget:
        currency = settings.COST_CURRENCY
        raise Refusal(
            "budget_exceeded",
            f"This job would cost about {estimate:.2f} {currency}, but only {usage.remaining:.2f} {currency} "
            f"of this month's {usage.budget:.2f} {currency} budget is left. Ask an admin to raise the budget.",
        )
    return usage


def cost_record(*, job: Job, attempt: JobAttempt, usage: costs.Usage) -> Decimal:
    """Write one attempt's ledger lines and bring the job's cost up to date (the sum of all
    its attempts: failed, timed-out, cancelled and lost attempts used machines too).
    Runs in the transaction that ends the attempt. Returns the attempt's amount."""
    month = month_of(timezone.now())
    amount = Decimal(0)
    for line in costs.lines(usage):
        CostEntry.objects.create(
            tenant_id=job.tenant_id,
            job=job,
            attempt=attempt,
            kind=line.kind,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            month=month,
        )
        amount += line.amount
    total = CostEntry.objects.filter(job=job).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    Job.objects.filter(id=job.id).update(cost=total)
    transaction.on_commit(lambda: budget_alerts_check(tenant_id=job.tenant_id))
    return amount


def budget_alerts_check(*, tenant_id) -> list[BudgetAlert]:
    """Raise an alert for each threshold the month's spend has crossed for the first time.

    One ``BudgetAlert`` row per tenant, month and threshold (a unique constraint), so two
    workers finishing at once still send one alert.
    """
    tenant = Tenant.objects.get(pk=tenant_id)
    usage = budget_usage(tenant=tenant)
    if usage.percent is None:
        return []
    raised = []
    for threshold in settings.BUDGET_ALERT_PERCENTS:
        if usage.percent < threshold:
            continue
        try:
            with transaction.atomic():
                alert = BudgetAlert.objects.create(
                    tenant=tenant, month=usage.month, threshold=threshold, spent=usage.spent, budget=usage.budget
                )
                audit_record(
                    tenant=tenant,
                    action="budget.threshold",
                    target=alert,
                    details={"threshold": threshold, "spent": str(usage.spent), "budget": str(usage.budget)},
                )
                _announce(alert)
        except IntegrityError:
            continue  # already alerted for this threshold this month
        raised.append(alert)
    return raised


def _announce(alert: BudgetAlert) -> None:
    """Mail the tenant's admins, tell live pages, and send the ``budget.threshold`` webhook."""
    data = {
        "threshold_percent": alert.threshold,
        "month": alert.month.isoformat(),
        "spent": str(alert.spent),
        "budget": str(alert.budget),
        "currency": settings.COST_CURRENCY,
    }
    deliveries.event_emit(tenant=alert.tenant, event="budget.threshold", data=data)
    transaction.on_commit(lambda: events.tenant_notice(alert.tenant_id, "budget.threshold", str(alert), data))
    transaction.on_commit(lambda: mail_admins_of(alert.tenant, subject=str(alert), body=_alert_body(alert)))


def _alert_body(alert: BudgetAlert) -> str:
    currency = settings.COST_CURRENCY
    return (
        f"{alert.tenant.name} has spent {alert.spent:.2f} {currency} of its {alert.budget:.2f} {currency} "
        f"budget for {alert.month:%B %Y} ({alert.threshold} % reached).\n"
        + ("New jobs are refused until the budget is raised or the month ends.\n" if alert.threshold >= 100 else "")
    )
