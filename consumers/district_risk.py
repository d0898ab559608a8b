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
    """One pass over the district's sensors, no sort: a district is scored at every flush that changed one of its
    sensors, and in a city-sized pack it has thousands (sorting them all was half of a flush at 18,400 sensors)."""
    counts = dict.fromkeys((*LEVELS, "stale", "no_data"), 0)
    domains: dict[str, float | None] = dict.fromkeys(DOMAINS)
    notable: list[SensorSummary] = []  # fresh at watch or above: the only ones a reason or the compounding needs
    worst: SensorSummary | None = None
    total = fresh = 0
    for s in summaries:
        total += 1
        score = s.score
        if score is None:
            counts["no_data"] += 1
            continue
        if s.stale:
            counts["stale"] += 1
            continue
        fresh += 1
        if score >= 25:
            notable.append(s)
            counts[level_for(score)] += 1
        else:
            counts["ok"] += 1
        if worst is None or score > (worst.score or 0.0):
            worst = s
        domain = s.sensor_type.split(".", 1)[0]
        current = domains.get(domain)
        if current is None or score > current:
            domains[domain] = score
    if worst is None or worst.score is None:
        return DistrictRisk(None, "no_data", domains, counts, sensors=total)
    # The same order as sorting every fresh sensor by score, highest first (a stable sort: ties in pack order).
    notable.sort(key=lambda s: s.score or 0.0, reverse=True)
    if notable:
        worst = notable[0]
    assert worst.score is not None
    others_at_warning = sum(1 for s in notable if (s.score or 0.0) >= 50) - (1 if worst.score >= 50 else 0)
    risk = min(100.0, worst.score + COMPOUND_STEP * min(COMPOUND_MAX_SENSORS, others_at_warning))
    reasons = [f"{s.sensor_id}: {s.reason}" for s in notable[:3]]
    return DistrictRisk(
        risk=round(risk, 1),
        level=level_for(risk),
        domains=domains,
        counts=counts,
        worst_sensor=worst.sensor_id,
        worst_reason=worst.reason,
        sensors=total,
        fresh=fresh,
        reasons=reasons,
    )
