"""REST API v1 for jobs, results, transcript-only analysis, usage and webhooks.

Thin views in the HackSoft manner: an input serializer parses, a selector or service acts,
an output serializer renders. Tenancy comes from ``caller(request)``; every selector takes
the caller's tenant, so another tenant's job is a 404. Errors are raised, and
``cultivate.api.errors`` gives them the one shape.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis import convert
from cultivate.accounts.audit import Actor
from cultivate.api.authentication import caller
from cultivate.api.pagination import PAGE_PARAMETERS, CreatedCursor
from cultivate.api.permissions import SUBMITTERS
from cultivate.refusals import Refusal
from jobs import layout, selectors, services
from jobs.api_outputs import JOB_EXAMPLE, JobOutput
from jobs.media import conversions, uploads
from jobs.media.file_links import artifact_path, signed_link
from jobs.media.submit import job_submit
from jobs.models import Job
from jobs.review.corrections import job_review


def _job_response(request, job: Job, code: int = status.HTTP_200_OK, **headers) -> Response:
    return Response(JobOutput(job, context={"request": request}).data, status=code, headers=headers)


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
        data = JobSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if d.get("source_job"):
            source = selectors.job_get(tenant=who.tenant, job_id=d["source_job"])
            if source is None:
                raise Refusal("bad_source", "The source_job is not one of this tenant's jobs.")
            recording = source.video
        elif d.get("file"):
            recording = lambda: uploads.video_create(tenant=who.tenant, uploader=who.user, upload=d["file"])  # noqa: E731
        else:
            recording = lambda: uploads.video_from_storage(  # noqa: E731
                tenant=who.tenant, uploader=who.user, path=d["source_path"]
            )
        converting = d["kind"] == Job.Kind.CONVERT
        submitted = job_submit(
            tenant=who.tenant,
            actor=Actor.of(request, api_key=who.key),
            recording=recording,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            priority=d.get("priority"),
            options=None
            if converting
            else {
                "speakers": d.get("speakers"),
                "session": d.get("session"),
                # A form leaves an unticked box out, and DRF reads that as false: only a sent value counts.
                "blur_others": d["blur_others"] if "blur_others" in request.data else None,
                "render": d["render"],
                "webhook": d.get("webhook"),
            },
            convert={
                "options": {k: d.get(k) for k in conversions.OPTION_NAMES},
                "clip": d.get("clip", ""),
                "webhook": d.get("webhook"),
            }
            if converting
            else None,
        )
        if not submitted.created:  # the same submission again, or it lost a race with the same key
            return _job_response(request, submitted.job, status.HTTP_200_OK, **{"Idempotent-Replayed": "true"})
        job = selectors.job_get(tenant=who.tenant, job_id=submitted.job.id)
        return _job_response(request, job, status.HTTP_202_ACCEPTED, Location=reverse("api:job", args=[job.id]))


# --- jobs: one job ------------------------------------------------------------------------


class JobDetailApi(APIView):
    permission_classes = SUBMITTERS

    @extend_schema(operation_id="jobs_retrieve", summary="Get a job", responses={200: JobOutput}, tags=["jobs"])
    def get(self, request, job_id):
        return _job_response(request, selectors.job_or_404(request, job_id))

    @extend_schema(
        operation_id="jobs_cancel",
        summary="Cancel a job",
        description="Cancels a queued or running job (a running one stops within seconds and leaves no result). "
        "409 `not_cancellable` when it has already finished.",
        responses={202: JobOutput},
        tags=["jobs"],
    )
    def delete(self, request, job_id):
        return _job_transition(request, job_id, services.job_cancel, "not_cancellable", "The job has already {status}.")


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
            "not_retryable",
            "Only failed or cancelled jobs can run again; this one is {status}.",
        )


def _job_transition(request, job_id, service, refusal: str, message: str) -> Response:
    """Cancel or rerun: the service's conditional update (it audits); a 409 when the job's state
    does not allow it (``message`` names the state as ``{status}``)."""
    job = selectors.job_or_404(request, job_id)
    if not service(job_id=job.id, actor=Actor.of(request, api_key=caller(request).key)):
        raise Refusal(refusal, message.format(status=job.status), status=409)
    return _job_response(request, selectors.job_or_404(request, job_id), status.HTTP_202_ACCEPTED)


class JobResultApi(APIView):
    @extend_schema(
        operation_id="jobs_result",
        summary="Get a job's result",
        description="The `cultivate.result/1` document (see docs/result-schema.md), with any corrections "
        "coaches made laid over it (`corrections`; changed questions keep `machine_label`, merged or split "
        "speakers keep the machine's in `machine_speakers`). 409 `result_not_ready` until the job has succeeded.",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="cultivate.result/1")},
        tags=["jobs"],
    )
    def get(self, request, job_id):
        job = selectors.job_or_404(request, job_id)
        result = job_review(job) if job.status == Job.Status.SUCCEEDED else None
        if result is None:
            raise Refusal("result_not_ready", f"The job is {job.status}; its result comes when it succeeds.", 409)
        return Response(result)


class ArtifactOutput(serializers.Serializer):
    name = serializers.CharField(help_text="e.g. result.json, highlights/01.mp4")
    kind = serializers.ChoiceField(
        choices=["result", "clip", "thumbnail", "captions", "output"], help_text="output: a conversion's file."
    )
    size_bytes = serializers.IntegerField()
    url = serializers.URLField(help_text="A short-lived download link.")
    expires_at = serializers.DateTimeField()


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
        job = selectors.job_or_404(request, job_id)
        out = []
        if job.status == Job.Status.SUCCEEDED and job.result_file:
            out.append(_artifact(request, job, "result.json", "result"))
            output = conversions.output_name(job)
            if output:
                out.append(_artifact(request, job, output.rsplit("/", 1)[-1], "output"))
            folder = layout.clips_folder(job)
            try:
                _, names = default_storage.listdir(folder)
            except FileNotFoundError:
                names = []
            for name in sorted(names):
                kind, _ = layout.CLIP_FILES.get(name[name.rfind(".") :], (None, None))
                if kind and artifact_path(job, f"highlights/{name}"):  # a name a link can carry
                    out.append(_artifact(request, job, f"highlights/{name}", kind))
        return Response(ArtifactOutput(out, many=True).data)


def _artifact(request, job: Job, name: str, kind: str) -> dict:
    """One artifact with its link; the link names the job and the artifact, never its path."""
    url, expires = signed_link(request, job, name)
    size = default_storage.size(artifact_path(job, name))
    return {"name": name, "kind": kind, "size_bytes": size, "url": url, "expires_at": expires}
