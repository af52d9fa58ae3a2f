"""The work itself: uploaded recordings, the jobs run on them and each attempt, and chunked
uploads in progress."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from cultivate.accounts.models import ApiKey, Tenant
from jobs import layout


def _video_path(video: Video, filename: str) -> str:
    return f"{layout.video_folder(video)}/{filename}"


def _result_path(job: Job, filename: str) -> str:
    return f"{layout.job_folder(job)}/{filename}"


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
        CONVERT = "convert", "Conversion"

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
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ANALYZE)
    queue = models.CharField(max_length=20, choices=Priority.choices, default=Priority.DEFAULT)
    idempotency_key = models.CharField(max_length=255, blank=True)
    options = models.JSONField(default=dict, blank=True)  # e.g. {"speakers": 2, "session": "classroom"}
    # Whose lesson this is, as typed at upload; groups jobs on the teacher progress page.
    teacher = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=40, default="queued")
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    timings = models.JSONField(default=dict, blank=True)
    rq_id = models.CharField(max_length=100, blank=True)
    # When the job was handed to an RQ queue for its current wait; None while it waits in the
    # database for its tenant's turn (fair share: jobs.dispatch).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # The number of the JobAttempt that holds the job now (or, once finished, last held it).
    # Every write a worker makes is conditional on it: a worker whose attempt was taken back
    # (declared lost, cancelled) finds its writes refused and stops.
    current_attempt = models.PositiveSmallIntegerField(null=True, blank=True)
    # Money in settings.COST_CURRENCY: the estimate held against the budget while the job is
    # queued or running, and the cost actually recorded (CostEntry rows) when it ended.
    estimated_cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    result_file = models.FileField(upload_to=_result_path, max_length=500, blank=True)
    # The lesson's headline numbers, copied from its reviewed result (corrections included)
    # so that lists sort and compare lessons without opening result files.
    oeq_share = models.FloatField(null=True, blank=True)
    mean_wait_s = models.FloatField(null=True, blank=True)
    teacher_talk_share = models.FloatField(null=True, blank=True)
    question_count = models.PositiveIntegerField(null=True, blank=True)
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
        "converting": "Converting",
        "saving": "Saving results",
        "done": "Done",
    }

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def submitted_by(self) -> str:
        """Who submitted the job: a username, or an API key's prefix."""
        if self.api_key_id:
            return self.api_key.prefix
        return self.created_by.get_username() if self.created_by_id else ""

    @property
    def renders(self) -> bool:
        """Whether highlight clips are rendered (a job may ask for the highlights only)."""
        return self.options.get("render", True)

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
    # What the attempt used so far, as its worker measured it (written with each heartbeat
    # and at the end), so an attempt that never finishes is still billed.
    cpu_s = models.FloatField(default=0)
    gpu_s = models.FloatField(default=0)
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


class UploadSession(models.Model):
    """A chunked, resumable upload. The chunks received so far wait in storage, one object
    each under ``upload-parts/<id>/`` (``jobs.layout``); ``received`` says how many bytes
    count, so a chunk whose count never committed is simply written over by the next one."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"  # became a Video and a Job; its chunks are gone
        ABORTED = "aborted", "Aborted"  # cancelled, refused or abandoned; its chunks are gone

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="upload_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    chunk_bytes = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.received}/{self.size}, {self.status})"
