"""REST API v1 for usage: this month's cost and minutes against the tenant's budget.

Thin views as in ``jobs.apis``; errors are raised and ``cultivate.api.errors`` shapes them.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cultivate.api.authentication import caller
from jobs import selectors
from jobs.billing import budgets, costs
from jobs.models import Job


class MonthOutput(serializers.Serializer):
    month = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=6)


class UsageOutput(serializers.Serializer):
    month = serializers.DateField(help_text="First day of this month.")
    currency = serializers.CharField()
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    spent = serializers.DecimalField(max_digits=14, decimal_places=6)
    reserved = serializers.DecimalField(max_digits=14, decimal_places=6, help_text="Estimates of unfinished jobs.")
    remaining = serializers.DecimalField(max_digits=14, decimal_places=6, allow_null=True)
    percent_spent = serializers.FloatField(allow_null=True)
    minutes_processed = serializers.FloatField(help_text="Minutes of recordings of jobs that succeeded this month.")
    jobs_succeeded = serializers.IntegerField()
    estimate_per_minute = serializers.DecimalField(max_digits=14, decimal_places=6)
    history = MonthOutput(many=True)


class UsageApi(APIView):
    @extend_schema(
        operation_id="usage_retrieve",
        summary="This month's cost and minutes against the budget",
        responses={200: UsageOutput},
        tags=["usage"],
    )
    def get(self, request):
        tenant = caller(request).tenant
        usage = budgets.budget_usage(tenant=tenant)
        done = selectors.job_list(tenant=tenant, statuses=[Job.Status.SUCCEEDED]).filter(
            finished_at__date__gte=usage.month
        )
        seconds = sum((v or 0) for v in done.values_list("video__probe__duration_s", flat=True))
        body = {
            "month": usage.month,
            "currency": settings.COST_CURRENCY,
            "budget": usage.budget,
            "spent": usage.spent,
            "reserved": usage.reserved,
            "remaining": usage.remaining,
            "percent_spent": usage.percent,
            "minutes_processed": round(seconds / 60, 2),
            "jobs_succeeded": done.count(),
            "estimate_per_minute": costs.per_minute(),
            "history": budgets.spend_by_month(tenant=tenant),
        }
        return Response(UsageOutput(body).data)
