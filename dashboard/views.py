"""Server-rendered pages. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cultivate.accounts.audit import Actor, client_ip
from cultivate.api.throttling import page_rate_limit
from cultivate.refusals import Refusal
from dashboard.access import coach_required, job_for_member, member_required
from dashboard.comments import comment_context
from dashboard.ranges import ranged_file_response
from dashboard.review import review_context
from jobs import layout, selectors, services
from jobs.billing import budgets, costs
from jobs.media import conversions, uploads
from jobs.media.submit import job_submit
from jobs.models import Job
from jobs.questions import labelling
from jobs.review import shares
from jobs.review.corrections import job_review
from jobs.review.headline import headline_cards


@coach_required
@require_http_methods(["GET", "POST"])
def upload(request):
    context = {
        "max_bytes": settings.MAX_UPLOAD_BYTES,
        "extensions": settings.UPLOAD_EXTENSIONS,
        "max_minutes": int(settings.MAX_MEDIA_DURATION_S // 60),
        "speaker_choices": ["auto"] + list(range(1, settings.MAX_SPEAKERS + 1)),
        "default_speakers": settings.DIARIZATION_SPEAKERS,
        "default_session": settings.DEFAULT_SESSION,
        "default_blur": request.tenant.blur_others_default or settings.BLUR_OTHERS_DEFAULT,
        "priority_choices": [
            (value, label)
            for value, label in Job.Priority.choices
            if value != Job.Priority.HIGH or services.high_priority_allowed(tenant=request.tenant, user=request.user)
        ],
        "default_priority": request.tenant.default_priority,
        "usage": budgets.budget_usage(tenant=request.tenant),
        "per_minute": costs.per_minute(),
        "currency": settings.COST_CURRENCY,
        "teacher_names": [t["name"] for t in selectors.teacher_names(tenant=request.tenant)],
    }
    if request.method == "GET":
        return render(request, "dashboard/upload.html", context)

    wants_json = "application/json" in request.headers.get("Accept", "")
    file = request.FILES.get("file")
    try:
        if file is None:
            raise Refusal("no_file", "Choose a video or audio file to upload.")
        submitted = job_submit(
            tenant=request.tenant,
            actor=Actor.of(request),
            recording=lambda: uploads.video_create(tenant=request.tenant, uploader=request.user, upload=file),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            priority=request.POST.get("priority") or None,
            options={
                "speakers": request.POST.get("speakers"),
                "session": request.POST.get("session"),
                "blur_others": request.POST.get("blur_others", "0"),
            },
            teacher=request.POST.get("teacher", ""),
        )
    except Refusal as exc:
        if wants_json:
            return JsonResponse(exc.body(), status=exc.status)
        return render(request, "dashboard/upload.html", {**context, "error": exc.message}, status=exc.status)
    job = submitted.job
    if wants_json:
        return JsonResponse({"job": {"id": str(job.id), "url": job_url(job)}}, status=201 if submitted.created else 200)
    return redirect("dashboard:job", job_id=job.id)


def job_url(job) -> str:
    return reverse("dashboard:job", kwargs={"job_id": job.id})


@member_required
@require_GET
def job_detail(request, job_id):
    job = job_for_member(request, job_id)
    converted = job.kind == job.Kind.CONVERT
    result = job_review(job) if job.status == job.Status.SUCCEEDED and not converted else None
    review = review_context(result) if result else None
    context = {
        "job": job,
        "result": result,
        "review": review,
        "cards": headline_cards(job, review["metrics"]) if review else [],
        "is_admin": request.membership.role == "admin",
        "conversion": selectors.job_result(job) if converted and job.status == job.Status.SUCCEEDED else None,
        "attempts": list(job.attempt_log.all()),
        "can_act": request.membership.can_act,
        "shared": _shared_clip(request, job),
        "share_links": shares.share_links_for_job(request.tenant, job),
    }
    context.update(comment_context(request, job))
    return render(request, "dashboard/job.html", context)


def _shared_clip(request, job) -> dict | None:
    """The share link just made for one of this job's clips (shown once)."""
    shared = request.session.pop("shared_clip", None)
    return shared if shared and shared.get("job") == str(job.id) else None


@member_required
@require_POST
def job_cancel(request, job_id):
    return _job_action(request, job_id, services.job_cancel)


@member_required
@require_POST
def job_retry(request, job_id):
    """Run a failed or cancelled job again (a fresh set of attempts)."""
    return _job_action(request, job_id, services.job_rerun)


def _job_action(request, job_id, action):
    """A coach's or admin's button on the job page: act, then show the job again."""
    job = job_for_member(request, job_id, write=True)
    try:
        action(job_id=job.id, actor=Actor.of(request))
    except Refusal as exc:
        messages.error(request, exc.message)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)  # the jobs list's buttons come back to the list, filters kept
    return redirect("dashboard:job", job_id=job.id)


@member_required
@require_GET
@never_cache
def job_status(request, job_id):
    """The polling twin of the job socket."""
    return JsonResponse(selectors.job_state(job_for_member(request, job_id)))


@member_required
@require_GET
def job_result_download(request, job_id):
    job = job_for_member(request, job_id)
    review = job_review(job) if job.status == job.Status.SUCCEEDED else None
    if review is None:
        raise Http404("This job has no result yet")
    stem = job.video.original_name.rsplit(".", 1)[0] or "result"
    response = JsonResponse(review, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}.result.json")
    return response


@member_required
@page_rate_limit("questions", "QUESTION_CHECKS_PER_MINUTE")
@require_http_methods(["GET", "POST"])
def question_text(request):
    """Transcript-only analysis: paste utterances, get each labelled OEQ, CEQ or NONQ."""
    text = request.POST.get("text", "") if request.method == "POST" else ""
    context = {"text": text, "max_lines": labelling.MAX_LINES}
    if request.method == "POST":
        try:
            rows = labelling.label_lines(text.splitlines())
        except Refusal as exc:
            return render(request, "dashboard/questions.html", {**context, "error": exc.message}, status=exc.status)
        if not rows:
            context["error"] = "Paste at least one utterance, one per line."
        context.update(rows=rows, summary=labelling.summary(rows))
    return render(request, "dashboard/questions.html", context)


@member_required
@require_GET
def job_artifact(request, job_id, name):
    """A rendered highlight clip, thumbnail or caption file of the tenant's job."""
    job = job_for_member(request, job_id)
    suffix = name[name.rfind(".") :]
    path = layout.clip_path(job, name)
    if suffix not in layout.CLIP_FILES or not default_storage.exists(path):
        raise Http404("No such file")
    download = request.GET.get("download") == "1"
    return ranged_file_response(
        request,
        default_storage.open(path, "rb"),
        size=default_storage.size(path),
        content_type=layout.CLIP_FILES[suffix][1],
        filename=name,
        attachment=download,
    )


@member_required
@require_POST
def job_share(request, job_id, name):
    """A link to one rendered clip that works without signing in for ``SHARE_LINK_TTL_S``
    (a week) or until revoked, to send to the teacher; shown on the job page once (only its
    hash is kept), listed there and in the admin area, and audited."""
    job = job_for_member(request, job_id, write=True)
    try:
        link, token = shares.share_link_create(
            tenant=request.tenant, job=job, clip=name, user=request.user, ip=client_ip(request)
        )
    except Refusal:
        raise Http404("No such clip") from None
    url = request.build_absolute_uri(reverse("dashboard:shared_clip", kwargs={"token": token}))
    expires = link.expires_at.isoformat()
    request.session["shared_clip"] = {"job": str(job.id), "clip": name, "url": url, "expires": expires}
    return redirect(reverse("dashboard:job", kwargs={"job_id": job.id}) + f"#clip-{name[:2]}")


@member_required
@require_POST
def job_convert(request, job_id):
    """Start a conversion of this job's recording or of one of its highlight clips."""
    job = job_for_member(request, job_id, write=True)
    options = {"format": request.POST.get("format", "")}
    for name, kind in (("fps", float), ("width", int), ("height", int), ("start_s", float), ("end_s", float)):
        raw = request.POST.get(name, "").strip()
        if raw:
            try:
                options[name] = kind(raw)
            except ValueError:
                messages.error(request, f"{name.replace('_s', '')} must be a number.")
                return redirect(reverse("dashboard:job", kwargs={"job_id": job.id}) + "#h-convert")
    try:
        made = job_submit(
            tenant=request.tenant,
            actor=Actor.of(request),
            recording=job.video,
            convert={"options": options, "clip": request.POST.get("clip", "")},
            audit_details={"convert": options, "from": str(job.id)},
        ).job
    except Refusal as exc:
        messages.error(request, exc.message)
        return redirect(reverse("dashboard:job", kwargs={"job_id": job.id}) + "#h-convert")
    return redirect("dashboard:job", job_id=made.id)


@member_required
@require_GET
def job_output(request, job_id):
    """The file a conversion made (for its preview and download)."""
    job = job_for_member(request, job_id)
    name = conversions.output_name(job)
    if name is None:
        raise Http404("No output")
    base = name.rsplit("/", 1)[-1]
    kind = mimetypes.guess_type(base)[0] or ("image/webp" if base.endswith(".webp") else "application/octet-stream")
    return ranged_file_response(
        request,
        default_storage.open(name, "rb"),
        size=default_storage.size(name),
        content_type=kind,
        filename=f"{job.video.original_name.rsplit('.', 1)[0]}-{base}",
        attachment=request.GET.get("download") == "1",
    )


@member_required
@require_GET
def job_source(request, job_id):
    """The uploaded recording, for the player on the job page."""
    job = job_for_member(request, job_id)
    name = job.video.original_name
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return ranged_file_response(
        request, job.video.file.open("rb"), size=job.video.file.size, content_type=kind, filename=name
    )
