"""A lesson's headline numbers: copied onto the job row from its reviewed result, and compared
with the same teacher's earlier lessons for the cards at the top of the review page."""

from __future__ import annotations

from django.db.models import Avg, Count
from django.template.defaultfilters import floatformat

from jobs.models import Job

FIELDS = ("oeq_share", "mean_wait_s", "teacher_talk_share", "question_count")
WAIT_GOAL_S = 3.0  # the research mark for wait time after a question (Rowe)


def headline_of_result(result: dict) -> dict:
    """The row's headline fields from a result document (the machine's, or a reviewed one)."""
    m = result.get("metrics") or {}
    return {
        "oeq_share": m.get("oeq_share"),
        "mean_wait_s": m.get("mean_wait_time_s"),
        "teacher_talk_share": m.get("teacher_talk_share"),
        "question_count": m.get("question_count"),
    }


def headline_text(value, unit: str, *, mean: bool = False) -> str:
    """A headline number as a coach reads it: ``42%``, ``2.4 s``, ``17`` (``–`` when unknown);
    a ``mean`` count keeps one decimal (``4.5`` questions a lesson)."""
    if value is None:
        return "–"
    if unit == "percent":
        return f"{floatformat(100 * value, 0)}%"
    if unit == "seconds":
        return f"{floatformat(value, 1)} s"
    return floatformat(value, 1 if mean else 0)


def headline_refresh(job: Job, reviewed: dict | None) -> None:
    """Copy the numbers of the job's reviewed result onto its row (after a correction)."""
    if reviewed is not None:
        Job.objects.filter(pk=job.pk).update(**headline_of_result(reviewed))


def earlier_lessons(job: Job):
    """The same teacher's analysed lessons uploaded before this one (none without a teacher)."""
    if not job.teacher:
        return Job.objects.none()
    return Job.objects.filter(
        tenant_id=job.tenant_id,
        kind=Job.Kind.ANALYZE,
        status=Job.Status.SUCCEEDED,
        teacher__iexact=job.teacher,
        created_at__lt=job.created_at,
    )


def headline_cards(job: Job, metrics: dict) -> list[dict]:
    """Four cards: the value now, the teacher's earlier mean and the change, and the goal.

    ``metrics`` is the reviewed result's metrics (the page shows corrections at once, even
    before the row is refreshed)."""
    before = earlier_lessons(job).aggregate(
        n=Count("id"),
        oeq_share=Avg("oeq_share"),
        mean_wait_s=Avg("mean_wait_s"),
        teacher_talk_share=Avg("teacher_talk_share"),
        question_count=Avg("question_count"),
    )
    now = headline_of_result({"metrics": metrics})
    specs = [
        ("oeq_share", "Open questions", "percent", "of the questions asked were open-ended", "higher"),
        ("mean_wait_s", "Mean wait time", "seconds", f"goal: {WAIT_GOAL_S:.0f} s or more after a question", "higher"),
        ("teacher_talk_share", "Teacher talk", "percent", "of the talk time was the teacher's", "lower"),
        ("question_count", "Questions asked", "count", "by the teacher", "higher"),
    ]
    cards = []
    for key, title, unit, caption, better in specs:
        value, earlier = now[key], before[key]
        change = None if value is None or earlier is None or not before["n"] else value - earlier
        cards.append(
            {
                "key": key,
                "title": title,
                "unit": unit,
                "value": value,
                "caption": caption,
                "earlier": earlier,
                "lessons_before": before["n"],
                "change": change,
                "trend": (trend := _trend(change, unit)),
                "good": trend in ("up", "down") and (trend == "up") == (better == "higher"),
                "met_goal": value >= WAIT_GOAL_S if key == "mean_wait_s" and value is not None else None,
            }
        )
    return cards


def _trend(change: float | None, unit: str) -> str:
    """ "up", "down" or "same", as the coach would read it ("same" under a rounding step)."""
    if change is None:
        return ""
    step = {"percent": 0.005, "seconds": 0.05, "count": 0.5}[unit]
    if abs(change) < step:
        return "same"
    return "up" if change > 0 else "down"
