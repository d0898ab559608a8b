"""A fire incident in words, composed in the page's language from what the consumers published (``incident:<id>``
on the state topic): where it is, how sure, and how far ahead of the first call the cameras were."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from consumers.citypack import CityPack
from dashboard.i18n import clock, number, t

NEAR_BUILDING_M = 500.0
"""An incident this close to a public building of the pack is named after it."""
STATE_ORDER = {"confirmed": 0, "suspected": 1, "resolved": 2}


def place(incident: Mapping[str, Any], pack: CityPack, lang: str) -> str:
    """The public building it is at or near, else its district."""
    lat, lon = incident.get("lat"), incident.get("lon")
    best: tuple[float, str] | None = None
    if lat is not None and lon is not None:
        for b in pack.buildings.values():
            d = _metres(float(lat), float(lon), b.lat, b.lon)
            if d <= NEAR_BUILDING_M and (best is None or d < best[0]):
                best = (d, b.name_zh if lang == "zh" else b.name_en)
    if best is not None:
        return t(lang, "fire.near", place=best[1])
    district = pack.districts.get(str(incident.get("district")))
    name = "?" if district is None else (district.name_zh if lang == "zh" else district.name_en)
    return t(lang, "fire.in", place=name)


def lead(incident: Mapping[str, Any], lang: str) -> str:
    minutes = incident.get("camera_lead_min")
    timeline = incident.get("timeline") or {}
    if minutes is not None:
        return t(lang, "fire.lead", m=number(lang, float(minutes)))
    return t(lang, "fire.no_call") if "first_camera" in timeline else t(lang, "fire.no_camera")


def sentence(incident: Mapping[str, Any], pack: CityPack, lang: str) -> str:
    """``CONFIRMED · near Guizhou Provincial People's Hospital · cameras saw it 9 min before the first call ·
    confirmed 08:34 by two independent signals · 2 calls · position from the building's detectors``."""
    timeline = incident.get("timeline") or {}
    state = str(incident.get("state", "suspected"))
    parts = [t(lang, f"fire.state.{state}"), place(incident, pack, lang), lead(incident, lang)]
    confirmed = timeline.get("confirmed")
    if confirmed:
        how = str(incident.get("confirmed_by") or "two_sources")
        parts.append(t(lang, f"fire.confirmed_by.{how}", at=local_time(confirmed, pack.timezone, lang)))
    elif state == "suspected":
        parts.append(t(lang, "fire.unconfirmed"))
    if timeline.get("resolved"):
        parts.append(t(lang, "fire.resolved_at", at=local_time(timeline["resolved"], pack.timezone, lang)))
    calls = len(incident.get("calls") or ())
    if calls:
        parts.append(t(lang, "fire.call") if calls == 1 else t(lang, "fire.calls", n=calls))
    basis = incident.get("basis")
    if basis:
        parts.append(t(lang, f"fire.basis.{basis}"))
    return " · ".join(parts)


def local_time(iso: str, tz: str, lang: str = "en") -> str:
    """``08:34`` on the city's clock, in ``lang``'s way (``dashboard.i18n.clock``)."""
    return clock(lang, iso, tz)


def ordered(incidents: Mapping[str, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Confirmed first, then suspected, then resolved; the newest first within each."""
    by_time = sorted(incidents.values(), key=lambda i: str(i.get("opened", "")), reverse=True)
    return sorted(by_time, key=lambda i: STATE_ORDER.get(str(i.get("state")), 3))


def _metres(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    dx = (lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2)) * 111_320.0
    return math.hypot(dx, (lat1 - lat0) * 110_574.0)
