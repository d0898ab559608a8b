"""Flood response in sentences, in the page's language, from the numbers and indexes of the flood picture."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from consumers.flood.network import Block, Shelter, Station
from dashboard.i18n import clock as clock_in
from dashboard.i18n import count, names_in_order, number, t

if TYPE_CHECKING:
    from dashboard.flood.reader import FloodNetwork


def place_name(name_en: str, name_zh: str, fallback: str, lang: str) -> str:
    first, second = names_in_order(name_en, name_zh, lang)
    return " ".join(n for n in (first, second) if n) or fallback


def block_name(block: Block, lang: str) -> str:
    """A block's name, or for homes without one what they are and their id (``Homes BK-0731``)."""
    if block.name_en or block.name_zh:
        return place_name(block.name_en, block.name_zh, block.id, lang)
    return t(lang, "flood.block_name", kind=t(lang, "flood.kind." + block.kind), id=block.id)


def minutes(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "–"
    return t(lang, "minutes", n=number(lang, max(seconds, 0) / 60))


def clock(epoch_or_iso: float | str | None, tz: str, lang: str = "en") -> str:
    if epoch_or_iso is None:
        return "–"
    when = (
        datetime.fromisoformat(epoch_or_iso)
        if isinstance(epoch_or_iso, str)
        else datetime.fromtimestamp(float(epoch_or_iso), ZoneInfo("UTC"))
    )
    return clock_in(lang, when, tz)


def street(flood: FloodNetwork, index: int | None, lang: str) -> str:
    return flood.road_name(index, lang) or t(lang, "flood.unnamed_street")


def block_hover(block: Block, row: list[Any], people: int, flood: FloodNetwork, lang: str) -> str:
    """``Sunshine Care Home · care home`` / ``flooded now 0.42 m · 6 h: 0.80 m`` / ``80 people → Shelter (walk)``."""
    name = block_name(block, lang)
    zone, depth_now, depth_expected = row[1], float(row[3]), float(row[4])
    named = bool(block.name_en or block.name_zh)
    lines = [f"<b>{name}</b> · {t(lang, 'flood.kind.' + block.kind)}" if named else f"<b>{name}</b>"]
    now, expected = number(lang, depth_now, 2), number(lang, depth_expected, 2)
    lines.append(t(lang, f"flood.zone.{zone}", now=now, expected=expected))
    shelter_id, mode = row[6], row[7]
    if shelter_id is not None and shelter_id in flood.shelters:
        shelter = flood.network.shelters[flood.shelters[shelter_id]]
        where = place_name(shelter.name_en, shelter.name_zh, shelter.id, lang)
        lines.append(t(lang, "flood.sent", n=people, shelter=where, mode=t(lang, f"flood.mode.{mode}")))
    else:
        lines.append(t(lang, "flood.unassigned", n=people))
    return "<br>".join(lines)


def shelter_hover(shelter: Shelter, used: int, opened: bool, lang: str) -> str:
    name = place_name(shelter.name_en, shelter.name_zh, shelter.id, lang)
    state = (
        t(lang, "flood.shelter_use", used=used, capacity=shelter.capacity) if opened else t(lang, "flood.shelter_wet")
    )
    return f"<b>{name}</b><br>{state}"


def station_hover(station: Station, lang: str) -> str:
    name = place_name(station.name_en, station.name_zh, station.id, lang)
    vehicles = ", ".join(count(lang, "vehicle." + kind, n) for kind, n in sorted(station.vehicles.items()) if n)
    return f"<b>{name}</b><br>{vehicles}"


def route_sentence(flood: FloodNetwork, answer: Mapping[str, Any], lang: str) -> str:
    """What a route answer says: from where, how long, the deepest water; or why there is none."""
    route = answer.get("route")
    vehicle = t(lang, "flood.vehicle." + str(answer.get("vehicle")))
    if route is None:
        blocked = answer.get("blocked")
        if not blocked:
            return t(lang, "flood.no_station", vehicle=vehicle)
        return t(
            lang,
            "flood.no_route",
            vehicle=vehicle,
            m=number(lang, float(blocked["closest_m"])),
            road=blocked.get("road") or t(lang, "flood.unnamed_street"),
            depth=number(lang, float(blocked["depth_m"]), 2),
        )
    station = flood.network.stations[flood.stations[route["start"]]]
    text = t(
        lang,
        "flood.route",
        vehicle=vehicle,
        station=place_name(station.name_en, station.name_zh, station.id, lang),
        eta=minutes(route["eta_s"], lang),
        km=number(lang, float(route["length_m"]) / 1000, 1),
    )
    if route.get("deepest_road") is not None:
        text += " · " + t(
            lang,
            "flood.deepest",
            depth=number(lang, float(route["deepest_m"]), 2),
            road=street(flood, route["deepest_road"], lang),
        )
    else:
        text += " · " + t(lang, "flood.dry_route")
    alternative = answer.get("alternative")
    if alternative is not None:
        text += " · " + t(lang, "flood.alternative", eta=minutes(alternative["eta_s"], lang))
    return text


def change_sentence(flood: FloodNetwork, closed: list[int], since: Mapping[int, float], delta_s: float | None,
                    lang: str, tz: str, flooded: list[list[float]] | None = None) -> str:  # fmt: skip
    """``Huaxi Avenue closed at 14:20, +6 min``, or ``Binhe Road under 0.12 m of water, +1 min``: why the earlier
    route was left (the streets of it that closed, else the deepest water on it), and the ETA's change."""
    names: list[str] = []
    for i in closed:
        name = street(flood, i, lang)
        if name not in names:
            names.append(name)
    parts = []
    if names:
        times = [since[i] for i in closed if i in since]
        at = clock(max(times) if times else None, tz, lang)
        parts.append(t(lang, "flood.closed_at", roads=", ".join(names[:3]), at=at))
    elif flooded:
        road, depth = flooded[0]
        depth_m = number(lang, float(depth), 2)
        parts.append(t(lang, "flood.flooded_on", road=street(flood, int(road), lang), depth=depth_m))
    elif delta_s is not None and delta_s < 0:
        parts.append(t(lang, "flood.reopened"))
    if delta_s is None:
        parts.append(t(lang, "flood.now_no_route"))
    elif abs(delta_s) >= 30:
        parts.append(f"{'+' if delta_s > 0 else '−'}{minutes(abs(delta_s), lang)}")
    return ", ".join(parts) if parts else t(lang, "flood.route_changed")


def evacuee_sentence(flood: FloodNetwork, evacuee: Mapping[str, Any], lang: str) -> str:
    """``Homes BK-0731: 1,379 people to Nanming No. 2 Middle School Gymnasium, on foot, 1.2 km, 16 min``."""
    block = flood.network.blocks[flood.blocks[evacuee["block"]]]
    shelter = flood.network.shelters[flood.shelters[evacuee["shelter"]]]
    text = t(
        lang,
        "flood.evacuee",
        block=block_name(block, lang),
        n=int(evacuee["people"]),
        shelter=place_name(shelter.name_en, shelter.name_zh, shelter.id, lang),
        mode=t(lang, "flood.mode." + str(evacuee["mode"])),
    )
    if evacuee.get("path"):
        text += f", {number(lang, float(evacuee['length_m']) / 1000, 1)} km, {minutes(evacuee['eta_s'], lang)}"
    return text
