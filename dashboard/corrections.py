"""The review page's corrections: a coach changes a label, adds a missed question, names,
swaps or merges speakers, or gives a stretch of time to another speaker. Each is recorded (and
audited); the page then shows the reviewed result."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from cultivate.accounts.audit import Actor
from cultivate.refusals import Refusal
from dashboard.access import job_for_member, member_required
from jobs.review.corrections import correction_add
from jobs.review.times import parse_time

FIELDS = ("question", "label", "start", "end", "text", "speaker", "role", "name", "a", "b", "into")
TIMES = ("start", "end")
ANCHORS = {"label": "h-questions", "add": "h-questions", "speaker": "h-speakers", "swap": "h-speakers",
           "merge": "h-speakers", "split": "h-speakers"}  # fmt: skip


@member_required
@require_POST
def job_correct(request, job_id):
    job = job_for_member(request, job_id, write=True)
    kind = request.POST.get("kind", "")
    data = {f: request.POST[f].strip() for f in FIELDS if request.POST.get(f, "").strip()}
    try:
        for name in TIMES:
            if name in data:
                data[name] = parse_time(data[name], f"the {name}")
        correction_add(job=job, author=request.user, kind=kind, data=data, actor=Actor.of(request))
    except Refusal as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Saved. The numbers below now include your correction.")
    return redirect(reverse("dashboard:job", kwargs={"job_id": job.id}) + f"#{ANCHORS.get(kind, 'h-summary')}")
