from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Tenant(models.Model):
    """A customer: a school, a district or a coaching company. Owns every other row."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    blur_others_default = models.BooleanField(
        default=False, help_text="Blur every face but the teacher's in highlight clips unless a job says otherwise."
    )
    default_priority = models.CharField(
        max_length=10,
        choices=[("high", "High"), ("default", "Normal"), ("low", "Low")],
        default="default",
        help_text="Queue for this tenant's jobs unless a job says otherwise.",
    )
    high_priority_allowed = models.BooleanField(
        default=False,
        help_text="Set by staff: this tenant's coaches may put jobs on the high-priority queue (admins always may).",
    )
    monthly_budget = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Most this tenant may spend on processing and storage in a calendar month; empty for no limit.",
    )
    api_requests_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Most API requests a minute from all of this tenant's keys together; empty for the site default.",
    )
    suspended_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by staff: the tenant's people and keys are refused until resumed."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class Membership(models.Model):
    """A user's role in a tenant."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        COACH = "coach", "Coach"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.COACH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="one_membership_per_tenant")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role} of {self.tenant})"

    @property
    def can_act(self) -> bool:
        """Admins and coaches act on lessons (upload, correct, comment, share, convert, cancel);
        viewers read. The one name of that capability, for members, keys and API callers."""
        return self.role in ACTING_ROLES


ACTING_ROLES = (Membership.Role.ADMIN, Membership.Role.COACH)  # see Membership.can_act


class AuditEntry(models.Model):
    """One state-changing action: who did what to which object, when and from where."""

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text="The actor's name when it acted (kept if the user goes).")
    action = models.CharField(max_length=60)  # e.g. "job.create", "job.cancel", "webhook.create"
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_type} {self.target_id}".strip()


class ApiKey(models.Model):
    """A tenant's key for the REST API, acting with one role.

    The key itself is shown once, when it is made; only its SHA-256 is kept, with a short
    prefix (``cvk_`` and eight characters) that is shown in lists and logs to tell keys apart.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.COACH)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    requests_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most API requests a minute with this key; empty for the site default."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_act(self) -> bool:
        """See ``Membership.can_act``."""
        return self.role in ACTING_ROLES


class Invitation(models.Model):
    """An email invitation to join a tenant with one role, through a one-time link.

    Only the SHA-256 of the link's token is kept; the token itself is shown once, when the
    invitation is made (and sent by email).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.COACH)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} ({self.role} of {self.tenant})"
