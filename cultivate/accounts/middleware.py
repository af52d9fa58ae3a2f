from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from cultivate.accounts.selectors import membership_for_user


class TenantMiddleware:
    """Sets ``request.membership`` (or None) and ``request.tenant`` for signed-in users."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: membership_for_user(user=request.user))
        request.tenant = SimpleLazyObject(lambda: request.membership.tenant if request.membership else None)
        return self.get_response(request)
