from __future__ import annotations

from cultivate.accounts.models import Membership


def membership_for_user(*, user) -> Membership | None:
    """The membership a signed-in user acts through (their first tenant), or None."""
    if not user or not user.is_authenticated:
        return None
    return Membership.objects.select_related("tenant").filter(user=user).order_by("created_at", "id").first()
