from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from cultivate.accounts.models import ApiKey, Membership


def membership_for_user(*, user) -> Membership | None:
    """The membership a signed-in user acts through (their first tenant), or None."""
    if not user or not user.is_authenticated:
        return None
    return Membership.objects.select_related("tenant").filter(user=user).order_by("created_at", "id").first()


def apikey_list(*, tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant).select_related("created_by")


def apikey_get(*, tenant, key_id) -> ApiKey | None:
    try:
        return apikey_list(tenant=tenant).filter(id=key_id).first()
    except (ValidationError, ValueError, TypeError):  # a malformed id
        return None
