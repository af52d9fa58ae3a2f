from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from cultivate.accounts.models import Tenant


def _video_path(video: Video, filename: str) -> str:
    return f"videos/{video.tenant_id}/{video.id}/{filename}"


def _result_path(job: Job, filename: str) -> str:
    return f"results/{job.tenant_id}/{job.id}/{filename}"


class Video(models.Model):
    """An uploaded recording and what ffprobe said about it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="videos")
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=_video_path, max_length=500)
    original_name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    probe = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return self.original_name

    @property
    def duration_s(self) -> float | None:
        return self.probe.get("duration_s")


class Job(models.Model):
    """One unit of work on a video. The database row is the source of truth for its state."""

    class Kind(models.TextChoices):
        ANALYZE = "analyze", "Analysis"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    class Priority(models.TextChoices):
        # Values are the RQ queue names; workers listen high, default, low in that order.
        HIGH = "high", "High"
        DEFAULT = "default", "Normal"
        LOW = "low", "Low"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="jobs")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ANALYZE)
    queue = models.CharField(max_length=20, choices=Priority.choices, default=Priority.DEFAULT)
    idempotency_key = models.CharField(max_length=255, blank=True)
    options = models.JSONField(default=dict, blank=True)  # e.g. {"speakers": 2, "session": "classroom"}
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=40, default="queued")
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    timings = models.JSONField(default=dict, blank=True)
    rq_id = models.CharField(max_length=100, blank=True)
    result_file = models.FileField(upload_to=_result_path, max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the worker's "still here", every few seconds
    not_before = models.DateTimeField(null=True, blank=True)  # a retry waits for its backoff
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-created_at"]),
            models.Index(fields=["status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_job_per_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.video_id} ({self.status})"

    # What each stage is called on the page.
    STAGE_LABELS = {
        "queued": "Waiting for a worker",
        "probing": "Reading the file",
        "decoding": "Decoding audio",
        "transcribing": "Transcribing speech",
        "speakers": "Telling speakers apart",
        "discourse": "Finding questions",
        "voice": "Measuring voices",
        "rendering": "Rendering highlight clips",
        "checking": "Checking the clips",
        "saving": "Saving results",
        "done": "Done",
    }

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def stage_label(self) -> str:
        return self.STAGE_LABELS.get(self.stage, self.stage)

    @property
    def run_seconds(self) -> float | None:
        """Seconds from a worker taking the job to its end."""
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class JobAttempt(models.Model):
    """One run of a job by a worker, kept with how it ended, so retries can be explained."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        RETRYING = "retrying", "Failed, will retry"
        LOST = "lost", "Worker lost"
        CANCELLED = "cancelled", "Cancelled"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    worker = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.RUNNING)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="one_row_per_attempt")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.job_id}: {self.outcome}"
