"""Role checks for API views. Another tenant's objects never get this far: selectors take the
caller's tenant, so they are a 404.

Views list ``IsMember`` first: DRF stops at the first check that fails and answers with its
message, so a user of no tenant hears that, not a word about roles.
"""

from __future__ import annotations

from rest_framework import permissions

from cultivate.api.authentication import caller


class IsMember(permissions.BasePermission):
    """Any role of a tenant: admin, coach or viewer."""

    message = "This account is not a member of any tenant."
    code = "no_tenant"

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and caller(request) is not None


class TenantActive(permissions.BasePermission):
    """The caller's tenant is not suspended by staff."""

    message = "This organisation's account is suspended; contact support."
    code = "tenant_suspended"

    def has_permission(self, request, view) -> bool:
        return not caller(request).tenant.is_suspended


class CanSubmitOrReadOnly(permissions.BasePermission):
    """Reads for every role; writes (submit, cancel, retry, correct) for admins and coaches."""

    message = "Viewers can read but not submit, cancel, retry or correct jobs."
    code = "read_only_role"

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or caller(request).can_act


class IsTenantAdmin(permissions.BasePermission):
    """Tenant admins only (keys, webhooks)."""

    message = "Only the tenant's admins can do this."
    code = "admin_only"

    def has_permission(self, request, view) -> bool:
        return caller(request).is_admin


MEMBERS = [IsMember, TenantActive]
SUBMITTERS = [IsMember, TenantActive, CanSubmitOrReadOnly]
ADMINS = [IsMember, TenantActive, IsTenantAdmin]
