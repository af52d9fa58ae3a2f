"""Comments on the job page: add, delete and mark shared in the lesson report (admins and
coaches; viewers read), and the list as JSON for the page's polling fallback."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cultivate.accounts.audit import Actor
from cultivate.refusals import Refusal
from dashboard.access import job_for_member, member_required
from jobs.review import comments
from jobs.review.times import parse_time


def comment_context(request, job) -> dict:
    """What the job page shows of the comments: the list with timeline positions, and rights."""
    duration = job.video.duration_s or 0
    rows = [
        {
            "comment": c,
            "left": round(100 * min(c.at_s / duration, 1), 3) if duration else 0.0,
            "can_delete": comments.can_delete(request.membership, c),
        }
        for c in comments.comment_list(tenant=request.tenant, job=job)
    ]
    return {
        "comments": rows,
        "can_act": request.membership is not None and request.membership.can_act,
        "comment_duration": duration,
    }


def _back(job) -> str:
    return reverse("dashboard:job", kwargs={"job_id": job.id}) + "#comments"


@member_required
@require_POST
def comment_add(request, job_id):
    job = job_for_member(request, job_id, write=True)
    try:
        at_s = parse_time(request.POST.get("at"))
        comments.comment_create(
            tenant=request.tenant,
            job=job,
            author=request.user,
            at_s=at_s,
            body=request.POST.get("body", ""),
            shared=request.POST.get("shared") == "1",
            actor=Actor.of(request),
        )
    except Refusal as exc:
        messages.error(request, exc.message)  # shown at the top of the job page
        return redirect("dashboard:job", job_id=job.id)
    return redirect(_back(job))


def _comment_or_404(request, job, comment_id):
    comment = comments.comment_get(tenant=request.tenant, job=job, comment_id=comment_id)
    if comment is None:
        raise Http404("No such comment")
    return comment


def _for_reader(request, comment) -> dict:
    return {**comments.comment_data(comment), "can_delete": comments.can_delete(request.membership, comment)}


@member_required
@require_GET
def job_comments(request, job_id):
    """The job's comments for the page's polling fallback. The ETag is the body's digest: a
    poll that sends it back while nothing changed gets an empty 304."""
    job = job_for_member(request, job_id)
    rows = [_for_reader(request, c) for c in comments.comment_list(tenant=request.tenant, job=job)]
    body = json.dumps({"comments": rows}, ensure_ascii=False)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@member_required
@require_POST
def comment_share(request, job_id, comment_id):
    """Mark the comment shared in the lesson report (``shared=1``) or not (``shared=0``). The
    page's script asks for JSON and updates the comment in place; a plain form goes back."""
    job = job_for_member(request, job_id, write=True)
    comment = _comment_or_404(request, job, comment_id)
    comments.comment_share(comment=comment, shared=request.POST.get("shared") == "1", actor=Actor.of(request))
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"comment": _for_reader(request, comment)})
    return redirect(_back(job))


@member_required
@require_POST
def comment_delete(request, job_id, comment_id):
    job = job_for_member(request, job_id)
    comment = _comment_or_404(request, job, comment_id)
    if not comments.can_delete(request.membership, comment):
        raise PermissionDenied("Only its author or an admin can delete a comment.")
    comments.comment_delete(comment=comment, actor=Actor.of(request))
    return redirect(_back(job))
