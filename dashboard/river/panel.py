"""River warnings in words: the banner over the map and the status line of the gauge panel.

Kept apart from the map page so the same sentences serve the wall banner, the gauge panel and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from consumers.citypack import CityPack, SensorSpec
from dashboard.i18n import names_in_order, t
from dashboard.river.state import RIVER_COLORS, river_state_of
from dashboard.river.words import localized_reason, river_stretches
from dashboard.state_view import StateSnapshot

BANNER_STATES = ("flood_danger", "flood_warning", "drought_warning")


def gauge_sentence(spec: SensorSpec, doc: Mapping[str, Any] | None, lang: str, stretch: str | None = None) -> str:
    """One line: state, what it means with numbers, and the stretch of river it concerns.

    In English the consumers' own reason is shown (it is what they decided, word for word); in other languages
    the same facts are composed from the river state's numbers. ``stretch`` is the stretch of river it concerns,
    in ``lang`` (``river_stretches``).
    """
    state = river_state_of(doc) or "stale"
    river: Mapping[str, Any] = (doc or {}).get("river") or {}
    parts = [t(lang, f"river.{state}").upper()]
    if lang == "en" and river.get("reason"):
        parts.append(str(river["reason"]))
    elif river:
        parts.append(localized_reason(spec, doc or {}, state, lang))
    if stretch:
        parts.append(str(stretch))
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
    stretches = river_stretches(pack, lang)
    rows = []
    for _, spec, doc, state in active:
        first, _second = names_in_order(spec.name_en, spec.name_zh, lang)
        rows.append(
            html.Div(
                [html.B(f"{spec.id} {first}"), " · ", gauge_sentence(spec, doc, lang, stretches.get(spec.id))],
                className="map-river-warning",
                style={"borderLeftColor": RIVER_COLORS[str(state)]},
            )
        )
    return rows
