"""A line segment's state in a sentence, composed in the page's language from the numbers the consumers published
(``grid`` part of the sensor's view), so that a line reads in the visitor's language like a gauge does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.i18n import t

LIMIT_WITHIN_H = 24.0
"""A time to the limit further off than this is not worth a word: at a noisy trend it means "not soon"."""


def line_reason(doc: Mapping[str, Any], lang: str) -> str:
    """``492 A = 102 % of its 482 A rating in this weather (35 °C, wind 0.7 m/s) · conductor 71 °C of 70 °C``;
    the consumers' reason when the view has no rating yet."""
    grid: Mapping[str, Any] | None = doc.get("grid")
    if not grid:
        return str(doc.get("reason", ""))
    parts = [
        t(
            lang,
            "grid.share",
            current=f"{float(grid['current_a']):.0f}",
            pct=f"{100 * float(grid['share']):.0f}",
            rating=f"{float(grid['rating_a']):.0f}",
            air=f"{float(grid['air_temp_c']):.0f}",
            wind=f"{float(grid['wind_m_s']):.1f}",
        )
    ]
    temp, limit = float(grid["conductor_temp_c"]), float(grid["max_temp_c"])
    if grid.get("temp_fault"):
        parts.append(t(lang, "grid.temp_fault", temp=f"{temp:.0f}", expected=f"{float(grid['expected_temp_c']):.0f}"))
    elif temp >= limit:
        parts.append(t(lang, "grid.conductor_over", temp=f"{temp:.0f}", limit=f"{limit:g}"))
    else:
        parts.append(t(lang, "grid.conductor", temp=f"{temp:.0f}", limit=f"{limit:g}"))
    hours = grid.get("hours_to_limit")
    if hours is not None and 0 < float(hours) <= LIMIT_WITHIN_H:
        parts.append(t(lang, "grid.limit_in", eta=duration(float(hours), lang)))
    return " · ".join(parts)


def duration(hours: float, lang: str) -> str:
    if hours < 1:
        return t(lang, "minutes", n=f"{hours * 60:.0f}")
    return t(lang, "hours", n=f"{hours:.1f}")
