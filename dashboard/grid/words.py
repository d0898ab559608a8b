"""A line segment's state in a sentence, composed in the page's language from the numbers the consumers published
(``grid`` part of the sensor's view), so that a line reads in the visitor's language like a gauge does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.i18n import number, t

LIMIT_WITHIN_H = 24.0
"""A time to the limit further off than this is not worth a word: at a noisy trend it means "not soon"."""


def line_reason(doc: Mapping[str, Any], lang: str) -> str:
    """``492 A = 102 % of its 482 A rating in this weather (35 °C, wind 0.7 m/s) · conductor 71 °C of 70 °C``;
    the consumers' reason (in ``lang``) when the view has no rating yet."""
    grid: Mapping[str, Any] | None = doc.get("grid")
    if not grid:
        from dashboard.reasons import reason_text  # dashboard.reasons words a rated line by this module

        return reason_text(str(doc.get("reason", "")), lang)
    parts = [
        t(
            lang,
            "grid.share",
            current=number(lang, float(grid["current_a"])),
            pct=number(lang, 100 * float(grid["share"])),
            rating=number(lang, float(grid["rating_a"])),
            air=number(lang, float(grid["air_temp_c"])),
            wind=number(lang, float(grid["wind_m_s"]), 1),
        )
    ]
    temp, limit = float(grid["conductor_temp_c"]), float(grid["max_temp_c"])
    if grid.get("temp_fault"):
        expected = number(lang, float(grid["expected_temp_c"]))
        parts.append(t(lang, "grid.temp_fault", temp=number(lang, temp), expected=expected))
    elif temp >= limit:
        parts.append(t(lang, "grid.conductor_over", temp=number(lang, temp), limit=number(lang, limit, None)))
    else:
        parts.append(t(lang, "grid.conductor", temp=number(lang, temp), limit=number(lang, limit, None)))
    hours = grid.get("hours_to_limit")
    if hours is not None and 0 < float(hours) <= LIMIT_WITHIN_H:
        parts.append(t(lang, "grid.limit_in", eta=duration(float(hours), lang)))
    return " · ".join(parts)


def duration(hours: float, lang: str) -> str:
    if hours < 1:
        return t(lang, "minutes", n=number(lang, hours * 60))
    return t(lang, "hours", n=number(lang, hours, 1))
