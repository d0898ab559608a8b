"""Looking back: the city as it was at a chosen five minutes of the last 24 hours, from what Kafka keeps.

What can be shown for a past moment is what the state topics hold about it, not a guess:

- each district's **worst risk and worst fire risk of those five minutes**, from ``risk_history:<district>``
  (``consumers/district_history.py``: 288 steps of 5 minutes of event time, in the changelog, so a restart keeps the
  day); the web worker has them in its view of ``city.state``;
- the **alarms active then**, with the severity they had, from ``city.alarms`` (active alarms, and cleared ones for 24
  hours: ``consumers/alarms/lifecycle.py`` ``HISTORY_KEEP_S``), each with its trail of severity changes.

So it reaches 24 hours back, in 5-minute steps. Sensors' readings, power lines and fire incidents are not kept per
moment (a sensor's windows hold its last hour, the input topics hold the readings for their retention, but replaying
those would mean running the consumers again over them), so the map hides those layers while it looks back rather than
show their present state beside a past district colour.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consumers.citypack import CityPack
from consumers.district_history import KEEP_S, STEP_S
from dashboard.state_view import StateSnapshot

MAX_STEPS_BACK = int(KEEP_S / STEP_S)
SEVERITY_RANK = {"warning": 1, "alarm": 2}


def step_start(t: float) -> float:
    return math.floor(t / STEP_S) * STEP_S


def moment(event_now: float, steps_back: int) -> float:
    """The start of the 5-minute step ``steps_back`` steps before the one event time is in now (1 is the last
    closed step: the current one is still being written)."""
    steps_back = max(1, min(MAX_STEPS_BACK, steps_back))
    return step_start(event_now) - steps_back * STEP_S


@dataclass(frozen=True, slots=True)
class DistrictThen:
    """A district's worst scores of one past step."""

    code: str
    risk: float | None
    fire: float | None


GAP_STEPS = 3
"""A district's step is written at the first score of a later step, and scores come with the consumers' flushes:
at 600x a flush is 10 simulated minutes apart, so some steps are never written. The last step written at most this
many steps before the moment stands for it; older than that, the moment has no record."""


def districts_at(pack: CityPack, snapshot: StateSnapshot, at: float) -> list[DistrictThen]:
    """Each district's worst scores of the step starting at ``at`` (or the last written shortly before it), in the
    pack's order; None where nothing was kept (no data then, or before the district's history starts)."""
    out = []
    for code in pack.districts:
        doc = snapshot.entities.get(f"risk_history:{code}") or {}
        starts = list(doc.get("e") or ())
        index = bisect.bisect_right(starts, at) - 1
        risk = fire = None
        if index >= 0 and at - float(starts[index]) <= GAP_STEPS * STEP_S:
            risks, fires = list(doc.get("risk") or ()), list(doc.get("fire") or ())
            risk = risks[index] if index < len(risks) else None
            fire = fires[index] if index < len(fires) else None
        out.append(DistrictThen(code, risk, fire))
    return out


def _epoch(iso: object) -> float | None:
    return datetime.fromisoformat(str(iso)).timestamp() if iso else None


def severity_at(alarm: Mapping[str, Any], t: float) -> str | None:
    """The severity the alarm had at ``t`` from its trail (raised, then each severity change); None if it was not
    raised yet or was cleared by then."""
    raised, cleared = _epoch(alarm.get("raised")), _epoch(alarm.get("cleared"))
    if raised is None or raised > t or (cleared is not None and cleared <= t):
        return None
    severity = None
    for entry in alarm.get("trail") or ():
        at = _epoch(entry.get("at"))
        if at is None or at > t:
            break
        if entry.get("what") in ("raised", "severity") and entry.get("severity"):
            severity = str(entry["severity"])
    return severity or str(alarm.get("severity"))


def alarms_at(alarms: Iterable[Mapping[str, Any]], at: float) -> list[tuple[str, Mapping[str, Any]]]:
    """The alarms active at the end of the step starting at ``at``, worst and oldest first, with their severity
    then."""
    end = at + STEP_S
    found = [(severity, alarm) for alarm in alarms if (severity := severity_at(alarm, end)) is not None]
    found.sort(key=lambda pair: (-SEVERITY_RANK.get(pair[0], 0), str(pair[1].get("raised"))))
    return found
