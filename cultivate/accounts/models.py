from __future__ import annotations

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
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


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
    def can_upload(self) -> bool:
        return self.role in (self.Role.ADMIN, self.Role.COACH)
