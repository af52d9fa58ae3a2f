from __future__ import annotations

from cultivate.accounts.selectors import membership_for_user


class TenantMiddleware:
    """Sets ``request.membership`` and ``request.tenant`` (None for strangers and for users
    who belong to no tenant). Static files never reach this: WhiteNoise answers first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = membership_for_user(user=request.user)
        request.tenant = request.membership.tenant if request.membership else None
        return self.get_response(request)
