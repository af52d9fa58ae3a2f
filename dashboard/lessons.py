"""The lessons list (the dashboard's home): the tenant's lessons filtered, sorted and paged,
each with its thumbnail, numbers and live status."""

from __future__ import annotations

import datetime

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from dashboard.access import member_required
from jobs import layout, selectors
from jobs.billing import budgets
from jobs.models import BudgetAlert, Job
from jobs.review.corrections import label_accuracy


@member_required
@require_GET
def home(request):
    """The lessons list: the tenant's jobs, filtered, sorted and paged, their status live."""
    status = request.GET.get("status", "")
    status = status if status in Job.Status.values else ""
    search = request.GET.get("q", "").strip()[:100]
    teacher = request.GET.get("teacher", "").strip()[:120]
    first, last = _day(request.GET.get("from")), _day(request.GET.get("to"))
    sort, direction = _lesson_sort(request.GET)
    jobs = selectors.job_list(
        tenant=request.tenant,
        statuses=[status] if status else None,
        search=search,
        teacher=teacher,
        created_after=_start_of(first),
        created_before=_start_of(last + datetime.timedelta(days=1)) if last else None,  # "to" is inclusive
        sort=sort,
        descending=direction == "desc",
    )
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    dates = (("from", first and first.isoformat()), ("to", last and last.isoformat()))
    filters = {k: v for k, v in (("status", status), ("q", search), ("teacher", teacher), *dates) if v}
    order = {} if (sort, direction) == ("date", "desc") else {"sort": sort, "dir": direction}
    headings = _lesson_headings(filters, sort, direction)
    usage = budgets.budget_usage(tenant=request.tenant)
    alerts = BudgetAlert.objects.filter(tenant=request.tenant, month=usage.month)
    context = {
        "page": page,
        "jobs": _with_thumbnails(page.object_list),
        "usage": usage,
        "alerts": alerts,
        "accuracy": label_accuracy(tenant=request.tenant),
        "status": status,
        "search": search,
        "teacher": teacher,
        "teachers": _teacher_choices(request.tenant, teacher),
        "date_from": filters.get("from", ""),
        "date_to": filters.get("to", ""),
        "filters": urlencode(filters),  # what narrows the list
        "order": order,  # how it is sorted, where not the default
        "query": urlencode({**filters, **order}),  # both, for the pager
        "headings": headings,
        "sorted_by": next(h for h in headings if h.get("aria_sort")),
        "statuses": Job.Status.choices,
        "can_act": request.membership.can_act,
    }
    return render(request, "dashboard/home.html", context)


# The lessons list's columns: the heading, and the sort its link picks ("" where it has none).
LESSON_COLUMNS = (
    ("Lesson", ""),
    ("Teacher", "teacher"),
    ("Date", "date"),
    ("Length", "length"),
    ("Status", ""),
    ("Open questions", "oeq"),
    ("Mean wait", "wait"),
)
# Each sort's direction on a first click (a second click turns it round); the list opens newest first.
LESSON_SORTS = {"date": "desc", "teacher": "asc", "length": "desc", "oeq": "desc", "wait": "desc"}
ARIA_SORT = {"asc": "ascending", "desc": "descending"}


def _lesson_sort(query) -> tuple[str, str]:
    """The sort and direction asked for; anything unknown is the default, newest first."""
    sort, direction = query.get("sort", ""), query.get("dir", "")
    if sort not in LESSON_SORTS:
        return "date", "desc"
    return sort, direction if direction in ARIA_SORT else LESSON_SORTS[sort]


def _lesson_headings(filters: dict, sort: str, direction: str) -> list[dict]:
    """The table's headings. A sortable one links to its sort, the other way round where it is
    the sort now (that one also says which way, for ``aria-sort``); the filters are kept."""
    headings = []
    for label, key in LESSON_COLUMNS:
        heading = {"label": label, "key": key}
        if key:
            current = key == sort
            turn = ("desc" if direction == "asc" else "asc") if current else LESSON_SORTS[key]
            heading["href"] = "?" + urlencode({**filters, "sort": key, "dir": turn})
            heading["aria_sort"] = ARIA_SORT[direction] if current else ""
        headings.append(heading)
    return headings


def _day(value: str | None) -> datetime.date | None:
    """A ``YYYY-MM-DD`` filter value as a date; anything else (or an absurd year) is ignored."""
    try:
        day = parse_date(value or "")
    except ValueError:  # well formed but no such day: 2025-02-30
        return None
    return day if day and 1900 <= day.year <= 9000 else None


def _start_of(day: datetime.date | None) -> datetime.datetime | None:
    """Midnight at the start of the day, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)) if day else None


def _teacher_choices(tenant, chosen: str) -> list[str]:
    """The teacher filter's names: the tenant's teachers, and the one asked for (from a link) if not among them."""
    names = [t["name"] for t in selectors.teacher_names(tenant=tenant)]
    if chosen and chosen.lower() not in {name.lower() for name in names}:
        names.append(chosen)
    return names


def _with_thumbnails(jobs) -> list[Job]:
    """The page's lessons, each with ``thumbnail_url``: the picture of its first highlight, or
    "" where there is none. One storage check per row: only for the page shown (20 rows)."""
    rows = list(jobs)
    for job in rows:
        analysed = job.kind == Job.Kind.ANALYZE and job.status == Job.Status.SUCCEEDED
        found = analysed and default_storage.exists(layout.clip_path(job, "01.jpg"))
        job.thumbnail_url = (
            reverse("dashboard:job_artifact", kwargs={"job_id": job.id, "name": "01.jpg"}) if found else ""
        )
    return rows
