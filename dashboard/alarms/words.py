"""Alarms in the page's language: what the alarm is on, why, and each entry of its trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consumers.citypack import CityPack
from dashboard.fire.words import local_time
from dashboard.i18n import t
from dashboard.reasons import reason_text
from dashboard.typography import unbroken_quantities


def subject(alarm: Mapping[str, Any], pack: CityPack, lang: str) -> str:
    """What the alarm is on: a sensor by its id and type, a building or an incident by its name."""
    kind, _, entity_id = str(alarm.get("entity", "")).partition(":")
    if kind == "sensor":
        spec = pack.sensors.get(entity_id)
        return entity_id if spec is None else f"{entity_id} · {t(lang, 'alarms.type.' + spec.type)}"
    if kind == "building":
        b = pack.buildings.get(entity_id)
        return entity_id if b is None else (b.name_zh if lang == "zh" else b.name_en)
    if kind == "incident":
        return t(lang, "alarms.incident", id=entity_id)
    return entity_id


def reason(alarm: Mapping[str, Any], lang: str = "en") -> str:
    """Why: the reason the alarm took when it entered its severity, as the consumers wrote it, in ``lang``
    (``dashboard.reasons``). Not the sensor's reason now: a sensor back in band during the clearing hold says
    "normal", which is not why, and a list whose rows change at every reading cannot be clicked. Set for a page's
    narrow cells (``dashboard.typography``); the export writes the consumers' reason as it is."""
    return unbroken_quantities(reason_text(str(alarm.get("reason", "")), lang))


def when(iso: object, pack: CityPack, lang: str = "en") -> str:
    return local_time(str(iso), pack.timezone, lang) if iso else ""


def trail_entry(entry: Mapping[str, Any], lang: str) -> str:
    """One entry of the trail as a sentence: what happened, by whom, with its comment or its reason."""
    what = str(entry.get("what"))
    text = t(lang, f"alarms.trail.{what}") if f"alarms.trail.{what}" in _KNOWN else what
    parts = [text]
    if what == "severity":
        parts.append(f"{t(lang, 'level.' + str(entry.get('was')))} → {t(lang, 'level.' + str(entry.get('severity')))}")
    if what == "refused":
        parts.append(f"{entry.get('action')}: {entry.get('detail')}")
    if entry.get("comment"):
        parts.append(f"“{entry['comment']}”")
    return " · ".join(parts)


TRAIL_WHATS = (
    "raised",
    "severity",
    "cleared",
    "ack",
    "shelve",
    "unshelve",
    "shelve_ended",
    "comment",
    "refused",
    "grouped",
    "ungrouped",
)
"""What a trail entry can say happened, each with its words (``alarms.trail.<what>``)."""
_KNOWN = {f"alarms.trail.{w}" for w in TRAIL_WHATS}
