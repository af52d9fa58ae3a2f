"""Short-lived download links for stored files (clips, thumbnails, captions, results).

Object storage that can sign its own URLs (S3, Azure) is asked for one; local storage gets
a link to ``/api/v1/files/<token>``, where the token is the file's path signed with the
site's secret together with its expiry, so the link works without a key until then.
"""

from __future__ import annotations

import mimetypes
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from cultivate.api.errors import ApiError

SALT = "cultivate.api.files"


def signed_link(request, path: str, filename: str, ttl_s: int | None = None) -> tuple[str, object]:
    """(URL, expiry) of a link that downloads ``path`` for the next ``ttl_s`` seconds
    (``API_LINK_TTL_S`` unless given; a coach's share link lives longer)."""
    ttl = settings.API_LINK_TTL_S if ttl_s is None else ttl_s
    expires = timezone.now() + timedelta(seconds=ttl)
    if not isinstance(default_storage, FileSystemStorage):
        try:
            return default_storage.url(path, expire=ttl), expires
        except TypeError:  # a storage that cannot sign: stream it through us
            pass
    token = signing.dumps({"p": path, "n": filename, "x": int(expires.timestamp())}, salt=SALT, compress=True)
    return request.build_absolute_uri(reverse("api:file", kwargs={"token": token})), expires


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
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
        },
        auth=[],
        tags=["jobs"],
    )
    def get(self, request, token: str):
        try:
            found = signing.loads(token, salt=SALT)
        except signing.BadSignature:
            raise ApiError("not_found", "No such file.", status_code=404) from None
        if found.get("x", 0) < timezone.now().timestamp():
            raise ApiError("link_expired", "This download link has expired; ask for a new one.", status_code=410)
        path, name = found.get("p", ""), found.get("n", "download")
        if not default_storage.exists(path):
            raise ApiError("not_found", "No such file.", status_code=404)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileResponse(default_storage.open(path, "rb"), content_type=content_type, filename=name)
