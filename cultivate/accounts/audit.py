"""The audit log: every state-changing action, by a person or by the system.

Services write the entries, not views: a service that changes something on someone's behalf
takes an ``Actor`` (who asked, with which key, from where; ``Actor.of(request)`` in a view) and
writes its entry with ``audit_actor``; services that act on their own (a budget alert, a
webhook switched off) call ``audit_record`` with no actor.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from cultivate.accounts.models import AuditEntry, Tenant

SYSTEM = "system"


def audit_record(
    *, tenant: Tenant | None, action: str, actor=None, target=None, details: dict | None = None, ip: str | None = None
) -> AuditEntry:
    """Write one audit entry.

    Args:
      action: ``noun.verb``, e.g. ``job.cancel``.
      actor: The user who acted (or the API's stand-in for a key); None for the system.
      target: The model instance acted on (its class name and primary key are kept).
    """
    acted = actor is not None and actor.is_authenticated
    return AuditEntry.objects.create(
        tenant=tenant,
        actor=actor if acted and actor.pk is not None else None,  # an API key is no user row
        actor_label=actor.get_username()[:150] if acted else SYSTEM,
        action=action[:60],
        target_type=type(target).__name__[:40] if target is not None else "",
        target_id=str(target.pk)[:64] if target is not None else "",
        details=details or {},
        ip=ip,
    )


@dataclass(frozen=True)
class Actor:
    """Who asks a service to act: the signed-in user (or the API's stand-in for a key), the key
    used if any, and the address the request came from."""

    user: object
    api_key: object = None
    ip: str | None = None

    @classmethod
    def of(cls, request, api_key=None) -> Actor:
        return cls(request.user, api_key, client_ip(request))

    @property
    def signed_in_user(self):
        """The user row, or None for an API key (whose stand-in is no user)."""
        return self.user if getattr(self.user, "pk", None) is not None else None


def audit_actor(actor: Actor, action: str, *, tenant: Tenant | None, target=None, details: dict | None = None):
    """An audit entry for what ``actor`` asked a service to do."""
    return audit_record(tenant=tenant, action=action, actor=actor.user, target=target, details=details, ip=actor.ip)


def client_ip(request) -> str | None:
    """The address the request came from: ``REMOTE_ADDR``, or behind a trusted proxy
    (``USE_X_FORWARDED_FOR``) the last address in ``X-Forwarded-For``, the one our proxy added
    (earlier ones are whatever the client claimed)."""
    raw = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.USE_X_FORWARDED_FOR and forwarded:
        raw = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def audit_list(*, tenant: Tenant) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(tenant=tenant).select_related("actor")
