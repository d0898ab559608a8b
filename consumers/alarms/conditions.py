"""Which entity views deserve an alarm, and how bad: one rule per kind of entity, for every domain. Pure.

- a **sensor** at ``warning`` or ``alarm`` (its rule and its domain's model decide: a gauge's flood stage or
  drought warning, a line over its rating, a detector in alarm, a pressure too low); ``watch`` is not an alarm;
- an **incident** (fire or smoke) suspected (warning) or confirmed (alarm); the cameras and detectors that are its
  sources keep their own alarms, grouped under the incident's (``Condition.group``): one fire, one alarm to
  answer, and the sources listed under it;
- a **building** with faults in its fire equipment: warning, or alarm when it is not ready.

A stale sensor says nothing new, and the processor does not ask: its alarm stays as it is (a sensor gone silent
in alarm has not returned to normal, and one gone silent while fine has not raised anything).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consumers.alarms.lifecycle import Condition
from consumers.fire.readiness import FAULT_WORDS

ALARM_LEVELS = {"warning": "warning", "alarm": "alarm"}
INCIDENT_SEVERITY = {"suspected": "warning", "confirmed": "alarm"}


def sensor_condition(
    sensor_id: str,
    sensor_type: str,
    level: str,
    reason: str,
    lat: float,
    lon: float,
    event_t: float,
    incident: str | None = None,
) -> Condition | None:
    """From a fresh sensor's state (the fields of its view, without building it: this runs for every changed
    sensor). ``incident``: the open incident the sensor is a source of, whose alarm stands for it."""
    severity = ALARM_LEVELS.get(level)
    if severity is None:
        return None
    group = None if incident is None else f"incident:{incident}"
    return Condition(f"sensor:{sensor_id}", sensor_type.partition(".")[0], severity, reason, lat, lon, group, event_t)


def counted(n: int, noun: str) -> str:
    """``1 call``, ``2 calls``: the count and its noun, in English."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def incident_condition(doc: Mapping[str, Any]) -> Condition | None:
    severity = INCIDENT_SEVERITY.get(str(doc.get("state")))
    if severity is None:
        return None
    sources = len(doc.get("sources") or ())
    calls = len(doc.get("calls") or ())
    reason = f"fire {doc.get('state')}: {counted(sources, 'source')}, {counted(calls, 'call')}"
    return Condition(f"incident:{doc['id']}", "fire", severity, reason, doc.get("lat"), doc.get("lon"))


def building_condition(doc: Mapping[str, Any], lat: float, lon: float) -> Condition | None:
    faults = doc.get("faults") or []
    if not faults:
        return None
    severity = "alarm" if doc.get("state") == "not_ready" else "warning"
    listed = ", ".join(f"{f['device']} {FAULT_WORDS.get(str(f['fault']), str(f['fault']))}" for f in faults[:3])
    more = f" and {len(faults) - 3} more" if len(faults) > 3 else ""
    reason = f"fire equipment faults: {listed}{more}"
    return Condition(f"building:{doc['id']}", "fire", severity, reason, lat, lon)
