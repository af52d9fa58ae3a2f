"""Share links on the dashboard: the public page a link opens, and revoking from the job page.

The job page makes a link to a clip (``views.job_share``) or to the lesson report
(``report.job_report_share``) and lists the job's links; the admin area lists all of the
tenant's (``admin_area.share_list``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from cultivate.accounts.audit import client_ip
from dashboard.access import job_for_member, member_required
from dashboard.ranges import ranged_file_response
from jobs import layout
from jobs.review import report, shares


@require_safe
def shared_clip(request, token: str):
    """The clip a share link opens, without signing in, seekable (HTTP ``Range``), or the
    lesson report (a PDF, made from the lesson as it is now).

    Checked on every request, so each seek of the player is checked too: an unknown, revoked
    or suspended link, or a clip that is gone, is a 404 that says nothing more; an expired
    one a 410 that says so."""
    link, reason = shares.share_link_resolve(token)
    if link is None:
        return _gone(request, expired=reason == "expired")
    if link.clip == shares.REPORT:
        return _shared_report(request, link)
    path = layout.clip_path(link.job, link.clip)
    try:
        opened, size = default_storage.open(path, "rb"), default_storage.size(path)
    except FileNotFoundError:  # deleted since it was checked
        return _gone(request, expired=False)
    stem = link.job.video.original_name.rsplit(".", 1)[0] or "clip"
    response = ranged_file_response(
        request, opened, size=size, content_type="video/mp4", filename=f"{stem}-{link.clip}"
    )
    response["Cache-Control"] = "private, no-store"  # a revoked link must not live on in a cache
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _shared_report(request, link):
    context = report.report_context(link.job)
    if context is None:  # the lesson's result went away since the link was checked
        return _gone(request, expired=False)
    response = HttpResponse(report.report_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, report.report_filename(link.job))
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _gone(request, *, expired: bool):
    response = render(request, "dashboard/share_gone.html", {"expired": expired}, status=410 if expired else 404)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@member_required
@require_POST
def job_share_revoke(request, job_id, link_id):
    """Revoke one of the job's share links (coaches and admins): it stops working at once."""
    job = job_for_member(request, job_id, write=True)
    link = shares.share_link_revoke(
        tenant=request.tenant, link_id=link_id, user=request.user, job=job, ip=client_ip(request)
    )
    if link is None:
        raise Http404("No such share link")
    messages.success(request, f"The link to {shares.share_link_subject(link)} was revoked; it no longer works.")
    return redirect(reverse("dashboard:job", kwargs={"job_id": job.id}) + "#h-shares")
