"""The upload page's chunked, resumable uploads (JSON endpoints for static/js/upload.js).

POST   upload/sessions                  name, size: open a session (type and size checked)
GET    upload/sessions/<id>             where it stands (the offset to resume from)
PUT    upload/sessions/<id>             one chunk as the body, at the ``Upload-Offset`` header
DELETE upload/sessions/<id>             abort it and delete what was received
POST   upload/sessions/<id>/finish      the job's options: store the file, queue one job
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cultivate.accounts.audit import Actor
from cultivate.api.throttling import page_rate_limit
from cultivate.refusals import Refusal
from dashboard.access import READ_ONLY, member_required
from dashboard.views import job_url
from jobs.media import chunked


def uploader_required(view):
    """A member who may upload; refusals are JSON like every answer here."""

    @member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.can_act:
            return _error(Refusal("forbidden", READ_ONLY))
        return view(request, *args, **kwargs)

    return wrapper


@uploader_required
@page_rate_limit("upload-sessions", "UPLOAD_SESSIONS_PER_MINUTE", json=True)
@require_POST
def session_create(request):
    try:
        size = int(request.POST.get("size", ""))
    except ValueError:
        return _error(Refusal("bad_size", "Send the file's size in bytes."))
    try:
        session = chunked.upload_session_create(
            tenant=request.tenant, user=request.user, name=request.POST.get("name", ""), size=size
        )
    except Refusal as exc:
        return _error(exc)
    return JsonResponse(_state(session), status=201)


@uploader_required
@require_http_methods(["GET", "PUT", "DELETE"])
@never_cache
def session_detail(request, session_id):
    session = _session_or_404(request, session_id)
    if request.method == "GET":
        return JsonResponse(_state(session))
    if request.method == "DELETE":
        chunked.upload_session_abort(session=session)
        return JsonResponse(_state(session))
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(Refusal("bad_chunk", "Send the chunk's offset in the Upload-Offset header."))
    try:
        received = chunked.upload_session_append(session=session, offset=offset, length=length, stream=request)
    except Refusal as exc:
        return _error(exc, offset=session.received)
    return JsonResponse({"offset": received})


@uploader_required
@require_POST
def session_finish(request, session_id):
    session = _session_or_404(request, session_id)
    fields = {
        "priority": request.POST.get("priority") or None,
        "options": {
            "speakers": request.POST.get("speakers"),
            "session": request.POST.get("session"),
            "blur_others": request.POST.get("blur_others", "0"),
        },
        "teacher": request.POST.get("teacher", ""),
    }
    try:
        job, created = chunked.upload_session_finish(session=session, actor=Actor.of(request), job_fields=fields)
    except Refusal as exc:
        return _error(exc, offset=session.received)
    return JsonResponse({"job": {"id": str(job.id), "url": job_url(job)}}, status=201 if created else 200)


def _session_or_404(request, session_id):
    session = chunked.upload_session_get(tenant=request.tenant, user=request.user, session_id=session_id)
    if session is None:
        raise Http404("No such upload")
    return session


def _state(session) -> dict:
    state = chunked.upload_session_state(session)
    state["job_url"] = job_url(session.job) if session.job_id else None
    return state


def _error(exc: Refusal, *, offset: int | None = None) -> JsonResponse:
    """The refusal's body and status; a chunked upload's answer also says where to go on from."""
    body = exc.body()
    if isinstance(exc, chunked.OffsetMismatch):
        body["offset"] = exc.offset
    elif offset is not None:
        body["offset"] = offset
    return JsonResponse(body, status=exc.status)
