"""REST API v1 for transcript-only question labels: lines of text in, each labelled OEQ, CEQ or NQ.

Thin views as in ``jobs.apis``; errors are raised and ``cultivate.api.errors`` shapes them.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cultivate.api.permissions import MEMBERS
from cultivate.refusals import Refusal
from jobs.questions import labelling


class TextInput(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.CharField(max_length=2000, allow_blank=True),
        max_length=labelling.MAX_LINES,
        help_text=f"Utterances, one per item; an optional 'Speaker: ' prefix is kept apart. At most "
        f"{labelling.MAX_LINES} lines (else 400 `validation_error`) and {labelling.MAX_CHARS:,} "
        "characters in all (else 413 `text_too_large`).",
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
        _refuse_a_body_over_the_limit(request)
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        rows = labelling.label_lines(data.validated_data["lines"])  # a TextTooLarge refusal is a 413
        return Response(
            {"lines": [vars(r) for r in rows], "summary": labelling.summary(rows)}, status=status.HTTP_200_OK
        )


def _refuse_a_body_over_the_limit(request) -> None:
    """``DATA_UPLOAD_MAX_MEMORY_SIZE`` applies to JSON bodies too (DRF reads ``request.body``), but
    Django answers that with an HTML 400; say it in the API's shape, before reading the body."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if limit is not None and length > limit:
        raise Refusal(
            "too_large",
            f"The request body is {length:,} bytes; at most {limit:,} are accepted.",
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
