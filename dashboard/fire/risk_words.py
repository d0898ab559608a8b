"""A district's fire risk in words: each part with its points, from the numbers the consumers published
(``fire_risk`` in the district's view), so that the explanation reads in the visitor's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.i18n import t


def part_words(part: Mapping[str, Any], lang: str) -> str:
    code = str(part["code"])
    numbers = {k: v for k, v in part.items() if k not in ("code", "points")}
    if code == "line_stress":
        numbers = {"pct": f"{100 * float(part['share']):.0f}"}
    elif code == "hot":
        numbers = {"air_c": f"{float(part['air_c']):.0f}"}
    elif code == "windy":
        numbers = {"wind_m_s": f"{float(part['wind_m_s']):.0f}"}
    points = float(part["points"])
    return f"{t(lang, f'risk.part.{code}', **numbers)} {points:+.0f}"


def explanation(doc: Mapping[str, Any] | None, lang: str, limit: int = 5) -> list[str]:
    """``Fire risk 30``, then its parts, largest first: what pushes it up and by how much."""
    fire = (doc or {}).get("fire_risk")
    if not fire:
        return []
    lines = [t(lang, "risk.fire", score=f"{float(fire['score']):.0f}")]
    parts = fire.get("parts") or []
    lines += [part_words(p, lang) for p in parts[:limit]]
    if not parts:
        lines.append(t(lang, "risk.fire_none"))
    return lines
