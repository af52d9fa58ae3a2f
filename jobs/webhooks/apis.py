"""REST API v1 for webhook endpoints (admins) and their deliveries: list, add, change, remove,
see what was sent and send one again.

Thin views as in ``jobs.apis``; errors are raised and ``cultivate.api.errors`` shapes them.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cultivate.accounts.audit import Actor
from cultivate.api.authentication import caller
from cultivate.api.pagination import PAGE_PARAMETERS, CreatedCursor
from cultivate.api.permissions import ADMINS
from cultivate.refusals import Refusal
from jobs.models import WebhookEndpoint
from jobs.webhooks import deliveries


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
    endpoint = deliveries.webhook_get(tenant=caller(request).tenant, endpoint_id=endpoint_id)
    if endpoint is None:
        raise Refusal("not_found", "No such webhook endpoint.", status=404)
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
        return Response(WebhookOutput(deliveries.webhook_list(tenant=caller(request).tenant), many=True).data)

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
        endpoint = deliveries.webhook_create(
            tenant=caller(request).tenant, actor=_actor(request), **data.validated_data
        )
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
        endpoint = deliveries.webhook_update(endpoint=endpoint, actor=_actor(request), **data.validated_data)
        return Response(WebhookOutput(endpoint).data)

    @extend_schema(
        operation_id="webhooks_destroy", tags=["webhooks"], summary="Delete a webhook endpoint", responses={204: None}
    )
    def delete(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        deliveries.webhook_delete(endpoint=endpoint, actor=_actor(request))
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
        delivery = deliveries.delivery_get(tenant=caller(request).tenant, delivery_id=delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint.id:
            raise Refusal("not_found", "No such delivery.", status=404)
        copy = deliveries.webhook_redeliver(delivery=delivery, actor=_actor(request))
        return Response(DeliveryOutput(copy).data, status=status.HTTP_202_ACCEPTED)


def _actor(request) -> Actor:
    return Actor.of(request, api_key=caller(request).key)
