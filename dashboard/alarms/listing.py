"""The alarm list as an operator reads it: which state each alarm is in, the order, the filters. Pure.

Order (docs/alarms.md): the active alarms first, those nobody has acknowledged before those acknowledged, and
shelved ones last; within each, the worse severity first, then the newest; an alarm grouped under another (a
detector under its fire's incident) right below that one. Cleared alarms are the history, newest cleared first.
The count in every page's header is of active alarms not acknowledged, not shelved and not grouped under
another: the ones still waiting for a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

STATES = ("unacknowledged", "acknowledged", "shelved", "cleared")
DOMAINS = ("river", "fire", "grid")
SEVERITY_RANK = {"alarm": 0, "warning": 1}

Alarm = Mapping[str, Any]


def state_of(alarm: Alarm) -> str:
    if alarm.get("state") != "active":
        return "cleared"
    if alarm.get("shelved_until"):
        return "shelved"
    return "acknowledged" if alarm.get("ack") else "unacknowledged"


def ordered(alarms: Iterable[Alarm]) -> tuple[list[Alarm], list[Alarm]]:
    """The active alarms in list order, and the history."""
    active: list[Alarm] = []
    history: list[Alarm] = []
    for alarm in alarms:
        (history if state_of(alarm) == "cleared" else active).append(alarm)
    active.sort(key=lambda a: str(a.get("raised") or ""), reverse=True)
    active.sort(key=lambda a: (STATES.index(state_of(a)), SEVERITY_RANK.get(str(a.get("severity")), 2)))
    history.sort(key=lambda a: str(a.get("cleared") or ""), reverse=True)
    listed = {a.get("entity") for a in active}

    def parent(alarm: Alarm) -> object:
        group = alarm.get("group")
        return group if group and group in listed else None

    under: dict[object, list[Alarm]] = {}
    for alarm in active:
        if parent(alarm) is not None:
            under.setdefault(parent(alarm), []).append(alarm)
    nested: list[Alarm] = []
    for alarm in active:
        if parent(alarm) is None:
            nested += [alarm, *under.get(alarm.get("entity"), [])]
    return nested, history


def matches(
    alarm: Alarm, domains: Iterable[str] | None, districts: Iterable[str] | None, states: Iterable[str] | None
) -> bool:
    """Whether the alarm passes the filters; an empty or absent filter passes everything."""
    return (
        (not domains or alarm.get("domain") in set(domains))
        and (not districts or alarm.get("district") in set(districts))
        and (not states or state_of(alarm) in set(states))
    )


def waiting(alarms: Iterable[Alarm]) -> dict[str, int]:
    """How many active alarms wait for a person, by severity (the header count)."""
    counts = {"alarm": 0, "warning": 0}
    for alarm in alarms:
        if state_of(alarm) == "unacknowledged" and not alarm.get("group") and alarm.get("severity") in counts:
            counts[str(alarm["severity"])] += 1
    return counts


def outcome(alarm: Alarm | None, action_id: str) -> tuple[str, str] | None:
    """What became of an action sent on this alarm: ("applied", what) or ("refused", why), None while the
    consumers have not answered. Read from the alarm's trail, which is where the one writer says it."""
    for entry in reversed(list((alarm or {}).get("trail") or ())):
        if entry.get("action_id") == action_id:
            if entry.get("what") == "refused":
                return "refused", str(entry.get("detail") or "")
            return "applied", str(entry.get("what"))
    return None
