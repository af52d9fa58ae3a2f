"""REST API v1 for a tenant's API keys (tenant admins only)."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cultivate.accounts import selectors, services
from cultivate.accounts.audit import Actor
from cultivate.accounts.models import Membership
from cultivate.api.authentication import caller
from cultivate.api.permissions import ADMINS
from cultivate.refusals import Refusal


class KeyOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    prefix = serializers.CharField(help_text="The key's first characters, to tell keys apart.")
    requests_per_minute = serializers.IntegerField(allow_null=True)
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class NewKeyOutput(KeyOutput):
    key = serializers.CharField(help_text="The key itself. Shown this once; only its hash is kept.")


class KeyCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.COACH)
    requests_per_minute = serializers.IntegerField(
        min_value=1,
        max_value=100000,
        required=False,
        allow_null=True,
        help_text="At most the tenant's limit; a key making a key: at most its own (and its own when left out).",
    )

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("A key needs a name.")
        return value


class KeyListApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="keys_list", summary="List API keys", responses={200: KeyOutput(many=True)}, tags=["keys"]
    )
    def get(self, request):
        return Response(KeyOutput(selectors.apikey_list(tenant=caller(request).tenant), many=True).data)

    @extend_schema(
        operation_id="keys_create",
        summary="Make an API key",
        description="The response holds the key itself, shown this once.",
        request=KeyCreateInput,
        responses={201: NewKeyOutput},
        tags=["keys"],
    )
    def post(self, request):
        data = KeyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        with transaction.atomic():
            who = caller(request)
            key, raw = services.apikey_create(  # a Refusal (validation_error) is a 400
                tenant=who.tenant,
                name=d["name"],
                role=d["role"],
                created_by=who.user,  # None when a key makes a key
                requests_per_minute=d.get("requests_per_minute"),
                creator_key=who.key,
                actor=Actor.of(request, api_key=who.key),
            )
        key.key = raw
        return Response(NewKeyOutput(key).data, status=status.HTTP_201_CREATED)


class KeyDetailApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="keys_revoke",
        summary="Revoke an API key",
        description="The key stops working at once. Revoking a revoked key changes nothing.",
        responses={200: KeyOutput},
        tags=["keys"],
    )
    def delete(self, request, key_id):
        key = selectors.apikey_get(tenant=caller(request).tenant, key_id=key_id)
        if key is None:
            raise Refusal("not_found", "No such API key.", status=404)
        services.apikey_revoke(key=key, actor=Actor.of(request, api_key=caller(request).key))
        key.refresh_from_db()
        return Response(KeyOutput(key).data)
