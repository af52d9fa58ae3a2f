"""Members and invitations: invite by email with a one-time link, accept, change a role, remove.

Refusals raise ``Refusal`` with a message fit to show the person who asked.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cultivate.accounts import sockets
from cultivate.accounts.audit import Actor, audit_actor
from cultivate.accounts.models import Invitation, Membership, Tenant
from cultivate.refusals import Refusal


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# Reads


def member_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__username")


def member_get(*, tenant: Tenant, membership_id) -> Membership | None:
    try:
        return member_list(tenant=tenant).filter(id=int(membership_id)).first()
    except (ValueError, TypeError):
        return None


def invitation_list_open(*, tenant: Tenant) -> QuerySet[Invitation]:
    """Invitations not yet accepted, revoked or expired."""
    return Invitation.objects.filter(
        tenant=tenant, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def invitation_get(*, tenant: Tenant, invitation_id) -> Invitation | None:
    try:
        return Invitation.objects.filter(tenant=tenant, id=int(invitation_id)).first()
    except (ValueError, TypeError):
        return None


def invitation_for_token(*, token: str) -> Invitation:
    """The open invitation behind a link.

    Raises:
      Refusal: the link is unknown, used, revoked or expired.
    """
    invitation = Invitation.objects.select_related("tenant").filter(token_hash=_token_hash(token or "")).first()
    if invitation is None:
        raise Refusal("invitation_invalid", "This invitation link is not valid. Ask your admin for a new one.", 410)
    if invitation.accepted_at is not None:
        raise Refusal(
            "invitation_used", "This invitation link has already been used. Sign in instead, or ask for a new one.", 410
        )
    if invitation.revoked_at is not None:
        raise Refusal("invitation_withdrawn", "This invitation was withdrawn. Ask your admin for a new one.", 410)
    if invitation.expires_at <= timezone.now():
        raise Refusal("invitation_expired", "This invitation link has expired. Ask your admin for a new one.", 410)
    return invitation


# Writes


@transaction.atomic
def invitation_create(
    *, tenant: Tenant, email: str, role: str, invited_by=None, actor: Actor | None = None
) -> tuple[Invitation, str]:
    """A new invitation. Returns the row and the link's token, which is never shown again.

    An open invitation for the same address is revoked and replaced.

    Raises:
      Refusal: a bad address or role, or the address already belongs to a member.
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise Refusal("bad_email", "Enter a valid email address.") from None
    if role not in Membership.Role.values:
        raise Refusal("bad_role", f"Role must be one of: {', '.join(Membership.Role.values)}.")
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise Refusal("already_member", f"{email} is already a member.", 409)
    now = timezone.now()
    Invitation.objects.filter(tenant=tenant, email__iexact=email, accepted_at=None, revoked_at=None).update(
        revoked_at=now
    )
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        tenant=tenant,
        email=email,
        role=role,
        token_hash=_token_hash(raw),
        invited_by=invited_by if invited_by is not None and invited_by.is_authenticated else None,
        expires_at=now + timedelta(seconds=settings.INVITATION_TTL_S),
    )
    if actor is not None:
        audit_actor(
            actor,
            "member.invite",
            tenant=tenant,
            target=invitation,
            details={"email": invitation.email, "role": invitation.role},
        )
    return invitation, raw


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str, ip: str | None = None):
    """Create the invited user and their membership; the link then stops working.

    Returns:
      The new membership.

    Raises:
      Refusal: the link is not open any more, the username is taken, or the password is weak.
    """
    invitation = invitation_for_token(token=token)
    # Lock the row so the same link can't be used twice at once.
    invitation = Invitation.objects.select_for_update().select_related("tenant").get(id=invitation.id)
    if invitation.accepted_at is not None:
        raise Refusal(
            "invitation_used", "This invitation link has already been used. Sign in instead, or ask for a new one.", 410
        )
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise Refusal("bad_username", "Choose a username.")
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise Refusal("bad_username", " ".join(exc.messages)) from None
    if User.objects.filter(username__iexact=username).exists():
        raise Refusal("username_taken", "That username is taken; choose another.", 409)
    user = User(username=username, email=invitation.email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise Refusal("weak_password", " ".join(exc.messages)) from None
    user.set_password(password)
    user.save()
    membership = Membership.objects.create(user=user, tenant=invitation.tenant, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_actor(
        Actor(user, ip=ip),
        "invitation.accept",
        tenant=invitation.tenant,
        target=invitation,
        details={"email": invitation.email, "role": membership.role},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor | None = None) -> bool:
    """Withdraw an open invitation. Returns False if it was already used or withdrawn."""
    revoked = bool(
        Invitation.objects.filter(id=invitation.id, accepted_at=None, revoked_at=None).update(revoked_at=timezone.now())
    )
    if revoked and actor is not None:
        audit_actor(
            actor, "invitation.revoke", tenant=invitation.tenant, target=invitation, details={"email": invitation.email}
        )
    return revoked


def _refuse_losing_last_admin(membership: Membership) -> None:
    if membership.role != Membership.Role.ADMIN:
        return
    admins = Membership.objects.select_for_update().filter(tenant_id=membership.tenant_id, role=Membership.Role.ADMIN)
    if len(admins) <= 1:
        raise Refusal("last_admin", "A tenant needs at least one admin: make someone else an admin first.", 409)


@transaction.atomic
def member_role_change(*, membership: Membership, role: str, actor: Actor | None = None) -> Membership:
    """Raises:
    Refusal: an unknown role, or this would leave the tenant without an admin."""
    if role not in Membership.Role.values:
        raise Refusal("bad_role", f"Role must be one of: {', '.join(Membership.Role.values)}.")
    if role != membership.role:
        if role != Membership.Role.ADMIN:
            _refuse_losing_last_admin(membership)
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        if actor is not None:
            details = {"username": membership.user.get_username(), "from": before, "to": role}
            audit_actor(actor, "member.role", tenant=membership.tenant, target=membership, details=details)
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: Actor | None = None) -> None:
    """Take a user out of the tenant (the user account stays); their open WebSockets in the
    tenant are closed once this commits.

    Raises:
      Refusal: this would leave the tenant without an admin.
    """
    _refuse_losing_last_admin(membership)
    user_id, tenant_id = membership.user_id, membership.tenant_id
    if actor is not None:
        details = {"username": membership.user.get_username()}
        audit_actor(actor, "member.remove", tenant=membership.tenant, target=membership.user, details=details)
    membership.delete()
    sockets.close_member_sockets(user_id=user_id, tenant_id=tenant_id)
