"""REST API v1 for jobs, results, transcript-only analysis, usage and webhooks.

Thin views in the HackSoft manner: an input serializer parses, a selector or service acts,
an output serializer renders. Tenancy comes from ``caller(request)``; every selector takes
the caller's tenant, so another tenant's job is a 404. Errors are raised, and
``cultivate.api.errors`` gives them the one shape.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis import convert
from cultivate.accounts.audit import audit_request
from cultivate.api.authentication import caller
from cultivate.api.errors import ApiError
from cultivate.api.files import signed_link
from cultivate.api.pagination import PAGE_PARAMETERS, CreatedCursor
from cultivate.api.permissions import ADMINS, MEMBERS, SUBMITTERS
from jobs import budgets, conversions, costs, selectors, services, text_questions, uploads, webhooks
from jobs.corrections import job_review
from jobs.models import Job, WebhookEndpoint

# --- jobs: output -------------------------------------------------------------------------


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

    @extend_schema_field(JobErrorOutput(allow_null=True))
    def get_error(self, job: Job):
        return {"code": job.error_code, "message": job.error_message} if job.error_code else None

    @extend_schema_field(CostOutput)
    def get_cost(self, job: Job):
        return CostOutput(
            {"estimated": job.estimated_cost, "actual": job.cost, "currency": settings.COST_CURRENCY}
        ).data

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


def _job_response(request, job: Job, code: int = status.HTTP_200_OK, **headers) -> Response:
    return Response(JobOutput(job, context={"request": request}).data, status=code, headers=headers)


def _job_or_404(request, job_id) -> Job:
    job = selectors.job_get(tenant=caller(request).tenant, job_id=job_id)
    if job is None:
        raise ApiError("not_found", "No such job.", status_code=404)
    return job


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


# --- jobs: list and submit ----------------------------------------------------------------


class JobFilterInput(serializers.Serializer):
    status = serializers.CharField(
        required=False, help_text="One status or several, comma-separated: queued,running,succeeded,failed,cancelled"
    )
    kind = serializers.ChoiceField(choices=Job.Kind.choices, required=False)
    created_after = serializers.DateTimeField(required=False, help_text="ISO 8601; inclusive.")
    created_before = serializers.DateTimeField(required=False, help_text="ISO 8601; exclusive.")
    uploader = serializers.CharField(required=False, max_length=150, help_text="A username or an API key prefix.")

    def validate_status(self, value: str) -> list[str]:
        wanted = [s.strip() for s in value.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(Job.Status.values))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown status {', '.join(unknown)}; use any of {', '.join(Job.Status.values)}."
            )
        return wanted


class JobSubmitInput(serializers.Serializer):
    file = serializers.FileField(required=False, allow_empty_file=True, help_text="The recording (multipart upload).")
    source_path = serializers.CharField(
        required=False,
        max_length=500,
        help_text="Instead of a file: the path of a recording already in the tenant's storage inbox "
        "(`inbox/<tenant id>/<path>` in the bucket).",
    )
    speakers = serializers.RegexField(
        r"^(auto|[1-9][0-9]?)$", required=False, help_text="'auto' or how many people speak (default 2)."
    )
    session = serializers.ChoiceField(choices=["classroom", "coaching"], required=False)
    priority = serializers.ChoiceField(choices=Job.Priority.values, required=False, help_text="Default: the tenant's.")
    render = serializers.BooleanField(default=True, help_text="Render the highlight clips (default true).")
    blur_others = serializers.BooleanField(
        required=False, help_text="Blur all faces but the teacher's in the clips; leave out for the tenant's default."
    )
    webhook = serializers.UUIDField(
        required=False, help_text="Send this job's events to this endpoint only (one of the tenant's)."
    )

    kind = serializers.ChoiceField(
        choices=Job.Kind.choices, default=Job.Kind.ANALYZE, help_text="analyze (default) or convert."
    )
    source_job = serializers.UUIDField(
        required=False, help_text="convert only: instead of a file, the recording of this job of the tenant's..."
    )
    clip = serializers.RegexField(
        r"^[0-9]{2}\.mp4$", required=False, help_text="...or, with source_job, one of its highlight clips (01.mp4)."
    )
    format = serializers.ChoiceField(choices=list(convert.FORMATS), required=False, help_text="convert: the output.")
    fps = serializers.FloatField(required=False, help_text="convert: frames per second (default: the source's).")
    width = serializers.IntegerField(required=False, help_text="convert: pixels; the height follows unless given.")
    height = serializers.IntegerField(required=False, help_text="convert: pixels; the width follows unless given.")
    start_s = serializers.FloatField(required=False, help_text="convert: where to start, in seconds.")
    end_s = serializers.FloatField(required=False, help_text="convert: where to end, in seconds (default: the end).")
    loop = serializers.BooleanField(default=True, help_text="convert: gif, webp and lottie loop (default true).")
    quality = serializers.IntegerField(required=False, help_text="convert: 1-100 (default 75).")

    def validate(self, data):
        sources = [name for name in ("file", "source_path", "source_job") if data.get(name)]
        if len(sources) != 1:
            raise serializers.ValidationError("Send one of file, source_path or source_job.")
        if data.get("kind") == Job.Kind.CONVERT and not data.get("format"):
            raise serializers.ValidationError({"format": ["A conversion needs a format."]})
        if data.get("source_job") and data.get("kind") != Job.Kind.CONVERT:
            raise serializers.ValidationError({"source_job": ["Only a conversion (kind=convert) takes a source_job."]})
        if data.get("clip") and not data.get("source_job"):
            raise serializers.ValidationError({"clip": ["A clip is named together with its source_job."]})
        return data


class JobSubmitJsonInput(JobSubmitInput):
    """The JSON form of a submission (a recording already in storage; no file)."""

    file = None
    source_path = serializers.CharField(max_length=500, help_text=JobSubmitInput().fields["source_path"].help_text)


class JobPageOutput(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = JobOutput(many=True)


class JobListApi(APIView):
    permission_classes = SUBMITTERS
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends = [OrderingFilter]
    ordering_fields = ["created_at"]

    @extend_schema(
        operation_id="jobs_list",
        summary="List jobs",
        description="The tenant's jobs, newest first, a page at a time (`cursor` from `next`/`previous`; "
        "`limit` up to 100). `ordering=created_at` for oldest first.",
        parameters=[
            JobFilterInput,
            *PAGE_PARAMETERS,
            OpenApiParameter("ordering", str, enum=["-created_at", "created_at"], description="Default -created_at."),
        ],
        responses={200: JobPageOutput},
        tags=["jobs"],
    )
    def get(self, request):
        filters = JobFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        jobs = selectors.job_list(
            tenant=caller(request).tenant,
            statuses=f.get("status"),
            kind=f.get("kind"),
            created_after=f.get("created_after"),
            created_before=f.get("created_before"),
            uploader=f.get("uploader"),
        ).prefetch_related("attempt_log")
        paginator = CreatedCursor()
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response(JobOutput(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="jobs_create",
        summary="Submit a recording",
        description="Upload a file (multipart) or point at one already in the tenant's storage inbox (JSON). "
        "The job's estimated cost is checked against the month's budget before it is queued (402 when it "
        "does not fit). Send an `Idempotency-Key` header to make retries safe: the same key returns the "
        "same job (200) instead of a new one (202).",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Any string up to 255 characters, unique per submission.",
            )
        ],
        request={"multipart/form-data": JobSubmitInput, "application/json": JobSubmitJsonInput},
        responses={
            202: OpenApiResponse(JobOutput, description="Queued."),
            200: OpenApiResponse(JobOutput, description="An earlier job submitted with the same Idempotency-Key."),
        },
        examples=[OpenApiExample("Queued job", value=JOB_EXAMPLE, response_only=True, status_codes=["202"])],
        tags=["jobs"],
    )
    def post(self, request):
        who = caller(request)
        key = request.headers.get("Idempotency-Key", "").strip()[:255]
        earlier = selectors.job_for_key(tenant=who.tenant, key=key)
        if earlier is not None:
            return _job_response(request, earlier, status.HTTP_200_OK, **{"Idempotent-Replayed": "true"})
        data = JobSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        converting = d["kind"] == Job.Kind.CONVERT
        if not converting:
            options = services.job_options(
                speakers=d.get("speakers"),
                session=d.get("session"),
                # A form leaves an unticked box out, and DRF reads that as false: only a sent value counts.
                blur_others=d["blur_others"] if "blur_others" in request.data else None,
                render=d["render"],
                webhook=d.get("webhook"),
            )
        uploader = who.user
        new_video = not d.get("source_job")
        if d.get("source_job"):
            source = selectors.job_get(tenant=who.tenant, job_id=d["source_job"])
            if source is None:
                raise ApiError("bad_source", "The source_job is not one of this tenant's jobs.")
            video = source.video
        elif d.get("file"):
            video = uploads.video_create(tenant=who.tenant, uploader=uploader, upload=d["file"])
        else:
            video = uploads.video_from_storage(tenant=who.tenant, uploader=uploader, path=d["source_path"])
        started = timezone.now()
        try:
            with transaction.atomic():
                if converting:
                    job = conversions.conversion_create(
                        tenant=who.tenant,
                        video=video,
                        created_by=who.user,
                        api_key=who.key,
                        options={k: d.get(k) for k in conversions.OPTION_NAMES},
                        clip=d.get("clip", ""),
                        priority=d.get("priority"),
                        idempotency_key=key,
                        webhook=d.get("webhook"),
                    )
                else:
                    job = services.job_create(
                        tenant=who.tenant,
                        video=video,
                        created_by=who.user,
                        api_key=who.key,
                        priority=d.get("priority"),
                        options=options,
                        idempotency_key=key,
                    )
                if job.created_at >= started:
                    audit_request(request, "job.create", target=job, details={"file": video.original_name})
        except BaseException:
            if new_video:
                _drop_video(video, uploaded=bool(d.get("file")))  # refused (over budget): keep nothing
            raise
        if job.created_at < started:  # lost a race with the same key: the first job stands
            if new_video:
                _drop_video(video, uploaded=bool(d.get("file")))
            return _job_response(request, job, status.HTTP_200_OK, **{"Idempotent-Replayed": "true"})
        job = selectors.job_get(tenant=who.tenant, job_id=job.id)
        return _job_response(request, job, status.HTTP_202_ACCEPTED, Location=reverse("api:job", args=[job.id]))


def _drop_video(video, *, uploaded: bool) -> None:
    """Forget a video that did not become a job; an object from the tenant's inbox stays there."""
    if uploaded:
        uploads.video_delete(video=video)
    else:
        video.delete()


# --- jobs: one job ------------------------------------------------------------------------


class JobDetailApi(APIView):
    permission_classes = SUBMITTERS

    @extend_schema(operation_id="jobs_retrieve", summary="Get a job", responses={200: JobOutput}, tags=["jobs"])
    def get(self, request, job_id):
        return _job_response(request, _job_or_404(request, job_id))

    @extend_schema(
        operation_id="jobs_cancel",
        summary="Cancel a job",
        description="Cancels a queued or running job (a running one stops within seconds and leaves no result). "
        "409 `not_cancellable` when it has already finished.",
        responses={202: JobOutput},
        tags=["jobs"],
    )
    def delete(self, request, job_id):
        return _job_transition(
            request, job_id, services.job_cancel, "job.cancel", "not_cancellable", "The job has already {status}."
        )


class JobRetryApi(APIView):
    permission_classes = SUBMITTERS

    @extend_schema(
        operation_id="jobs_retry",
        summary="Run a failed or cancelled job again",
        description="409 `not_retryable` unless the job failed or was cancelled; 402 when its estimate no "
        "longer fits the month's budget.",
        request=None,
        responses={202: JobOutput},
        tags=["jobs"],
    )
    def post(self, request, job_id):
        return _job_transition(
            request,
            job_id,
            services.job_rerun,
            "job.rerun",
            "not_retryable",
            "Only failed or cancelled jobs can run again; this one is {status}.",
        )


def _job_transition(request, job_id, service, action: str, refusal: str, message: str) -> Response:
    """Cancel or rerun: the service's conditional update, audited; a 409 when the job's state
    does not allow it (``message`` names the state as ``{status}``)."""
    job = _job_or_404(request, job_id)
    with transaction.atomic():
        if not service(job_id=job.id):
            raise ApiError(refusal, message.format(status=job.status), status_code=409)
        audit_request(request, action, target=job)
    return _job_response(request, _job_or_404(request, job_id), status.HTTP_202_ACCEPTED)


class JobResultApi(APIView):
    @extend_schema(
        operation_id="jobs_result",
        summary="Get a job's result",
        description="The `cultivate.result/1` document (see docs/result-schema.md), with any corrections "
        "coaches made laid over it (`corrections`; changed questions keep `machine_label`). 409 "
        "`result_not_ready` until the job has succeeded.",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="cultivate.result/1")},
        tags=["jobs"],
    )
    def get(self, request, job_id):
        job = _job_or_404(request, job_id)
        result = job_review(job) if job.status == Job.Status.SUCCEEDED else None
        if result is None:
            raise ApiError("result_not_ready", f"The job is {job.status}; its result comes when it succeeds.", 409)
        return Response(result)


class ArtifactOutput(serializers.Serializer):
    name = serializers.CharField(help_text="e.g. result.json, highlights/01.mp4")
    kind = serializers.ChoiceField(
        choices=["result", "clip", "thumbnail", "captions", "output"], help_text="output: a conversion's file."
    )
    size_bytes = serializers.IntegerField()
    url = serializers.URLField(help_text="A short-lived download link.")
    expires_at = serializers.DateTimeField()


ARTIFACT_KINDS = {".mp4": "clip", ".jpg": "thumbnail", ".vtt": "captions"}


class JobArtifactsApi(APIView):
    @extend_schema(
        operation_id="jobs_artifacts",
        summary="List a job's files with download links",
        description="The result document and every highlight clip, thumbnail and caption file, each with a "
        "link that works without a key for a short time (`API_LINK_TTL_S`, 15 minutes unless set). Empty "
        "until the job has succeeded.",
        responses={200: ArtifactOutput(many=True)},
        tags=["jobs"],
    )
    def get(self, request, job_id):
        job = _job_or_404(request, job_id)
        out = []
        if job.status == Job.Status.SUCCEEDED and job.result_file:
            out.append(_artifact(request, job.result_file.name, "result.json", "result"))
            output = conversions.output_name(job)
            if output:
                out.append(_artifact(request, output, output.rsplit("/", 1)[-1], "output"))
            folder = f"results/{job.tenant_id}/{job.id}/highlights"
            try:
                _, names = default_storage.listdir(folder)
            except FileNotFoundError:
                names = []
            for name in sorted(names):
                kind = ARTIFACT_KINDS.get(name[name.rfind(".") :])
                if kind:
                    out.append(_artifact(request, f"{folder}/{name}", f"highlights/{name}", kind))
        return Response(ArtifactOutput(out, many=True).data)


def _artifact(request, path: str, name: str, kind: str) -> dict:
    url, expires = signed_link(request, path, name.replace("/", "-"))
    return {"name": name, "kind": kind, "size_bytes": default_storage.size(path), "url": url, "expires_at": expires}


# --- transcript-only analysis ------------------------------------------------------------


class TextInput(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.CharField(max_length=2000, allow_blank=True),
        max_length=text_questions.MAX_LINES,
        help_text="Utterances, one per item; an optional 'Speaker: ' prefix is kept apart.",
    )


class LabelledLineOutput(serializers.Serializer):
    speaker = serializers.CharField(allow_blank=True)
    text = serializers.CharField()
    label = serializers.ChoiceField(choices=["OEQ", "CEQ", "NONQ"])
    confidence = serializers.FloatField()
    cue = serializers.CharField(allow_blank=True)


class TextSummaryOutput(serializers.Serializer):
    lines = serializers.IntegerField()
    oeq_count = serializers.IntegerField()
    ceq_count = serializers.IntegerField()
    question_count = serializers.IntegerField()
    oeq_share = serializers.FloatField(allow_null=True)


class TextOutput(serializers.Serializer):
    lines = LabelledLineOutput(many=True)
    summary = TextSummaryOutput()


class AnalyzeTextApi(APIView):
    permission_classes = MEMBERS

    @extend_schema(
        operation_id="analyze_text",
        summary="Label utterances as open or closed questions",
        description="Transcript-only analysis: each line labelled OEQ, CEQ or NONQ with the classifier's "
        "confidence and the cue that decided. Labels are cached by text and model version.",
        request=TextInput,
        responses={200: TextOutput},
        examples=[
            OpenApiExample(
                "Two questions",
                value={"lines": ["Teacher: What do you notice about the leaves?", "Teacher: Is it red?"]},
                request_only=True,
            )
        ],
        tags=["questions"],
    )
    def post(self, request):
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        rows = text_questions.label_lines(data.validated_data["lines"])
        return Response(
            {"lines": [vars(r) for r in rows], "summary": text_questions.summary(rows)}, status=status.HTTP_200_OK
        )


# --- usage --------------------------------------------------------------------------------


class MonthOutput(serializers.Serializer):
    month = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=6)


class UsageOutput(serializers.Serializer):
    month = serializers.DateField(help_text="First day of this month.")
    currency = serializers.CharField()
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    spent = serializers.DecimalField(max_digits=14, decimal_places=6)
    reserved = serializers.DecimalField(max_digits=14, decimal_places=6, help_text="Estimates of unfinished jobs.")
    remaining = serializers.DecimalField(max_digits=14, decimal_places=6, allow_null=True)
    percent_spent = serializers.FloatField(allow_null=True)
    minutes_processed = serializers.FloatField(help_text="Minutes of recordings of jobs that succeeded this month.")
    jobs_succeeded = serializers.IntegerField()
    estimate_per_minute = serializers.DecimalField(max_digits=14, decimal_places=6)
    history = MonthOutput(many=True)


class UsageApi(APIView):
    @extend_schema(
        operation_id="usage_retrieve",
        summary="This month's cost and minutes against the budget",
        responses={200: UsageOutput},
        tags=["usage"],
    )
    def get(self, request):
        tenant = caller(request).tenant
        usage = budgets.budget_usage(tenant=tenant)
        done = selectors.job_list(tenant=tenant, statuses=[Job.Status.SUCCEEDED]).filter(
            finished_at__date__gte=usage.month
        )
        seconds = sum((v or 0) for v in done.values_list("video__probe__duration_s", flat=True))
        body = {
            "month": usage.month,
            "currency": settings.COST_CURRENCY,
            "budget": usage.budget,
            "spent": usage.spent,
            "reserved": usage.reserved,
            "remaining": usage.remaining,
            "percent_spent": usage.percent,
            "minutes_processed": round(seconds / 60, 2),
            "jobs_succeeded": done.count(),
            "estimate_per_minute": costs.per_minute(),
            "history": budgets.spend_by_month(tenant=tenant),
        }
        return Response(UsageOutput(body).data)


# --- webhooks -----------------------------------------------------------------------------


class WebhookOutput(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    description = serializers.CharField(allow_blank=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEndpoint.EVENTS))
    is_active = serializers.BooleanField()
    failing_since = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class WebhookSecretOutput(WebhookOutput):
    secret = serializers.CharField(help_text="Signs every delivery (X-Cultivate-Signature); see docs/webhooks.md.")


class WebhookCreateInput(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEndpoint.EVENTS), min_length=1)
    description = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class WebhookUpdateInput(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEndpoint.EVENTS), min_length=1, required=False
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class DeliveryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    event = serializers.CharField()
    event_id = serializers.UUIDField()
    status = serializers.CharField(help_text="pending, succeeded or failed")
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    response_status = serializers.IntegerField(allow_null=True)
    response_excerpt = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    redelivery_of = serializers.UUIDField(source="redelivery_of_id", allow_null=True)
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.DictField()


class DeliveryPageOutput(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DeliveryOutput(many=True)


def _endpoint_or_404(request, endpoint_id) -> WebhookEndpoint:
    endpoint = webhooks.webhook_get(tenant=caller(request).tenant, endpoint_id=endpoint_id)
    if endpoint is None:
        raise ApiError("not_found", "No such webhook endpoint.", status_code=404)
    return endpoint


class WebhookListApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="webhooks_list",
        tags=["webhooks"],
        summary="List webhook endpoints",
        responses={200: WebhookOutput(many=True)},
    )
    def get(self, request):
        return Response(WebhookOutput(webhooks.webhook_list(tenant=caller(request).tenant), many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        tags=["webhooks"],
        summary="Add a webhook endpoint",
        description="The response holds the endpoint's signing secret.",
        request=WebhookCreateInput,
        responses={201: WebhookSecretOutput},
    )
    def post(self, request):
        data = WebhookCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            endpoint = webhooks.webhook_create(tenant=caller(request).tenant, **data.validated_data)
            audit_request(request, "webhook.create", target=endpoint, details={"url": endpoint.url})
        return Response(WebhookSecretOutput(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="webhooks_retrieve",
        tags=["webhooks"],
        summary="Get a webhook endpoint",
        responses={200: WebhookSecretOutput},
    )
    def get(self, request, endpoint_id):
        return Response(WebhookSecretOutput(_endpoint_or_404(request, endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_update",
        tags=["webhooks"],
        summary="Change a webhook endpoint",
        description="`is_active: true` switches a disabled endpoint back on and clears its failure record.",
        request=WebhookUpdateInput,
        responses={200: WebhookOutput},
    )
    def patch(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        data = WebhookUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            endpoint = webhooks.webhook_update(endpoint=endpoint, **data.validated_data)
            audit_request(request, "webhook.update", target=endpoint, details=_jsonable(data.validated_data))
        return Response(WebhookOutput(endpoint).data)

    @extend_schema(
        operation_id="webhooks_destroy", tags=["webhooks"], summary="Delete a webhook endpoint", responses={204: None}
    )
    def delete(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        with transaction.atomic():
            audit_request(request, "webhook.delete", target=endpoint, details={"url": endpoint.url})
            webhooks.webhook_delete(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryListApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="webhooks_deliveries",
        tags=["webhooks"],
        summary="An endpoint's deliveries, newest first",
        parameters=[*PAGE_PARAMETERS],
        responses={200: DeliveryPageOutput},
    )
    def get(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        paginator = CreatedCursor()
        page = paginator.paginate_queryset(endpoint.deliveries.all(), request, view=self)
        return paginator.get_paginated_response(DeliveryOutput(page, many=True).data)


class RedeliverApi(APIView):
    permission_classes = ADMINS

    @extend_schema(
        operation_id="webhooks_redeliver",
        tags=["webhooks"],
        summary="Send a delivery again",
        description="A new delivery with the same event id and body. 409 `webhook_disabled` when the endpoint "
        "is switched off.",
        request=None,
        responses={202: DeliveryOutput},
    )
    def post(self, request, endpoint_id, delivery_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        delivery = webhooks.delivery_get(tenant=caller(request).tenant, delivery_id=delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint.id:
            raise ApiError("not_found", "No such delivery.", status_code=404)
        with transaction.atomic():
            copy = webhooks.webhook_redeliver(delivery=delivery)
            audit_request(request, "webhook.redeliver", target=endpoint, details={"delivery": str(delivery.id)})
        return Response(DeliveryOutput(copy).data, status=status.HTTP_202_ACCEPTED)


def _jsonable(data: dict) -> dict:
    return {k: v if isinstance(v, (str, int, float, bool, list, type(None))) else str(v) for k, v in data.items()}
