"""How ready a public building's fire protection is, from the live status of its equipment. Pure.

Score (``docs/risk.md``, "Building readiness"): 100 less the points of each fault, weighted by how much is at
stake in the building (``CRITICALITY``: a hospital or a care home, whose people cannot leave by themselves,
weighs 1.5; an office 1.0), at least 0. Ready at 90 or more, degraded from 60, not ready below. A building
whose sprinkler, hydrant or alarm panel is silent, or never reported, is **unknown**: its readiness cannot be
told, and unknown is never shown as ready. Detectors are not readiness equipment (their alarms are fire
signals, ``consumers.fire.incidents``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DEDUCTIONS: Mapping[tuple[str, str], float] = {
    ("fire.sprinkler", "below_minimum"): 40.0,
    ("fire.sprinkler", "low_pressure"): 15.0,
    ("fire.hydrant", "below_minimum"): 30.0,
    ("fire.hydrant", "low_pressure"): 10.0,
    ("fire.alarm_panel", "disabled"): 45.0,
    ("fire.alarm_panel", "fault"): 35.0,
    ("fire.extinguisher", "missing"): 10.0,
    ("fire.extinguisher", "low_pressure"): 8.0,
    ("fire.extinguisher", "expired"): 5.0,
    ("fire.fire_door", "fault"): 8.0,
    ("fire.fire_door", "open"): 6.0,
}
"""Points a fault takes off (before the building's weight). No water at the most remote sprinkler head is the
worst: the building's automatic suppression is gone. A door held open lets smoke through one compartment."""
FAULT_WORDS: Mapping[str, str] = {
    "below_minimum": "pressure below minimum",
    "low_pressure": "low pressure",
    "disabled": "disabled",
    "fault": "fault",
    "missing": "missing",
    "expired": "expired",
    "open": "held open",
}
"""Each fault code of ``DEDUCTIONS`` in the words of the consumers' English reasons. The code stays in the building's
document (``faults[].fault``) for programs; a reason is read by a person, on the wall from metres away, where
"B-02-SPR below_minimum" was what the ticker said."""
CRITICALITY: Mapping[str, float] = {
    "hospital": 1.5,
    "care_home": 1.5,
    "school": 1.3,
    "university": 1.2,
    "mall": 1.2,
    "station": 1.2,
    "railway_station": 1.2,
    "airport": 1.2,
    "stadium": 1.2,
    "exhibition_centre": 1.1,
    "museum": 1.1,
    "office": 1.0,
}
READINESS_TYPES = frozenset(
    {"fire.sprinkler", "fire.hydrant", "fire.alarm_panel", "fire.extinguisher", "fire.fire_door"}
)
ESSENTIAL_TYPES = frozenset({"fire.sprinkler", "fire.hydrant", "fire.alarm_panel"})
"""Without word from these, a building's readiness is unknown."""
READY_AT = 90.0
DEGRADED_AT = 60.0


def device_fault(sensor_type: str, params: Mapping[str, Any], values: Mapping[str, float | str]) -> str | None:
    """The fault a reading shows, as a code of ``DEDUCTIONS``; None when the device is as it should be."""
    if sensor_type in ("fire.sprinkler", "fire.hydrant"):
        pressure = float(values["pressure_mpa"])
        minimum = float(params.get("min_pressure_mpa", 0.05 if sensor_type == "fire.sprinkler" else 0.14))
        if pressure < minimum:
            return "below_minimum"
        return "low_pressure" if pressure < 1.2 * minimum else None
    status = values.get("status")
    if (sensor_type, str(status)) in DEDUCTIONS:
        return str(status)
    return None  # ok, closed, normal; and a panel in alarm is a fire, not a fault of the equipment


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """One device as readiness sees it."""

    id: str
    type: str
    fault: str | None
    since: float | None
    """Event time of the first reading of the current fault."""
    heard: bool
    silent: bool


@dataclass(frozen=True, slots=True)
class Readiness:
    """A building's readiness and what makes it so."""

    score: float | None
    state: str
    """``ready``, ``degraded``, ``not_ready`` or ``unknown``."""
    faults: tuple[DeviceStatus, ...]
    """Oldest first."""
    silent: tuple[str, ...]
    points: tuple[tuple[str, float], ...]
    """(device id, points taken off after the weight), adding up to 100 minus the score."""


def readiness(kind: str, devices: Iterable[DeviceStatus]) -> Readiness:
    weight = CRITICALITY.get(kind, 1.0)
    mine = [d for d in devices if d.type in READINESS_TYPES]
    faults = tuple(sorted((d for d in mine if d.fault and not d.silent), key=lambda d: (d.since or 0.0, d.id)))
    silent = tuple(sorted(d.id for d in mine if d.silent or not d.heard))
    points = tuple((d.id, round(weight * DEDUCTIONS[(d.type, d.fault or "")], 1)) for d in faults)
    essential_silent = any(d.type in ESSENTIAL_TYPES and (d.silent or not d.heard) for d in mine)
    if essential_silent or not any(d.heard and not d.silent for d in mine):
        return Readiness(None, "unknown", faults, silent, points)
    score = round(max(0.0, 100.0 - sum(p for _, p in points)), 1)
    state = "ready" if score >= READY_AT else "degraded" if score >= DEGRADED_AT else "not_ready"
    return Readiness(score, state, faults, silent, points)
