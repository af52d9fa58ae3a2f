"""The lesson report: its print view, its PDF, and a share link to send it to the teacher.

Any member reads and downloads a lesson's report; coaches and admins share it. Only an
analysed lesson that succeeded has one (a 404 otherwise). The link opens at the same public
address as a clip's (``shares.shared_clip``), and is listed and revoked with them.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from cultivate.accounts.audit import client_ip
from cultivate.refusals import Refusal
from dashboard.access import job_for_member, member_required
from jobs.review import report, shares


@member_required
@require_GET
def job_report(request, job_id):
    """The report as a page, to read or print from the browser, with a link to the PDF."""
    job = job_for_member(request, job_id)
    context = _context(job)
    html = report.report_html(
        context,
        download_url=reverse("dashboard:job_report_pdf", kwargs={"job_id": job.id}),
        back_url=reverse("dashboard:job", kwargs={"job_id": job.id}),
    )
    return HttpResponse(html)


@member_required
@require_GET
def job_report_pdf(request, job_id):
    """The report as a one-page PDF download, ``<lesson name>.report.pdf``."""
    job = job_for_member(request, job_id)
    response = HttpResponse(report.report_pdf(_context(job)), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, report.report_filename(job))
    response["Cache-Control"] = "private, no-store"  # it shows comments as they are now
    return response


@member_required
@require_POST
def job_report_share(request, job_id):
    """A link to the report that opens without signing in for ``SHARE_LINK_TTL_S`` or until
    revoked (coaches and admins); shown once on the lesson page, like a clip's."""
    job = job_for_member(request, job_id, write=True)
    try:
        link, token = shares.share_link_create(
            tenant=request.tenant, job=job, clip=shares.REPORT, user=request.user, ip=client_ip(request)
        )
    except Refusal as exc:
        if exc.code == "not_found":
            raise Http404("No report for this lesson") from None
        raise
    url = request.build_absolute_uri(reverse("dashboard:shared_clip", kwargs={"token": token}))
    expires = link.expires_at.isoformat()
    request.session["shared_clip"] = {"job": str(job.id), "clip": shares.REPORT, "url": url, "expires": expires}
    return redirect(reverse("dashboard:job", kwargs={"job_id": job.id}) + "#report")


def _context(job) -> dict:
    context = report.report_context(job)
    if context is None:
        raise Http404("No report for this lesson")
    return context
