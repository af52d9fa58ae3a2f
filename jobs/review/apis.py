"""REST API v1 for coaches' corrections of a finished job's result (``analysis.corrections``):
list them, add one. ``GET /jobs/{id}/result`` serves the result with them laid over it.

Thin views as in ``jobs.apis``; errors are raised and ``cultivate.api.errors`` shapes them.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cultivate.accounts.audit import Actor
from cultivate.api.authentication import caller
from cultivate.api.permissions import SUBMITTERS
from cultivate.refusals import Refusal
from jobs.models import Correction, Job
from jobs.review.corrections import correction_add, correction_dict, correction_list
from jobs.selectors import job_or_404

KINDS_HELP = (
    "label {question, label: OEQ|CEQ|NONQ}; add {start, text, label: OEQ|CEQ}; speaker {speaker, role?, name?}; "
    "swap {a, b}; merge {speaker, into}: everything `speaker` said becomes `into`'s; split {start, end, "
    'speaker: an id or "new", role?}: the words whose middle falls in [start, end) become that speaker\'s '
    "(a new one is the next free S<n>, role `other` unless given). Times in seconds. See docs/api.md."
)


class CorrectionInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Correction.Kind.choices)
    data = serializers.DictField(help_text=KINDS_HELP)


class CorrectionOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Correction.Kind.choices)
    data = serializers.DictField(help_text="As checked and kept (times rounded to 0.01 s).")
    by = serializers.CharField(allow_blank=True, help_text="The coach's username; empty when made with an API key.")
    at = serializers.DateTimeField()


class JobCorrectionsApi(APIView):
    permission_classes = SUBMITTERS

    @extend_schema(
        operation_id="jobs_corrections_list",
        summary="List a job's corrections",
        description="Oldest first, as they are laid over the machine's result.",
        responses={200: CorrectionOutput(many=True)},
        tags=["jobs"],
    )
    def get(self, request, job_id):
        return Response(CorrectionOutput(correction_list(job=job_or_404(request, job_id)), many=True).data)

    @extend_schema(
        operation_id="jobs_corrections_create",
        summary="Correct a job's result",
        description="Adds one correction after the earlier ones (each is checked against the result as "
        "they left it: a merged speaker is gone, a new one is there). The machine's result is kept; "
        "`GET /jobs/{id}/result` serves it with the corrections applied and the metrics recomputed. "
        "400 `bad_correction` with the reason; 409 `result_not_ready` until the job has succeeded.",
        request=CorrectionInput,
        responses={201: OpenApiResponse(CorrectionOutput, description="Kept.")},
        examples=[
            OpenApiExample(
                "Merge", value={"kind": "merge", "data": {"speaker": "S2", "into": "S1"}}, request_only=True
            ),
            OpenApiExample(
                "Split", value={"kind": "split", "data": {"start": 75, "end": 90, "speaker": "new"}}, request_only=True
            ),
        ],
        tags=["jobs"],
    )
    def post(self, request, job_id):
        job = job_or_404(request, job_id)
        if job.status != Job.Status.SUCCEEDED:
            raise Refusal("result_not_ready", f"The job is {job.status}; only a finished result can be corrected.", 409)
        given = CorrectionInput(data=request.data)
        given.is_valid(raise_exception=True)
        actor = Actor.of(request, api_key=caller(request).key)
        made = correction_add(job=job, author=caller(request).user, actor=actor, **given.validated_data)
        return Response(CorrectionOutput(correction_dict(made)).data, status=status.HTTP_201_CREATED)
