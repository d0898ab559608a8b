"""River warnings in words: the banner over the map and the status line of the gauge panel.

Kept apart from the map page so the same sentences serve the wall banner, the gauge panel and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from consumers.citypack import CityPack, SensorSpec
from consumers.processor import river_stretches
from dashboard.figures import RIVER_COLORS, river_state_of
from dashboard.i18n import LABELS, names_in_order, t
from dashboard.state_view import StateSnapshot

BANNER_STATES = ("flood_danger", "flood_warning", "drought_warning")


def gauge_sentence(spec: SensorSpec, doc: Mapping[str, Any] | None, lang: str, stretch: str | None = None) -> str:
    """One line: state, what it means with numbers, and the stretch of river it concerns.

    In English the consumers' own reason is shown (it is what they decided, word for word); in other languages
    the same facts are composed from the river state's numbers. ``stretch`` overrides the read model's English
    stretch (see ``consumers.processor.river_stretches``).
    """
    state = river_state_of(doc) or "stale"
    river: Mapping[str, Any] = (doc or {}).get("river") or {}
    parts = [t(lang, f"river.{state}").upper()]
    if lang == "en" and river.get("reason"):
        parts.append(str(river["reason"]))
    elif river:
        parts.append(localized_reason(spec, doc or {}, state, lang))
    stretch = stretch or river.get("stretch")
    if stretch:
        parts.append(str(stretch))
    return " · ".join(parts)


def sensor_reason(spec: SensorSpec, doc: Mapping[str, Any], lang: str) -> str:
    """A sensor's reason for the lists: a gauge's in the page language, other types' as the consumers wrote it."""
    if lang != "en" and spec.type == "river.gauge" and doc.get("river"):
        return localized_reason(spec, doc, river_state_of(doc) or "stale", lang)
    return str(doc.get("reason", ""))


def localized_reason(spec: SensorSpec, doc: Mapping[str, Any], state: str, lang: str) -> str:
    """The river reason in ``lang``, from the numbers the consumers published beside their English reason."""
    river: Mapping[str, Any] = doc.get("river") or {}
    measure = str(spec.params.get("measure", "stage"))
    unit = str(spec.params.get("unit", "m")) if measure == "stage" else "m³/s"
    th = spec.params["thresholds"]
    value = (doc.get("values") or {}).get("stage_m" if measure == "stage" else "discharge_m3s")
    if river.get("fault") is not None or state == "fault":
        fault = str(river.get("fault") or "no_data")
        return t(lang, f"fault.{fault}") if f"fault.{fault}" in LABELS["en"] else fault
    if not isinstance(value, int | float):
        return t(lang, "reason.no_reading")
    said = [t(lang, "reason.value", measure=t(lang, f"measure.{measure}"), v=f"{float(value):.2f}", unit=unit)]
    if state == "stale":
        return said[0]  # the last value; the state word already says it is not current
    low = f"{float(th['drought_low']):g}"
    if state == "drought_warning":
        k = ((river.get("forecast") or {}).get("k_per_day")) if river.get("forecast") else None
        if k is not None and float(k) < 1.0:
            said.append(t(lang, "reason.falling", p=f"{100 * (1 - float(k)):.1f}"))
        eta, confidence = river.get("drought_eta_hours"), river.get("drought_confidence")
        if float(value) < float(th["drought_low"]):
            said.append(t(lang, "reason.drought_below", low=low, unit=unit))
        elif eta is not None:
            said.append(t(lang, "reason.drought_eta", low=low, unit=unit, h=f"{float(eta):.0f}"))
        else:
            said.append(t(lang, "reason.drought_band", low=low, unit=unit))
        if confidence is not None:
            said.append(t(lang, "confidence", c=f"{float(confidence):.0%}"))
    elif state in ("flood_danger", "flood_warning"):
        level_key = "flood_danger" if state == "flood_danger" else "flood_warning"
        level = float(th[level_key])
        if float(value) >= level:
            name = t(lang, f"threshold.{level_key}")
            said.append(t(lang, "reason.flood_level", name=name, level=f"{level:g}", unit=unit))
        if river.get("rate_per_hour") is not None and float(river["rate_per_hour"]) > 0:
            said.append(t(lang, "reason.rising", r=f"{float(river['rate_per_hour']):.2f}", unit=unit))
        if river.get("flood_eta_hours") is not None:
            h = f"{float(river['flood_eta_hours']):.1f}"
            said.append(t(lang, "reason.flood_eta", level=f"{float(th['flood_warning']):g}", unit=unit, h=h))
    elif state == "low_water_watch":
        said.append(t(lang, "reason.watch", low=low, unit=unit))
    else:
        said.append(t(lang, "reason.normal"))
    return ", ".join(said) if lang == "en" else "，".join(said)


def river_banner(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[html.Div]:
    """Active river warnings, most severe first; empty when the rivers are quiet."""
    active = []
    for spec in pack.sensors_of_type("river.gauge"):
        doc = snapshot.sensor(spec.id)
        state = river_state_of(doc)
        if state in BANNER_STATES:
            active.append((BANNER_STATES.index(state), spec, doc, state))
    active.sort(key=lambda a: (a[0], a[1].id))
    stretches = river_stretches(pack, lang) if lang != "en" else {}
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
