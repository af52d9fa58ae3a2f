"""Output serializers of the jobs API (what a job looks like over HTTP), and its example."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from jobs.models import Job

# --- jobs: output -------------------------------------------------------------------------


# Leaf fields' own formatting, for JobOutput's direct representation.
_DATETIME = serializers.DateTimeField()
_MONEY = serializers.DecimalField(max_digits=14, decimal_places=6)


class JobErrorOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class CostOutput(serializers.Serializer):
    estimated = serializers.DecimalField(max_digits=14, decimal_places=6, help_text="Held against the budget.")
    actual = serializers.DecimalField(max_digits=14, decimal_places=6, allow_null=True, help_text="When finished.")
    currency = serializers.CharField()


class VideoOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="original_name")
    size_bytes = serializers.IntegerField()
    duration_s = serializers.FloatField(allow_null=True)
    sha256 = serializers.CharField()


class JobLinksOutput(serializers.Serializer):
    self = serializers.URLField()
    result = serializers.URLField()
    artifacts = serializers.URLField()
    retry = serializers.URLField()
    page = serializers.URLField(help_text="The job's page in the dashboard.")


class JobAttemptOutput(serializers.Serializer):
    number = serializers.IntegerField()
    worker = serializers.CharField()
    outcome = serializers.CharField(help_text="running, succeeded, failed, retrying, lost or cancelled")
    error_code = serializers.CharField(allow_blank=True)
    error_message = serializers.CharField(allow_blank=True)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class JobOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Job.Kind.choices)
    status = serializers.ChoiceField(choices=Job.Status.choices)
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    progress = serializers.IntegerField(min_value=0, max_value=100)
    priority = serializers.CharField(source="queue")
    options = serializers.DictField(help_text="speakers, session, blur_others, render, webhook")
    attempts = serializers.IntegerField(help_text="Attempts of the current run (a retry starts again at 0).")
    attempt_log = JobAttemptOutput(many=True, help_text="Every attempt ever made, with how it ended.")
    error = serializers.SerializerMethodField()
    cost = serializers.SerializerMethodField()
    timings = serializers.DictField(help_text="Per stage: wall_s, cpu_s, device.")
    video = VideoOutput()
    submitted_by = serializers.CharField(help_text="A username, or the prefix of the API key used.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    links = serializers.SerializerMethodField()

    def to_representation(self, job: Job) -> dict:
        """The fields above, built directly: a job is polled often, and DRF's generic path (deep
        copies of every field and nested serializer, for each job) cost more than the rest
        of the request. ``tests/api/test_job_output.py`` holds the two equal."""
        when = _DATETIME.to_representation
        video = job.video
        return {
            "id": str(job.id),
            "kind": job.kind,
            "status": job.status,
            "stage": str(job.stage),
            "stage_label": str(job.stage_label),
            "progress": int(job.progress),
            "priority": str(job.queue),
            "options": {str(k): v for k, v in job.options.items()},
            "attempts": int(job.attempts),
            "attempt_log": [
                {
                    "number": int(a.number),
                    "worker": str(a.worker),
                    "outcome": str(a.outcome),
                    "error_code": str(a.error_code),
                    "error_message": str(a.error_message),
                    "started_at": when(a.started_at),
                    "finished_at": None if a.finished_at is None else when(a.finished_at),
                }
                for a in job.attempt_log.all()
            ],
            "error": self.get_error(job),
            "cost": self.get_cost(job),
            "timings": {str(k): v for k, v in job.timings.items()},
            "video": {
                "id": str(video.id),
                "name": str(video.original_name),
                "size_bytes": int(video.size_bytes),
                "duration_s": None if video.duration_s is None else float(video.duration_s),
                "sha256": str(video.sha256),
            },
            "submitted_by": str(job.submitted_by),
            "created_at": when(job.created_at),
            "started_at": None if job.started_at is None else when(job.started_at),
            "finished_at": None if job.finished_at is None else when(job.finished_at),
            "links": self.get_links(job),
        }

    @extend_schema_field(JobErrorOutput(allow_null=True))
    def get_error(self, job: Job):
        return {"code": job.error_code, "message": job.error_message} if job.error_code else None

    @extend_schema_field(CostOutput)
    def get_cost(self, job: Job):
        return {
            "estimated": _MONEY.to_representation(job.estimated_cost),
            "actual": None if job.cost is None else _MONEY.to_representation(job.cost),
            "currency": settings.COST_CURRENCY,
        }

    @extend_schema_field(JobLinksOutput)
    def get_links(self, job: Job):
        url = self.context["request"].build_absolute_uri
        return {
            "self": url(reverse("api:job", kwargs={"job_id": job.id})),
            "result": url(reverse("api:job_result", kwargs={"job_id": job.id})),
            "artifacts": url(reverse("api:job_artifacts", kwargs={"job_id": job.id})),
            "retry": url(reverse("api:job_retry", kwargs={"job_id": job.id})),
            "page": url(reverse("dashboard:job", kwargs={"job_id": job.id})),
        }


JOB_EXAMPLE = {
    "id": "6f1c1f7e-2b1e-4d55-9d0b-3f5c6a0c2a11",
    "kind": "analyze",
    "status": "running",
    "stage": "transcribing",
    "stage_label": "Transcribing speech",
    "progress": 35,
    "priority": "default",
    "options": {"speakers": 2, "session": "classroom", "render": True},
    "attempts": 1,
    "attempt_log": [
        {
            "number": 1,
            "worker": "worker-1:4121",
            "outcome": "running",
            "error_code": "",
            "error_message": "",
            "started_at": "2026-11-30T09:00:03Z",
            "finished_at": None,
        }
    ],
    "error": None,
    "cost": {"estimated": "0.015120", "actual": None, "currency": "USD"},
    "timings": {},
    "video": {
        "id": "0b9f3c52-8a51-4f0e-9a57-1c2d3e4f5a6b",
        "name": "lesson.mp4",
        "size_bytes": 98600000,
        "duration_s": 2700.0,
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    },
    "submitted_by": "cvk_1a2b3c4d",
    "created_at": "2026-11-30T09:00:00Z",
    "started_at": "2026-11-30T09:00:03Z",
    "finished_at": None,
    "links": {
        "self": "https://cultivate.example/api/v1/jobs/6f1c1f7e-2b1e-4d55-9d0b-3f5c6a0c2a11",
        "result": "https://cultivate.example/api/v1/jobs/6f1c1f7e-2b1e-4d55-9d0b-3f5c6a0c2a11/result",
        "artifacts": "https://cultivate.example/api/v1/jobs/6f1c1f7e-2b1e-4d55-9d0b-3f5c6a0c2a11/artifacts",
        "retry": "https://cultivate.example/api/v1/jobs/6f1c1f7e-2b1e-4d55-9d0b-3f5c6a0c2a11/retry",
        "page": "https://cultivate.example/jobs/6f1c1f7e-2b1e-4d55-9d0b-3f5c6a0c2a11/",
    },
}
