"""Short-lived download links for stored files (clips, thumbnails, captions, results).

Object storage that can sign its own URLs (S3, Azure) is asked for one; local storage gets
a link to ``/api/v1/files/<token>``. The token signs (with the site's secret) only the job's
id, the artifact's name as ``GET /jobs/{id}/artifacts`` lists it (``highlights/01.mp4``) and
the expiry: never a storage path. The server finds the file again on every download, and
refuses it once the job is gone or its tenant is suspended.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from cultivate.refusals import Refusal
from jobs import layout
from jobs.media import conversions
from jobs.models import Job

# Tokens of the first kind carried the storage path; a new salt makes every one of them a 404.
SALT = "cultivate.api.files.v2"  # kept from the module's first home: links already sent stay valid
_HIGHLIGHT = re.compile(r"^highlights/([0-9A-Za-z_-]{1,40}\.(?:mp4|jpg|vtt))$")
OCTET_STREAM = "application/octet-stream"


def artifact_path(job: Job, name: str) -> str | None:
    """The storage name of artifact ``name`` of ``job``, named as ``GET /jobs/{id}/artifacts``
    names it (``result.json``, ``highlights/01.mp4``, a conversion's ``output.webm``), or None."""
    if name == "result.json":
        return job.result_file.name or None
    found = _HIGHLIGHT.match(name)
    if found:
        return layout.clip_path(job, found.group(1))
    output = conversions.output_name(job)
    if output and name == output.rsplit("/", 1)[-1]:
        return output
    return None


def signed_link(request, job: Job, name: str, ttl_s: int | None = None) -> tuple[str, object]:
    """(URL, expiry) of a link that downloads artifact ``name`` of ``job`` for the next
    ``ttl_s`` seconds (``API_LINK_TTL_S`` unless given)."""
    ttl = settings.API_LINK_TTL_S if ttl_s is None else ttl_s
    expires = timezone.now() + timedelta(seconds=ttl)
    if not isinstance(default_storage, FileSystemStorage):
        try:
            return default_storage.url(artifact_path(job, name), expire=ttl), expires
        except TypeError:  # a storage that cannot sign: stream it through us
            pass
    token = signing.dumps({"j": str(job.id), "a": name, "x": int(expires.timestamp())}, salt=SALT)
    return request.build_absolute_uri(reverse("api:file", kwargs={"token": token})), expires


def _job_for_link(job_id) -> Job | None:
    """The job a signed link names, looked up without a tenant (the signature is the
    permission), or None when it is gone or its tenant is suspended."""
    try:
        job = Job.objects.select_related("tenant").filter(id=job_id).first()
    except (ValidationError, ValueError, TypeError):  # a malformed id
        return None
    return None if job is None or job.tenant.is_suspended else job


class _AnyAccept(BaseContentNegotiation):
    """The file is what it is, whatever the client's Accept header says; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FileDownloadApi(APIView):
    content_negotiation_class = _AnyAccept
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="files_download",
        summary="Download a file through a signed link",
        description="The links in `GET /jobs/{id}/artifacts` point here (with local storage). No key is "
        "needed: the token is the permission, and it expires.",
        responses={
            (200, kind): OpenApiResponse(
                OpenApiTypes.OBJECT if kind == "application/json" else OpenApiTypes.BINARY,
                description="The file (a result document or a Lottie animation when it is JSON).",
            )
            for kind in [OCTET_STREAM, *dict.fromkeys(layout.CONTENT_TYPES.values())]
        },
        auth=[],
        tags=["jobs"],
    )
    def get(self, request, token: str):
        try:
            found = signing.loads(token, salt=SALT)
        except signing.BadSignature:
            raise Refusal("not_found", "No such file.", status=404) from None
        if not isinstance(found, dict) or not isinstance(found.get("a"), str):
            raise Refusal("not_found", "No such file.", status=404)
        if found.get("x", 0) < timezone.now().timestamp():
            raise Refusal("link_expired", "This download link has expired; ask for a new one.", status=410)
        # Checked on every download: the job still exists and its tenant is not suspended.
        job = _job_for_link(found.get("j"))
        path = artifact_path(job, found["a"]) if job is not None else None
        if path is None or not default_storage.exists(path):
            raise Refusal("not_found", "No such file.", status=404)
        name = found["a"].replace("/", "-")
        content_type = layout.CONTENT_TYPES.get(name[name.rfind(".") :].lower(), OCTET_STREAM)
        return FileResponse(default_storage.open(path, "rb"), content_type=content_type, filename=name)
