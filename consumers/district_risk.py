"""District risk score 0-100 from the severities of the district's sensors (documented in docs/risk.md).

Risk = the worst fresh sensor's score, raised by 5 for each further fresh sensor at warning or above (at
most +20, capped at 100), because concurrent problems in one district compound. Stale sensors and
sensors never heard from do not lower the risk and do not count as OK: they are counted apart, and a
district with no fresh sensor has no score ("no data") rather than a reassuring zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from consumers.rules import LEVELS, level_for

DOMAINS = ("river", "fire", "grid")
COMPOUND_STEP = 5.0
COMPOUND_MAX_SENSORS = 4


@dataclass(slots=True)
class SensorSummary:
    """What the district score needs to know of one sensor. ``score`` is None for a sensor never heard from.

    Not frozen, though nobody changes one: a frozen dataclass sets each field through ``object.__setattr__``, and
    one is made for every reading (treat it as read-only)."""

    sensor_id: str
    sensor_type: str
    score: float | None
    stale: bool
    reason: str = ""

    @property
    def fresh(self) -> bool:
        return self.score is not None and not self.stale


@dataclass(frozen=True, slots=True)
class DistrictRisk:
    """A district's score with the counts that explain it."""

    risk: float | None
    level: str
    domains: dict[str, float | None]
    counts: dict[str, int]
    worst_sensor: str | None = None
    worst_reason: str = ""
    sensors: int = 0
    fresh: int = 0
    reasons: list[str] = field(default_factory=list)


def district_risk(summaries: Iterable[SensorSummary]) -> DistrictRisk:
    summaries = list(summaries)
    fresh = sorted((s for s in summaries if s.fresh), key=lambda s: s.score or 0.0, reverse=True)
    counts = dict.fromkeys((*LEVELS, "stale", "no_data"), 0)
    domains: dict[str, float | None] = dict.fromkeys(DOMAINS)
    for s in summaries:
        if s.score is None:
            counts["no_data"] += 1
        elif s.stale:
            counts["stale"] += 1
    for s in fresh:
        assert s.score is not None
        counts[level_for(s.score)] += 1
        domain = s.sensor_type.split(".", 1)[0]
        current = domains.get(domain)
        domains[domain] = s.score if current is None else max(current, s.score)
    if not fresh:
        return DistrictRisk(None, "no_data", domains, counts, sensors=len(summaries))
    worst = fresh[0]
    assert worst.score is not None
    others_at_warning = sum(1 for s in fresh[1:] if (s.score or 0.0) >= 50)
    risk = min(100.0, worst.score + COMPOUND_STEP * min(COMPOUND_MAX_SENSORS, others_at_warning))
    reasons = [f"{s.sensor_id}: {s.reason}" for s in fresh[:3] if (s.score or 0.0) >= 25]
    return DistrictRisk(
        risk=round(risk, 1),
        level=level_for(risk),
        domains=domains,
        counts=counts,
        worst_sensor=worst.sensor_id,
        worst_reason=worst.reason,
        sensors=len(summaries),
        fresh=len(fresh),
        reasons=reasons,
    )
