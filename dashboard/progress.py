"""Teacher progress: per teacher named at upload, OEQ share, mean wait time and talk share
across their lessons, as a table and a chart."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.access import member_required
from jobs import selectors
from jobs.review.corrections import job_review


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


@member_required
@require_GET
def teacher_progress(request):
    teachers = selectors.teacher_names(tenant=request.tenant)
    chosen = request.GET.get("teacher", "")
    if not chosen and len(teachers) == 1:
        chosen = teachers[0]["name"]
    points = selectors.teacher_progress(tenant=request.tenant, teacher=chosen, read=job_review) if chosen else []
    chart = {
        "labels": [p["date"].strftime("%Y-%m-%d") for p in points],
        "oeq": [_pct(p["oeq_share"]) for p in points],
        "talk": [_pct(p["teacher_talk_share"]) for p in points],
        "wait": [p["mean_wait_time_s"] for p in points],
    }
    context = {"teachers": teachers, "chosen": chosen, "points": points, "chart": chart}
    return render(request, "dashboard/progress.html", context)
