"""Public buildings' readiness on the dashboard, from ``building:<id>`` on the state topic: colours, the
sentence of a building, the list of faults oldest first with their age, and a district's counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from consumers.citypack import Building, CityPack
from dashboard.fire.words import local_time
from dashboard.grid.words import duration
from dashboard.i18n import t
from dashboard.palette import LEVEL_COLORS
from dashboard.state_view import StateSnapshot

READINESS_COLORS: Mapping[str, str] = {
    "ready": LEVEL_COLORS["ok"],
    "degraded": LEVEL_COLORS["warning"],
    "not_ready": LEVEL_COLORS["alarm"],
    "unknown": LEVEL_COLORS["stale"],
}
"""The levels' colours (``dashboard.palette``): a ready building is as quiet as an OK site."""
READINESS_SIZE = {"ready": 10, "degraded": 15, "not_ready": 22, "unknown": 10}
READINESS_RANK = {"unknown": 0, "ready": 1, "degraded": 2, "not_ready": 3}


def state_of(doc: Mapping[str, Any] | None) -> str:
    return "unknown" if doc is None else str(doc.get("state", "unknown"))


def fault_words(fault: Mapping[str, Any], lang: str) -> str:
    return t(lang, f"fault.{fault['type']}.{fault['fault']}")


def age(since_iso: str, now: float | None, lang: str) -> str:
    if now is None:
        return "?"
    return duration(max(0.0, now - datetime.fromisoformat(since_iso).timestamp()) / 3600, lang)


def badge(doc: Mapping[str, Any] | None, lang: str) -> str:
    """``NOT READY 40``; ``UNKNOWN``."""
    text = t(lang, f"ready.{state_of(doc)}")
    if doc is not None and doc.get("readiness") is not None:
        text += f" {float(doc['readiness']):.0f}"
    return text


def building_sentence(
    b: Building, doc: Mapping[str, Any] | None, lang: str, tz: str, now: float | None, head: bool = True
) -> str:
    """``NOT READY 40 · sprinkler pressure below minimum since 10:32 (2.5 h)``; without the badge (``head``)
    where a badge is shown beside it."""
    parts = [badge(doc, lang)] if head else []
    faults = (doc or {}).get("faults") or []
    for f in faults[:3]:
        since = t(lang, "ready.since", at=local_time(f["since"], tz), age=age(f["since"], now, lang))
        parts.append(f"{fault_words(f, lang)} {since}")
    silent = (doc or {}).get("silent") or []
    if silent:
        parts.append(t(lang, "ready.silent", n=len(silent)))
    if doc is not None and not faults and not silent:
        parts.append(t(lang, "ready.no_faults"))
    return " · ".join(parts)


def faulty_buildings(pack: CityPack, snapshot: StateSnapshot) -> list[tuple[Building, Mapping[str, Any]]]:
    """Buildings with at least one fault, the oldest fault first."""
    out = []
    for building_id, doc in snapshot.of_kind("building").items():
        b = pack.buildings.get(building_id)
        if b is not None and doc.get("faults"):
            out.append((min(f["since"] for f in doc["faults"]), b.id, b, doc))
    out.sort(key=lambda x: (x[0], x[1]))
    return [(b, doc) for _, _, b, doc in out]


def district_line(doc: Mapping[str, Any] | None, lang: str) -> str | None:
    readiness = (doc or {}).get("readiness")
    if not readiness:
        return None
    return t(lang, "ready.district", **readiness["counts"])
