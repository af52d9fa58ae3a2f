"""The lesson report: one A4 page for the teacher with the headline numbers and their targets,
the talk and question charts, the highlights and the comments the coach marked as shared.

One template (``dashboard/report.html``) is both the browser's print view and, rendered by
WeasyPrint, the PDF. WeasyPrint runs no JavaScript, so the charts are inline SVG drawn here
(``report_charts``); it fetches nothing either (every URL is refused), so a title or comment
cannot make the server load anything. Long lists are cut ("and 3 more") to keep one page.
"""

from __future__ import annotations

from functools import lru_cache

from django.contrib.staticfiles import finders
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone

from jobs.models import Job
from jobs.review.comments import comment_list
from jobs.review.corrections import job_review
from jobs.review.headline import WAIT_GOAL_S, headline_cards, headline_text
from jobs.review.report_charts import CLOSED, OPEN, OTHER, TEACHER, bar_chart, legend, wait_chart

TEMPLATE = "dashboard/report.html"
STYLESHEET = "css/report.css"
MAX_HIGHLIGHTS = 5
MAX_COMMENTS = 5
COMMENT_CHARS = 280  # a long comment is cut; the lesson page has it whole
MAX_SPEAKERS = 6
MAX_WAIT_COLUMNS = 60
# Which way each headline number should move (the wait time's card names its goal itself).
AIMS = {
    "oeq_share": "Aim: more open questions",
    "teacher_talk_share": "Aim: more of the talk from the children",
}


def report_available(job: Job) -> bool:
    """Only an analysed lesson that succeeded has a report (a conversion has none)."""
    return job.kind == Job.Kind.ANALYZE and job.status == Job.Status.SUCCEEDED and bool(job.result_file)


def report_context(job: Job) -> dict | None:
    """Everything the report shows, from the job's reviewed result (corrections applied) and
    its shared comments as they are now; None when the lesson has no report."""
    if not report_available(job):
        return None
    try:
        result = job_review(job)
    except (OSError, ValueError):  # the result file is gone or damaged: no report, not an error page
        return None
    if not result:
        return None
    metrics = result.get("metrics") or {}
    highlights = result.get("highlights") or []
    comments = list(comment_list(tenant=job.tenant, job=job).filter(shared=True))
    return {
        "job": job,
        "lesson": job.video.original_name,
        "teacher": job.teacher,
        "duration_s": (result.get("media") or {}).get("duration_s"),
        "made_at": timezone.now(),
        "cards": [_card(card) for card in headline_cards(job, metrics)],
        "charts": _charts(result, metrics),
        "highlights": highlights[:MAX_HIGHLIGHTS],
        "more_highlights": max(len(highlights) - MAX_HIGHLIGHTS, 0),
        "comments": [_comment(c) for c in comments[:MAX_COMMENTS]],
        "more_comments": max(len(comments) - MAX_COMMENTS, 0),
        "wait_goal_s": WAIT_GOAL_S,
    }


def report_html(context: dict, *, for_pdf: bool = False, **extra) -> str:
    """The report page; ``for_pdf`` leaves out the browser's toolbar and the stylesheet link
    (the PDF gets the style sheet from ``report_pdf``)."""
    return render_to_string(TEMPLATE, {**context, **extra, "for_pdf": for_pdf})


def report_pdf(context: dict) -> bytes:
    """The report as PDF bytes (WeasyPrint; tagged, so readers get headings and alt text)."""
    from weasyprint import CSS, HTML, URLFetcher  # heavy, and only the report needs it

    refuse_all = URLFetcher(allowed_protocols=())
    page = HTML(string=report_html(context, for_pdf=True), url_fetcher=refuse_all)
    return page.write_pdf(stylesheets=[CSS(string=_stylesheet(), url_fetcher=refuse_all)], pdf_tags=True)


def report_filename(job: Job) -> str:
    """``<lesson name>.report.pdf``: the recording's name without its extension."""
    stem = job.video.original_name.rsplit(".", 1)[0].strip() or "lesson"
    return f"{stem}.report.pdf"


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    path = finders.find(STYLESHEET)
    if path is None:
        raise FileNotFoundError(f"static file {STYLESHEET} is missing")
    with open(path, encoding="utf-8") as f:
        return f.read()


def _card(card: dict) -> dict:
    """A headline card in words: the value, the earlier lessons' mean and the change, the aim."""
    unit, n = card["unit"], card["lessons_before"]
    out = {
        "key": card["key"],
        "title": card["title"],
        "value": headline_text(card["value"], unit),
        "caption": card["caption"],
        "aim": AIMS.get(card["key"], ""),
        "met_goal": card["met_goal"],
        "earlier": "",
        "change": "",
    }
    if card["earlier"] is not None and n:
        out["earlier"] = f"Earlier lessons: {headline_text(card['earlier'], unit, mean=True)} ({n})"
    if card["change"] is not None and card["trend"]:
        if card["trend"] == "same":
            out["change"] = "About the same as before"
        else:
            word = "better" if card["good"] else "worse"
            out["change"] = f"{_change(card['change'], unit)} on earlier lessons ({word})"
    return out


def _change(change: float, unit: str) -> str:
    sign = "+" if change > 0 else "−"
    if unit == "percent":
        return f"{sign}{floatformat(abs(100 * change), 0)} points"
    if unit == "seconds":
        return f"{sign}{floatformat(abs(change), 1)} s"
    return f"{sign}{floatformat(abs(change), 1)}"


def _comment(comment) -> dict:
    body = comment.body if len(comment.body) <= COMMENT_CHARS else comment.body[: COMMENT_CHARS - 1].rstrip() + "…"
    author = comment.author.get_full_name() or comment.author.get_username() if comment.author else ""
    return {"at_s": comment.at_s, "body": body, "author": author}


def _charts(result: dict, metrics: dict) -> dict:
    return {
        "talk": _talk_chart(result.get("speakers") or []),
        "questions": _question_chart(metrics),
        "waits": _wait_chart(result.get("questions") or []),
    }


def _talk_chart(speakers: list[dict]) -> dict | None:
    if not speakers:
        return None
    ranked = sorted(speakers, key=lambda s: -(s.get("talk_share") or 0))
    rows = [
        {
            "label": f"{(s.get('role') or 'speaker').title()} ({s['id']})",
            "value": s.get("talk_share") or 0,
            "text": f"{floatformat(100 * (s.get('talk_share') or 0), 0)}%",
            "colour": TEACHER if s.get("role") == "teacher" else OTHER,
        }
        for s in ranked[:MAX_SPEAKERS]
    ]
    if rest := ranked[MAX_SPEAKERS:]:
        share = sum(s.get("talk_share") or 0 for s in rest)
        rows.append(
            {"label": f"{len(rest)} more", "value": share, "text": f"{floatformat(100 * share, 0)}%", "colour": OTHER}
        )
    summary = "Share of the talk time: " + ", ".join(f"{r['label']} {r['text']}" for r in rows) + "."
    svg = bar_chart(rows, chart_id="chart-talk", title="Talk time by speaker", summary=summary)
    return {"svg": svg, "summary": summary, "legend": legend([(TEACHER, "Teacher"), (OTHER, "Others")])}


def _question_chart(metrics: dict) -> dict | None:
    oeq, ceq = metrics.get("oeq_count") or 0, metrics.get("ceq_count") or 0
    if not oeq + ceq:
        return None
    rows = [
        {"label": "Open", "value": oeq / (oeq + ceq), "text": str(oeq), "colour": OPEN},
        {"label": "Closed", "value": ceq / (oeq + ceq), "text": str(ceq), "colour": CLOSED},
    ]
    summary = f"{oeq} open and {ceq} closed questions."
    svg = bar_chart(rows, chart_id="chart-questions", title="Open and closed questions", summary=summary)
    return {"svg": svg, "summary": summary, "legend": ""}


def _wait_chart(questions: list[dict]) -> dict | None:
    waits = [{"wait": q.get("wait_time_s"), "open": q.get("label") == "OEQ"} for q in questions]
    measured = [w["wait"] for w in waits if w["wait"] is not None]
    if not measured:
        return None
    reached = sum(w >= WAIT_GOAL_S for w in measured)
    summary = (
        f"{reached} of {len(measured)} measured waits reached {WAIT_GOAL_S:g} s; "
        f"the longest was {floatformat(max(measured), 1)} s."
    )
    if len(waits) > MAX_WAIT_COLUMNS:
        summary += f" The chart shows the first {MAX_WAIT_COLUMNS} of {len(waits)} questions."
    svg = wait_chart(
        waits[:MAX_WAIT_COLUMNS],
        goal_s=WAIT_GOAL_S,
        chart_id="chart-waits",
        title="Wait time after each question",
        summary=summary,
    )
    return {"svg": svg, "summary": summary, "legend": legend([(OPEN, "Open question"), (CLOSED, "Closed question")])}
