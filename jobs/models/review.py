"""Review: coaches' comments and corrections on a result, and share links to a clip."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from cultivate.accounts.models import Tenant
from jobs.models.work import Job


class Comment(models.Model):
    """A time-stamped note on a job's recording, by a coach or admin of its tenant."""

    MAX_BODY = 2000

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at_s = models.FloatField(help_text="Seconds from the start of the recording.")
    body = models.TextField(max_length=MAX_BODY)
    shared = models.BooleanField(default=False, help_text="Shown in the lesson report sent to the teacher.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at_s", "created_at"]
        indexes = [models.Index(fields=["job", "at_s"])]
        constraints = [models.CheckConstraint(condition=models.Q(at_s__gte=0), name="comment_at_not_negative")]

    def __str__(self) -> str:
        return f"{self.at_s:.1f} s: {self.body[:40]}"


class Correction(models.Model):
    """A coach's correction of a finished job's result: a question's label, a missed question,
    a speaker's role or name, two speakers swapped or merged, a stretch given to another speaker.
    The machine's result file is never changed; ``analysis.corrections.apply`` lays these over
    it, oldest first."""

    class Kind(models.TextChoices):
        LABEL = "label", "Question label"
        ADD = "add", "Missed question"
        SPEAKER = "speaker", "Speaker role or name"
        SWAP = "swap", "Speakers swapped"
        MERGE = "merge", "Speakers merged"
        SPLIT = "split", "Stretch given to another speaker"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="corrections")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="corrections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.job_id}"


class ShareLink(models.Model):
    """A link to one highlight clip that works without signing in, to send to a teacher.

    The token is random and only its SHA-256 is stored; it names nothing (no path, no id).
    A link stops working when it expires, when it is revoked, and while its tenant is
    suspended."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="share_links")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="share_links")
    clip = models.CharField(max_length=20)  # e.g. "01.mp4"
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return f"share of {self.clip} of {self.job_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
