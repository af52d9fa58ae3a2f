"""REST API v1 for what a tenant reads and manages besides its jobs: transcript-only question
labels, usage against the budget, and webhook endpoints with their deliveries.

Thin views as in ``jobs.apis``; errors are raised and ``cultivate.api.errors`` shapes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cultivate.accounts.audit import audit_request
from cultivate.api.authentication import caller
from cultivate.api.errors import ApiError
from cultivate.api.pagination import PAGE_PARAMETERS, CreatedCursor
from cultivate.api.permissions import ADMINS, MEMBERS
from jobs import budgets, costs, selectors, text_questions, webhooks
from jobs.models import Job, WebhookEndpoint

# --- transcript-only analysis ------------------------------------------------------------


class TextInput(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.CharField(max_length=2000, allow_blank=True),
        max_length=text_questions.MAX_LINES,
        help_text=f"Utterances, one per item; an optional 'Speaker: ' prefix is kept apart. At most "
        f"{text_questions.MAX_LINES} lines (else 400 `validation_error`) and {text_questions.MAX_CHARS:,} "
        "characters in all (else 413 `text_too_large`).",
    )


class LabelledLineOutput(serializers.Serializer):
    speaker = serializers.CharField(allow_blank=True)
    text = serializers.CharField()
    label = serializers.ChoiceField(choices=["OEQ", "CEQ", "NONQ"])
    confidence = serializers.FloatField()
    cue = serializers.CharField(allow_blank=True)


class TextSummaryOutput(serializers.Serializer):
    lines = serializers.IntegerField()
    oeq_count = serializers.IntegerField()
    ceq_count = serializers.IntegerField()
    question_count = serializers.IntegerField()
    oeq_share = serializers.FloatField(allow_null=True)


class TextOutput(serializers.Serializer):
    lines = LabelledLineOutput(many=True)
    summary = TextSummaryOutput()


class AnalyzeTextApi(APIView):
    permission_classes = MEMBERS

    @extend_schema(
        operation_id="analyze_text",
        summary="Label utterances as open or closed questions",
        description="Transcript-only analysis: each line labelled OEQ, CEQ or NONQ with the classifier's "
        "confidence and the cue that decided. Labels are cached by text and model version.",
        request=TextInput,
        responses={200: TextOutput},
        examples=[
            OpenApiExample(
                "Two questions",
                value={"lines": ["Teacher: What do you notice about the leaves?", "Teacher: Is it red?"]},
                request_only=True,
            )
        ],
        tags=["questions"],
    )
    def post(self, request):
        _refuse_a_body_over_the_limit(request)
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            rows = text_questions.label_lines(data.validated_data["lines"])
        except text_questions.TextTooLarge as exc:
            raise ApiError(exc.code, str(exc), status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE) from None
        return Response(
            {"lines": [vars(r) for r in rows], "summary": text_questions.summary(rows)}, status=status.HTTP_200_OK
        )


def _refuse_a_body_over_the_limit(request) -> None:
    """``DATA_UPLOAD_MAX_MEMORY_SIZE`` applies to JSON bodies too (DRF reads ``request.body``), but
    Django answers that with an HTML 400; say it in the API's shape, before reading the body."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if limit is not None and length > limit:
        raise ApiError(
            "too_large",
            f"The request body is {length:,} bytes; at most {limit:,} are accepted.",
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )


# --- usage --------------------------------------------------------------------------------


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


# --- webhooks -----------------------------------------------------------------------------


class WebhookOutput(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    description = serializers.CharField(allow_blank=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEndpoint.EVENTS))
    is_active = serializers.BooleanField()
    failing_since = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class WebhookSecretOutput(WebhookOutput):
    secret = serializers.CharField(help_text="Signs every delivery (X-Cultivate-Signature); see docs/webhooks.md.")


class WebhookCreateInput(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEndpoint.EVENTS), min_length=1)
    description = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class WebhookUpdateInput(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEndpoint.EVENTS), min_length=1, required=False
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class DeliveryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    event = serializers.CharField()
    event_id = serializers.UUIDField()
    status = serializers.CharField(help_text="pending, succeeded or failed")
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    response_status = serializers.IntegerField(allow_null=True)
    response_excerpt = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    redelivery_of = serializers.UUIDField(source="redelivery_of_id", allow_null=True)
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.DictField()


class DeliveryPageOutput(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DeliveryOutput(many=True)


def _endpoint_or_404(request, endpoint_id) -> WebhookEndpoint:
    endpoint = webhooks.webhook_get(tenant=caller(request).tenant, endpoint_id=endpoint_id)
    if endpoint is None:
        raise ApiError("not_found", "No such webhook endpoint.", status_code=404)
    return endpoint


class WebhookListApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="webhooks_list",
        tags=["webhooks"],
        summary="List webhook endpoints",
        responses={200: WebhookOutput(many=True)},
    )
    def get(self, request):
        return Response(WebhookOutput(webhooks.webhook_list(tenant=caller(request).tenant), many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        tags=["webhooks"],
        summary="Add a webhook endpoint",
        description="The response holds the endpoint's signing secret.",
        request=WebhookCreateInput,
        responses={201: WebhookSecretOutput},
    )
    def post(self, request):
        data = WebhookCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            endpoint = webhooks.webhook_create(tenant=caller(request).tenant, **data.validated_data)
            audit_request(request, "webhook.create", target=endpoint, details={"url": endpoint.url})
        return Response(WebhookSecretOutput(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="webhooks_retrieve",
        tags=["webhooks"],
        summary="Get a webhook endpoint",
        responses={200: WebhookSecretOutput},
    )
    def get(self, request, endpoint_id):
        return Response(WebhookSecretOutput(_endpoint_or_404(request, endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_update",
        tags=["webhooks"],
        summary="Change a webhook endpoint",
        description="`is_active: true` switches a disabled endpoint back on and clears its failure record.",
        request=WebhookUpdateInput,
        responses={200: WebhookOutput},
    )
    def patch(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        data = WebhookUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            endpoint = webhooks.webhook_update(endpoint=endpoint, **data.validated_data)
            audit_request(request, "webhook.update", target=endpoint, details=_jsonable(data.validated_data))
        return Response(WebhookOutput(endpoint).data)

    @extend_schema(
        operation_id="webhooks_destroy", tags=["webhooks"], summary="Delete a webhook endpoint", responses={204: None}
    )
    def delete(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        with transaction.atomic():
            audit_request(request, "webhook.delete", target=endpoint, details={"url": endpoint.url})
            webhooks.webhook_delete(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryListApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="webhooks_deliveries",
        tags=["webhooks"],
        summary="An endpoint's deliveries, newest first",
        parameters=[*PAGE_PARAMETERS],
        responses={200: DeliveryPageOutput},
    )
    def get(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        paginator = CreatedCursor()
        page = paginator.paginate_queryset(endpoint.deliveries.all(), request, view=self)
        return paginator.get_paginated_response(DeliveryOutput(page, many=True).data)


class RedeliverApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="webhooks_redeliver",
        tags=["webhooks"],
        summary="Send a delivery again",
        description="A new delivery with the same event id and body. 409 `webhook_disabled` when the endpoint "
        "is switched off.",
        request=None,
        responses={202: DeliveryOutput},
    )
    def post(self, request, endpoint_id, delivery_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        delivery = webhooks.delivery_get(tenant=caller(request).tenant, delivery_id=delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint.id:
            raise ApiError("not_found", "No such delivery.", status_code=404)
        with transaction.atomic():
            copy = webhooks.webhook_redeliver(delivery=delivery)
            audit_request(request, "webhook.redeliver", target=endpoint, details={"delivery": str(delivery.id)})
        return Response(DeliveryOutput(copy).data, status=status.HTTP_202_ACCEPTED)


def _jsonable(data: dict) -> dict:
    return {k: v if isinstance(v, (str, int, float, bool, list, type(None))) else str(v) for k, v in data.items()}
