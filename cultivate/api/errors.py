"""One error shape for the whole API: ``{"error": {"code", "message", "details"}}``.

Codes are stable; ``docs/api.md`` lists them. DRF's own exceptions, a pipeline
``AnalysisError`` (a refused upload, a budget that is spent) and ``ApiError`` raised by
views all come out the same way.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from analysis.errors import AnalysisError


class ApiError(exceptions.APIException):
    """An error a view raises on purpose, with its own code and status."""

    def __init__(self, code: str, message: str, status_code: int = 400, *, details=None) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details


# A refusal from the pipeline or a service, by its code; anything else is a 400, and a
# passing fault on our side (``permanent=False``, e.g. ffprobe missing) a 503.
ANALYSIS_STATUS = {
    "budget_exceeded": status.HTTP_402_PAYMENT_REQUIRED,
    "too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "bad_type": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    "webhook_disabled": status.HTTP_409_CONFLICT,
    "webhook_limit": status.HTTP_409_CONFLICT,
    "priority_not_allowed": status.HTTP_403_FORBIDDEN,
    "rate_limited": status.HTTP_429_TOO_MANY_REQUESTS,
}

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


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


def exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: every error an API view raises, in the one shape."""
    if isinstance(exc, AnalysisError):
        code = ANALYSIS_STATUS.get(exc.code, 400) if exc.permanent else status.HTTP_503_SERVICE_UNAVAILABLE
        exc = ApiError(exc.code, exc.message, status_code=code)
    elif isinstance(exc, RequestDataTooBig):  # a body past DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = ApiError(
            "too_large", "The request body is too large.", status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handler (below) answers
    if isinstance(exc, ApiError):
        response.data = error_body(exc.code, exc.message, exc.details)
        return response
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
