from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def clock(seconds) -> str:
    """Seconds as ``m:ss`` or ``h:mm:ss``."""
    try:
        total = int(float(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def money(value) -> str:
    """An amount in the cost currency: four decimals under 1 (jobs cost cents), else two."""
    from decimal import Decimal, InvalidOperation

    from django.conf import settings

    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    places = 4 if abs(amount) < 1 else 2
    return f"{amount:,.{places}f} {settings.COST_CURRENCY}"


@register.filter
def headline(value, unit: str) -> str:
    """A headline number as a coach reads it: ``42%``, ``2.4 s``, ``17`` (``–`` when unknown)."""
    from jobs.review.headline import headline_text

    return headline_text(value, unit)


@register.filter
def headline_change(card: dict) -> str:
    """A card's change against the teacher's earlier lessons: ``+12 points``, ``-0.8 s``."""
    change = card.get("change")
    if change is None:
        return ""
    if card.get("trend") == "same":
        return "about the same"
    if card["unit"] == "percent":
        return f"{100 * change:+.0f} points"
    if card["unit"] == "seconds":
        return f"{change:+.1f} s"
    return f"{change:+.0f}"
