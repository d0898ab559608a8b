"""River states in words, in any page language, from the numbers the consumers publish.

Why here and not in the consumers: the consumers write one English reason per sensor (the record of what they
decided); a page in another language composes the same facts (value, trend, ETA, confidence, rate, fault) from
the river part of the sensor's state document. Shared by the banner, the gauge panel, the lists and the map's
hover text, so a gauge says the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consumers.citypack import CityPack, SensorSpec
from consumers.river.gauge import ModelConfig
from dashboard.i18n import has_key, number, percent, t

FULL_HISTORY_DAYS = ModelConfig().full_history_days
"""Under this much history a gauge's drought warning stands on its last days' recession, not a learned record."""


def localized_reason(spec: SensorSpec, doc: Mapping[str, Any], state: str, lang: str) -> str:
    """The river reason in ``lang``, from the numbers the consumers published beside their English reason."""
    river: Mapping[str, Any] = doc.get("river") or {}
    measure = str(spec.params.get("measure", "stage"))
    unit = str(spec.params.get("unit", "m")) if measure == "stage" else "m³/s"
    th = spec.params["thresholds"]
    value = (doc.get("values") or {}).get("stage_m" if measure == "stage" else "discharge_m3s")
    if river.get("fault") is not None or state == "fault":
        fault = str(river.get("fault") or "no_data")
        return t(lang, f"fault.{fault}") if has_key(f"fault.{fault}") else fault
    if not isinstance(value, int | float):
        return t(lang, "reason.no_reading")
    said = [t(lang, "reason.value", measure=t(lang, f"measure.{measure}"), v=number(lang, float(value), 2), unit=unit)]
    if state == "stale":
        return said[0]  # the last value; the state word already says it is not current
    low = number(lang, float(th["drought_low"]), None)
    if state == "drought_warning":
        k = ((river.get("forecast") or {}).get("k_per_day")) if river.get("forecast") else None
        if k is not None and float(k) < 1.0:
            said.append(t(lang, "reason.falling", p=number(lang, 100 * (1 - float(k)), 1)))
        eta, confidence = river.get("drought_eta_hours"), river.get("drought_confidence")
        if float(value) < float(th["drought_low"]):
            said.append(t(lang, "reason.drought_below", low=low, unit=unit))
        elif eta is not None:
            said.append(t(lang, "reason.drought_eta", low=low, unit=unit, h=number(lang, float(eta))))
        else:
            said.append(t(lang, "reason.drought_band", low=low, unit=unit))
        if confidence is not None:
            said.append(t(lang, "confidence", c=percent(lang, float(confidence))))
        days = river.get("history_days")
        if isinstance(days, int | float) and days < FULL_HISTORY_DAYS and river.get("drought_basis") == "fitted":
            said.append(t(lang, "reason.short_record", d=number(lang, float(days))))
    elif state in ("flood_danger", "flood_warning"):
        level_key = "flood_danger" if state == "flood_danger" else "flood_warning"
        level = float(th[level_key])
        if float(value) >= level:
            name = t(lang, f"threshold.{level_key}")
            said.append(t(lang, "reason.flood_level", name=name, level=number(lang, level, None), unit=unit))
        if river.get("rate_per_hour") is not None and float(river["rate_per_hour"]) > 0:
            said.append(t(lang, "reason.rising", r=number(lang, float(river["rate_per_hour"]), 2), unit=unit))
        if river.get("flood_eta_hours") is not None:
            h = number(lang, float(river["flood_eta_hours"]), 1)
            warning = number(lang, float(th["flood_warning"]), None)
            said.append(t(lang, "reason.flood_eta", level=warning, unit=unit, h=h))
    elif state == "low_water_watch":
        said.append(t(lang, "reason.watch", low=low, unit=unit))
    else:
        said.append(t(lang, "reason.normal"))
    return "，".join(said) if lang == "zh" else ", ".join(said)


def forecast_labels(forecast: Mapping[str, Any] | None, lang: str, rise: bool = False) -> tuple[str, str]:
    """Legend names of a forecast's median and band that say which model drew them: the 72-hour low-flow
    recession (or persistence) for drought, the 6-hour rise forecast for a flood. Why: during a flood the two
    bands answer different questions, and an operator must not read a recession as the flood's outlook."""
    method = str((forecast or {}).get("method") or "")
    if rise:
        key = f"rise.model.{method}"
        model = t(lang, key) if has_key(key) else t(lang, "rise.model", method=method or "?")
    else:
        key = f"forecast.model.{method}"
        if not has_key(key):
            return t(lang, "forecast"), t(lang, "forecast_band")
        model = t(lang, key)
    return t(lang, "forecast.median", model=model), t(lang, "forecast.band", model=model)


def river_stretches(pack: CityPack, lang: str = "en") -> dict[str, str]:
    """For each gauge, the stretch of river its warnings concern, in ``lang``: down to the next gauge on the same
    river. Words for the page, so made here from the pack (the consumers used to write the English one into
    every gauge's view)."""
    zh = lang == "zh"
    out = {}
    by_river: dict[str, list[SensorSpec]] = {}
    for spec in pack.sensors_of_type("river.gauge"):
        by_river.setdefault(str(spec.params.get("river", "")), []).append(spec)
    for river_id, gauges in by_river.items():
        river = pack.rivers.get(river_id)
        name = river_id if river is None else (river.name_zh if zh else river.name_en)
        gauges.sort(key=lambda g: float(g.params.get("chainage_km", 0.0)))
        for here, below in zip(gauges, [*gauges[1:], None], strict=True):
            km = number(lang, float(here.params.get("chainage_km", 0.0)), 1)
            if below is None:
                out[here.id] = t(lang, "river.stretch.last", river=name, km=km)
                continue
            end = number(lang, float(below.params.get("chainage_km", 0.0)), 1)
            gauge = below.name_zh if zh else below.name_en
            out[here.id] = t(lang, "river.stretch", river=name, km=km, end=end, gauge=gauge)
    return out
