from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

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


def month_of(moment) -> datetime.date:
    """The first day of the calendar month a moment falls in (in the current time zone)."""
    return timezone.localdate(moment).replace(day=1)


class CostEntry(models.Model):
    """A line of the cost ledger: what a job used, priced at the rates of the day it ran."""

    class Kind(models.TextChoices):
        CPU = "cpu", "CPU seconds"
        GPU = "gpu", "GPU seconds"
        STORAGE = "storage", "Storage (GB-month)"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="costs")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="cost_entries")
    # The attempt that used it; every attempt is billed, however it ended.
    attempt = models.ForeignKey(
        "JobAttempt", null=True, blank=True, on_delete=models.SET_NULL, related_name="cost_entries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quantity = models.DecimalField(max_digits=16, decimal_places=6)  # seconds, or GB-months
    unit_price = models.DecimalField(max_digits=14, decimal_places=8)
    amount = models.DecimalField(max_digits=14, decimal_places=6)
    month = models.DateField(help_text="First day of the month this cost counts against.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "kind"],
                condition=models.Q(attempt__isnull=False),
                name="one_cost_line_per_attempt_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} = {self.amount}"


class BudgetAlert(models.Model):
    """A budget threshold (80 or 100 %) a tenant crossed in a month; one row each, so one alert."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="budget_alerts")
    month = models.DateField()
    threshold = models.PositiveSmallIntegerField()  # percent
    spent = models.DecimalField(max_digits=14, decimal_places=6)
    budget = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "month", "threshold"], name="one_alert_per_threshold_and_month")
        ]

    def __str__(self) -> str:
        return f"{self.tenant} reached {self.threshold}% of its budget for {self.month:%B %Y}"


class WebhookEndpoint(models.Model):
    """A tenant's HTTPS receiver for events, with the secret its deliveries are signed with."""

    EVENTS = (
        "job.queued",
        "job.progress",
        "job.succeeded",
        "job.failed",
        "job.cancelled",
        "budget.threshold",
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100)
    events = models.JSONField(default=list)  # a subset of EVENTS
    is_active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True)  # first failure since the last success
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with every attempt's outcome logged."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField()  # the same for a redelivery, so receivers can drop duplicates
    payload = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    rq_id = models.CharField(max_length=100, blank=True)  # the RQ job that carries the next attempt
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["endpoint", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id}: {self.status}"


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
