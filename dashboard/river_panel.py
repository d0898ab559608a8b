"""River warnings in words: the banner over the map and the status line of the gauge panel.

Kept apart from the map page so the same sentences serve the wall banner, the gauge panel and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from consumers.citypack import CityPack, SensorSpec
from dashboard.figures import RIVER_COLORS, river_state_of
from dashboard.i18n import names_in_order, t
from dashboard.state_view import StateSnapshot

BANNER_STATES = ("flood_danger", "flood_warning", "drought_warning")


def gauge_sentence(spec: SensorSpec, doc: Mapping[str, Any] | None, lang: str) -> str:
    """One line: state, what it means with numbers, and the stretch of river it concerns."""
    state = river_state_of(doc) or "stale"
    river: Mapping[str, Any] = (doc or {}).get("river") or {}
    parts = [t(lang, f"river.{state}").upper()]
    # The consumers' reason is English and already says the ETA and confidence; other languages get them as
    # translated parts until the reasons are translated too.
    if lang != "en" or not river.get("reason"):
        if state == "drought_warning" and river.get("drought_eta_hours") is not None:
            parts.append(t(lang, "eta", h=f"{float(river['drought_eta_hours']):.0f}"))
            if river.get("drought_confidence") is not None:
                parts.append(t(lang, "confidence", c=f"{float(river['drought_confidence']):.0%}"))
        if state == "flood_warning" and river.get("flood_eta_hours") is not None:
            parts.append(t(lang, "eta", h=f"{float(river['flood_eta_hours']):.0f}"))
    if river.get("reason"):
        parts.append(str(river["reason"]))
    if river.get("stretch"):
        parts.append(str(river["stretch"]))
    return " · ".join(parts)


def river_banner(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[html.Div]:
    """Active river warnings, most severe first; empty when the rivers are quiet."""
    active = []
    for spec in pack.sensors_of_type("river.gauge"):
        doc = snapshot.sensor(spec.id)
        state = river_state_of(doc)
        if state in BANNER_STATES:
            active.append((BANNER_STATES.index(state), spec, doc, state))
    active.sort(key=lambda a: (a[0], a[1].id))
    rows = []
    for _, spec, doc, state in active:
        first, _second = names_in_order(spec.name_en, spec.name_zh, lang)
        rows.append(
            html.Div(
                [html.B(f"{spec.id} {first}"), " · ", gauge_sentence(spec, doc, lang)],
                className="map-river-warning",
                style={"borderLeftColor": RIVER_COLORS[str(state)]},
            )
        )
    return rows
