from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from cultivate.accounts import sockets
from cultivate.accounts.audit import Actor, audit_actor
from cultivate.accounts.models import ApiKey, Membership, Tenant
from cultivate.refusals import Refusal


@transaction.atomic
def tenant_create(*, name: str, slug: str = "", monthly_budget=None, actor: Actor | None = None) -> Tenant:
    """A new tenant.

    Raises:
      Refusal: an empty name, or a slug already taken.
    """
    name = " ".join((name or "").split())[:200]
    slug = slug or slugify(name)[:60]
    if not name or not slug:
        raise Refusal("validation_error", "A tenant needs a name.")
    if Tenant.objects.filter(slug=slug).exists():
        raise Refusal("validation_error", f"The short name {slug!r} is taken.")
    tenant = Tenant.objects.create(name=name, slug=slug, monthly_budget=monthly_budget)
    if actor is not None:
        audit_actor(actor, "tenant.create", tenant=tenant, target=tenant, details={"name": tenant.name})
    return tenant


@transaction.atomic
def tenant_suspend(*, tenant: Tenant, actor: Actor | None = None) -> bool:
    """Refuse the tenant's people, keys and new jobs from now on (running jobs finish); its
    open WebSockets are closed once this commits."""
    changed = bool(Tenant.objects.filter(pk=tenant.pk, suspended_at=None).update(suspended_at=timezone.now()))
    if changed:
        sockets.close_tenant_sockets(tenant_id=tenant.pk)
        if actor is not None:
            audit_actor(actor, "tenant.suspend", tenant=tenant, target=tenant)
    return changed


@transaction.atomic
def tenant_resume(*, tenant: Tenant, actor: Actor | None = None) -> bool:
    changed = bool(Tenant.objects.filter(pk=tenant.pk).exclude(suspended_at=None).update(suspended_at=None))
    if changed and actor is not None:
        audit_actor(actor, "tenant.resume", tenant=tenant, target=tenant)
    return changed


@transaction.atomic
def member_add(*, tenant: Tenant, username: str, password: str, role: str, email: str = "") -> Membership:
    """Create a user and give them ``role`` in ``tenant``."""
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    return Membership.objects.create(user=user, tenant=tenant, role=role)


KEY_PREFIX = "cvk_"
_KEY_SHAPE = re.compile(r"^(cvk_[0-9a-f]{8})_[A-Za-z0-9_-]{20,100}$")  # prefix, then the secret part


def _key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


_ROLE_RANK = {Membership.Role.VIEWER: 0, Membership.Role.COACH: 1, Membership.Role.ADMIN: 2}


def tenant_requests_per_minute(tenant: Tenant) -> int:
    """The most API requests a minute all of the tenant's keys may make together."""
    own = tenant.api_requests_per_minute
    return settings.API_TENANT_REQUESTS_PER_MINUTE if own is None else own


@transaction.atomic
def apikey_create(
    *,
    tenant: Tenant,
    name: str,
    role: str,
    created_by=None,
    requests_per_minute: int | None = None,
    creator_key: ApiKey | None = None,
    actor: Actor | None = None,
) -> tuple[ApiKey, str]:
    """A new API key. Returns the row and the key itself, which is never shown again.

    A key's own rate may not exceed its tenant's. A key made by another key (``creator_key``)
    gets no more than that key has: no higher role, no higher rate, and the creator's own
    rate when none is asked for; otherwise one key could mint itself a stronger one.

    Raises:
      Refusal: for an unknown role, an empty name, or a role or rate above what is allowed.
    """
    if role not in Membership.Role.values:
        raise Refusal("validation_error", f"Role must be one of: {', '.join(Membership.Role.values)}.")
    name = (name or "").strip()
    if not name:
        raise Refusal("validation_error", "A key needs a name.")
    ceiling = tenant_requests_per_minute(tenant)
    if creator_key is not None:
        if _ROLE_RANK[role] > _ROLE_RANK[creator_key.role]:
            raise Refusal(
                "validation_error", f"A key with the role {creator_key.role} cannot make a key with the role {role}."
            )
        own = creator_key.requests_per_minute
        ceiling = min(ceiling, settings.API_KEY_REQUESTS_PER_MINUTE if own is None else own)
        if requests_per_minute is None:
            requests_per_minute = own
    if requests_per_minute is not None and requests_per_minute > ceiling:
        raise Refusal("validation_error", f"Requests_per_minute may be at most {ceiling} for this key.")
    public = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        tenant=tenant,
        name=name[:100],
        role=role,
        prefix=f"{KEY_PREFIX}{public}",
        key_hash=_key_hash(raw),
        requests_per_minute=requests_per_minute or None,
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
    )
    if actor is not None:
        audit_actor(actor, "apikey.create", tenant=tenant, target=key, details={"prefix": key.prefix, "role": key.role})
    return key, raw


@transaction.atomic
def apikey_revoke(*, key: ApiKey, actor: Actor | None = None) -> bool:
    """Switch a key off for good. Returns False if it already was."""
    revoked = bool(ApiKey.objects.filter(id=key.id, revoked_at=None).update(revoked_at=timezone.now()))
    if revoked and actor is not None:
        audit_actor(actor, "apikey.revoke", tenant=key.tenant, target=key, details={"prefix": key.prefix})
    return revoked


def apikey_authenticate(*, raw: str) -> ApiKey | None:
    """The active key a client presented, or None; records when it was last used.

    ``last_used_at`` is written at most once a minute per key, so polling clients do not turn
    every read into a write.
    """
    match = _KEY_SHAPE.match(raw)
    if match is None:
        return None
    key = ApiKey.objects.select_related("tenant").filter(prefix=match.group(1), revoked_at=None).first()
    if key is None or not hmac.compare_digest(key.key_hash, _key_hash(raw)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(id=key.id).update(last_used_at=now)
        key.last_used_at = now
    return key


BUDGET_HELP = "Enter the budget as an amount such as 250 or 99.50, or leave it empty for no limit."


def budget_parse(raw: str | None) -> Decimal | None:
    """A monthly budget as typed: an amount (to the cent, under 10 billion), or None for no limit.

    Raises:
      Refusal: ``bad_budget`` for anything else.
    """
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise Refusal("bad_budget", BUDGET_HELP) from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        raise Refusal("bad_budget", BUDGET_HELP)
    return value


@transaction.atomic
def tenant_budget_set(*, tenant: Tenant, value: Decimal | None, actor: Actor) -> None:
    """Set (or clear, with None) the tenant's monthly budget; audited as ``budget.update``."""
    before = tenant.monthly_budget
    tenant.monthly_budget = value
    tenant.save(update_fields=["monthly_budget"])
    details = {"from": None if before is None else str(before), "to": None if value is None else str(value)}
    audit_actor(actor, "budget.update", tenant=tenant, target=tenant, details=details)
