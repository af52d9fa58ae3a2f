"""Money: what each job attempt cost, and the budget alerts a tenant was sent."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

from cultivate.accounts.models import Tenant
from jobs.models.work import Job


def month_of(moment) -> datetime.date:
    """The first day of the calendar month a moment falls in (in the current time zone)."""
    return timezone.localdate(moment).replace(day=1)


class CostEntry(models.Model):
    """A line of the cost ledger: what a job used, priced at the rates of the day it ran."""

    class Kind(models.TextChoices):
        CPU = "cpu", "CPU seconds"
        GPU = "gpu", "GPU seconds"
        STORAGE = "storage", "Storage (GB-month)"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="costs")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="cost_entries")
    # The attempt that used it; every attempt is billed, however it ended.
    attempt = models.ForeignKey(
        "JobAttempt", null=True, blank=True, on_delete=models.SET_NULL, related_name="cost_entries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quantity = models.DecimalField(max_digits=16, decimal_places=6)  # seconds, or GB-months
    unit_price = models.DecimalField(max_digits=14, decimal_places=8)
    amount = models.DecimalField(max_digits=14, decimal_places=6)
    month = models.DateField(help_text="First day of the month this cost counts against.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "kind"],
                condition=models.Q(attempt__isnull=False),
                name="one_cost_line_per_attempt_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} = {self.amount}"


class BudgetAlert(models.Model):
    """A budget threshold (80 or 100 %) a tenant crossed in a month; one row each, so one alert."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="budget_alerts")
    month = models.DateField()
    threshold = models.PositiveSmallIntegerField()  # percent
    spent = models.DecimalField(max_digits=14, decimal_places=6)
    budget = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "month", "threshold"], name="one_alert_per_threshold_and_month")
        ]

    def __str__(self) -> str:
        return f"{self.tenant} reached {self.threshold}% of its budget for {self.month:%B %Y}"
