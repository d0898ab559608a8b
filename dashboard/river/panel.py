"""River warnings in words: the banner over the map and the status line of the gauge panel.

Kept apart from the map page so the same sentences serve the wall banner, the gauge panel and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from consumers.citypack import CityPack, SensorSpec
from dashboard.i18n import names_in_order, number, percent, t
from dashboard.river.state import RIVER_COLORS, river_state_of
from dashboard.river.words import FULL_HISTORY_DAYS, localized_reason, river_stretches
from dashboard.state_view import StateSnapshot
from dashboard.typography import unbroken_quantities

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


def drought_confidence(doc: Mapping[str, Any] | None, lang: str) -> html.Div | None:
    """The drought warning's confidence on its own line of the gauge panel: the probability of crossing as a bar
    and a number, and what it stands on (this river's learned falls, or only its last days' recession on a young
    gauge). Why apart from the sentence: an operator deciding whether to restrict abstraction compares that number
    and its basis across gauges; in the middle of a sentence it is read past. None unless the gauge warns."""
    if river_state_of(doc) != "drought_warning":
        return None
    river: Mapping[str, Any] = (doc or {}).get("river") or {}
    confidence, basis = river.get("drought_confidence"), river.get("drought_basis")
    days = river.get("history_days")
    short = isinstance(days, int | float) and days < FULL_HISTORY_DAYS
    if basis == "learned":
        said = t(lang, "drought.basis.learned", d=number(lang, float(days or 0.0)))
    elif basis == "fitted":
        key = "drought.basis.fitted_short" if short else "drought.basis.fitted"
        said = t(lang, key, d=number(lang, float(days or 0.0)))
    elif basis in ("observed", "rain"):
        said = t(lang, f"drought.basis.{basis}")
    else:
        said = t(lang, "drought.basis.band")
    level = None if confidence is None else max(0.0, min(1.0, float(confidence)))
    lower = basis == "fitted" and short
    return html.Div(
        [
            html.Span(t(lang, "drought.confidence"), className="map-detail-confidence-name"),
            html.Span(
                html.Span(style={"width": f"{100 * (level or 0.0):.0f}%"}, className="map-detail-confidence-fill"),
                className="map-detail-confidence-bar",
            ),
            html.B("–" if level is None else percent(lang, level), className="map-detail-confidence-value"),
            html.Span(said, className="map-detail-confidence-basis"),
        ],
        className="map-detail-confidence" + (" map-detail-confidence-lower" if lower else ""),
        title=t(lang, "drought.confidence.help"),
    )


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
                [
                    html.B(f"{spec.id} {first}"),
                    " · ",
                    unbroken_quantities(gauge_sentence(spec, doc, lang, stretches.get(spec.id))),
                ],
                className="map-river-warning",
                style={"borderLeftColor": RIVER_COLORS[str(state)]},
            )
        )
    return rows
