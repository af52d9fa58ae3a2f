"""Who is calling: an API key (``Authorization: Bearer <key>``) or a signed-in browser session.

Both come down to a ``Caller``: the tenant acted for, the role acted with, and a label for
the audit log. Views get it from ``caller(request)``; no view looks at keys or memberships.
"""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from cultivate.accounts.models import ACTING_ROLES, ApiKey, Membership, Tenant
from cultivate.accounts.services import apikey_authenticate


class KeyUser:
    """``request.user`` for a request made with an API key: authenticated, but nobody's account."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = id = None

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.username = f"API key {key.prefix} ({key.name})"

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return self.username


class BearerKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw = raw.strip()
        if not raw:
            raise exceptions.AuthenticationFailed("The Authorization header has no key after 'Bearer'.")
        key = apikey_authenticate(raw=raw)
        if key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid or has been revoked.")
        request._request.tenant = key.tenant  # as TenantMiddleware does for a session (the audit log reads it)
        return KeyUser(key), key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'  # makes a missing key a 401, not a 403


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = BearerKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A tenant API key, made by a tenant admin: `Authorization: Bearer cvk_...`.",
        }


@dataclass(frozen=True)
class Caller:
    tenant: Tenant
    role: str
    user: object | None  # the signed-in user; None for an API key
    key: ApiKey | None

    @property
    def can_act(self) -> bool:
        """See ``Membership.can_act``."""
        return self.role in ACTING_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Membership.Role.ADMIN


def caller(request) -> Caller | None:
    """The tenant and role a request acts with, or None for a user who belongs to no tenant."""
    cached = getattr(request, "_caller", None)
    if cached is not None:
        return cached
    if isinstance(request.auth, ApiKey):
        found = Caller(tenant=request.auth.tenant, role=request.auth.role, user=None, key=request.auth)
    else:
        membership = getattr(request._request, "membership", None)
        if membership is None:
            return None
        found = Caller(tenant=membership.tenant, role=membership.role, user=request.user, key=None)
    request._caller = found
    return found
