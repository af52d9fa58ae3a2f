"""One error shape for the whole API: ``{"error": {"code", "message", "details"}}``.

Codes are stable; ``docs/api.md`` lists them. A ``Refusal`` raised by a view or a service
(a refused upload, a budget that is spent) and DRF's own exceptions all come out the same way.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from cultivate.refusals import Refusal, error_body

# DRF's exceptions, by class: (code, message when DRF's own is not helpful).
DRF_CODES: list[tuple[type[Exception], str, str | None]] = [
    (exceptions.ValidationError, "validation_error", "Some fields are missing or not valid; see details."),
    (exceptions.NotAuthenticated, "not_authenticated", "Send an API key: 'Authorization: Bearer <key>'."),
    (exceptions.AuthenticationFailed, "authentication_failed", None),
    (exceptions.PermissionDenied, "permission_denied", None),
    (exceptions.NotFound, "not_found", "Not found."),
    (exceptions.MethodNotAllowed, "method_not_allowed", None),
    (exceptions.NotAcceptable, "not_acceptable", None),
    (exceptions.UnsupportedMediaType, "unsupported_media_type", None),
    (exceptions.ParseError, "malformed_request", None),
    (exceptions.Throttled, "rate_limited", None),
]


def exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: every error an API view raises, in the one shape."""
    if isinstance(exc, RequestDataTooBig):  # a body past DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = Refusal("too_large", "The request body is too large.")
    if isinstance(exc, Refusal):
        set_rollback()
        return Response(exc.body(), status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handler (below) answers
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    code, message = next(((c, m) for kind, c, m in DRF_CODES if isinstance(exc, kind)), ("error", None))
    details = None
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail
    elif isinstance(exc, exceptions.Throttled):
        details = {"retry_after": exc.wait and int(exc.wait + 0.999)}
        message = f"Too many requests; try again in {details['retry_after']} s."
    elif isinstance(exc, exceptions.PermissionDenied):
        code = getattr(exc.detail, "code", None) or code  # a permission's own code, e.g. "viewer_read_only"
    if message is None:
        message = str(exc.detail) if isinstance(exc.detail, str) else "The request was refused."
    response.data = error_body(code, message, details)
    return response


def not_found(request, exception=None):
    """``handler404``: JSON for API paths, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "No such API path."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    """``handler500``: JSON for API paths (a bug: it is logged), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side; it has been logged."), status=500
        )
    from django.views.defaults import server_error as page

    return page(request)
