"""The lesson report's charts, drawn here as inline SVG: the PDF renderer runs no JavaScript,
and the same markup prints from the browser.

Each chart is a ``role="img"`` SVG with a ``<title>`` (its alternative text, which also says
every number it draws) and presentation attributes only, no ``style=`` (the site's
Content-Security-Policy and the PDF both read them). Colours keep 4.5:1 on white.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

INK = "#1b1b1b"
MUTED = "#555555"
GRID = "#8a8a8a"
TEACHER = "#1d5b8c"
OTHER = "#2a6e4f"
OPEN = "#1d5b8c"
CLOSED = "#9c4a00"
BAR_H = 14
ROW_H = 20
LABEL_W = 110
BAR_W = 150


def bar_chart(rows: list[dict], *, chart_id: str, title: str, summary: str) -> SafeString:
    """Horizontal bars, one a row: ``{"label", "value" (0..1 of the full bar), "text", "colour"}``.

    ``summary`` is the alternative text (the same numbers in words)."""
    height = max(len(rows), 1) * ROW_H + 4
    width = LABEL_W + BAR_W + 48
    bars = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="9" fill="' + INK + '">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#e6e6e6"/>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
        '<text x="{}" y="{}" font-size="9" fill="' + INK + '">{}</text>',
        (
            (
                LABEL_W - 6, i * ROW_H + 13, _clip(row["label"], 20),
                LABEL_W, i * ROW_H + 3, BAR_W, BAR_H,
                LABEL_W, i * ROW_H + 3, round(BAR_W * max(0.0, min(row["value"], 1.0)), 1), BAR_H, row["colour"],
                LABEL_W + BAR_W + 5, i * ROW_H + 13, row["text"],
            )
            for i, row in enumerate(rows)
        ),
    )  # fmt: skip
    return _svg(chart_id, title, summary, width, height, bars)


def wait_chart(waits: list[dict], *, goal_s: float, chart_id: str, title: str, summary: str) -> SafeString:
    """One column a question, in the order asked: ``{"wait" (seconds or None), "open" (bool)}``,
    against a dashed line at ``goal_s``. A question with no measured wait has no column."""
    width, height, left, top, bottom = 300, 120, 26, 8, 18
    plot_w, plot_h = width - left - 4, height - top - bottom
    known = [w["wait"] for w in waits if w["wait"] is not None]
    scale = max([goal_s * 2, *known])
    y = lambda s: round(top + plot_h * (1 - min(s, scale) / scale), 1)  # noqa: E731
    step = plot_w / max(len(waits), 1)
    bar = max(min(step * 0.7, 18), 1.5)
    columns = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
        (
            (round(left + i * step + (step - bar) / 2, 1), y(w["wait"]), round(bar, 1),
             round(top + plot_h - y(w["wait"]), 1), OPEN if w["open"] else CLOSED)
            for i, w in enumerate(waits)
            if w["wait"] is not None
        ),
    )  # fmt: skip
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="8" fill="' + MUTED + '">{} s</text>',
        ((left - 3, y(s) + 3, f"{s:g}") for s in (0, goal_s, scale if scale > goal_s * 1.5 else None) if s is not None),
    )
    frame = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="' + GRID + '" stroke-width="0.8"/>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="' + INK + '" stroke-width="1" stroke-dasharray="4 3"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="8" fill="' + INK + '">{} s goal</text>'
        '<text x="{}" y="{}" font-size="8" fill="' + MUTED + '">Questions in the order asked</text>',
        left, top + plot_h, left + plot_w, top + plot_h,
        left, y(goal_s), left + plot_w, y(goal_s),
        left + plot_w, y(goal_s) - 3, f"{goal_s:g}",
        left, height - 4,
    )  # fmt: skip
    return _svg(chart_id, title, summary, width, height, frame + ticks + columns)


def legend(items: list[tuple[str, str]]) -> SafeString:
    """A small legend (colour swatch and words) to print under a chart."""
    return format_html_join(
        " ",
        '<span class="key"><svg width="9" height="9" aria-hidden="true"><rect width="9" height="9" fill="{}"/></svg>'
        " {}</span>",
        items,
    )


def _svg(chart_id: str, title: str, summary: str, width: int, height: float, body: str) -> SafeString:
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{}-t {}-d" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}</svg>',
        chart_id, chart_id, width, height, width, height, chart_id, title, chart_id, summary, mark_safe(body),
    )  # fmt: skip


def _clip(text: str, chars: int) -> str:
    text = str(text)
    return text if len(text) <= chars else text[: chars - 1] + "…"
