"""District risk score 0-100 from the severities of the district's sensors (documented in docs/risk.md).

Risk = the worst fresh sensor's score, raised by 5 for each further fresh sensor at warning or above (at
most +20, capped at 100), because concurrent problems in one district compound. Stale sensors and
sensors never heard from do not lower the risk and do not count as OK: they are counted apart, and a
district with no fresh sensor has no score ("no data") rather than a reassuring zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sortedcontainers import SortedList

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
        counts[_category(s)] += 1
        score = s.score
        if score is None or s.stale:
            continue
        fresh += 1
        if score >= 25:
            notable.append(s)
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
    at_warning = sum(1 for s in notable if (s.score or 0.0) >= 50)
    return _compose(worst, at_warning, notable[:3], domains, counts, total, fresh)


def _compose(
    worst: SensorSummary,
    at_warning: int,
    top: list[SensorSummary],
    domains: dict[str, float | None],
    counts: dict[str, int],
    total: int,
    fresh: int,
) -> DistrictRisk:
    """The score from the worst fresh sensor, how many fresh sensors are at warning or above (the worst among
    them) and the (at most three) worst at watch or above, whose reasons explain it."""
    assert worst.score is not None
    others_at_warning = at_warning - (1 if worst.score >= 50 else 0)
    risk = min(100.0, worst.score + COMPOUND_STEP * min(COMPOUND_MAX_SENSORS, others_at_warning))
    return DistrictRisk(
        risk=round(risk, 1),
        level=level_for(risk),
        domains=domains,
        counts=counts,
        worst_sensor=worst.sensor_id,
        worst_reason=worst.reason,
        sensors=total,
        fresh=fresh,
        reasons=[f"{s.sensor_id}: {s.reason}" for s in top],
    )


class DistrictTally:
    """A district's score kept up to date one sensor at a time, the same as ``district_risk`` over all of them.

    Why: a flush scores every district one of its changed sensors is in, and at city scale (thousands of sensors a
    district) rescanning them all was a fifth of the flush. Fresh sensors are kept ordered by score, highest first
    and ties in pack order (the order ``district_risk`` breaks ties in), so the worst, the three reasons and the
    count at warning come from the front of a sorted list; the counts are kept as sensors move between levels; and
    a reading that leaves a sensor's score and freshness as they were (about two in three) changes nothing but its
    reason. A domain's best is found again, from the front of the list, only when its holder left it.
    """

    def __init__(self, sensors: Sequence[tuple[str, str]]) -> None:
        """``sensors``: (id, type) of every sensor of the district, in pack order."""
        self._order = {sensor_id: i for i, (sensor_id, _) in enumerate(sensors)}
        self._ids = [sensor_id for sensor_id, _ in sensors]
        self._domain_at = [sensor_type.split(".", 1)[0] for _, sensor_type in sensors]
        self._total = len(sensors)
        self._summaries: dict[str, SensorSummary] = {}
        self._event_times: dict[str, float] = {}
        self._newest: float | None = None
        self._newest_valid = True
        self._counts = dict.fromkeys((*LEVELS, "stale", "no_data"), 0)
        self._counts["no_data"] = self._total
        self._fresh: SortedList = SortedList()  # (-score, pack order) of the fresh sensors
        self._domain_fresh: dict[str, int] = {}
        self._domain_best: dict[str, tuple[float, int]] = {}
        self._domain_lost: set[str] = set()  # domains whose best left: found again when the score is asked for

    @property
    def newest(self) -> float | None:
        """The newest event time of the district's sensors with a state."""
        if not self._newest_valid:
            self._newest = max(self._event_times.values(), default=None)
            self._newest_valid = True
        return self._newest

    def update(self, summary: SensorSummary, event_time: float) -> None:
        """The sensor's current summary (a new object whenever anything in it changed)."""
        sensor_id = summary.sensor_id
        old = self._summaries.get(sensor_id)
        self._summaries[sensor_id] = summary
        if old is None:
            self._counts["no_data"] -= 1
            self._put_in(summary)
        elif old.score != summary.score or old.stale != summary.stale:
            self._take_out(old)
            self._put_in(summary)
        previous = self._event_times.get(sensor_id)
        self._event_times[sensor_id] = event_time
        if previous is not None and event_time < previous:
            self._newest_valid = False
        elif self._newest_valid and (self._newest is None or event_time > self._newest):
            self._newest = event_time

    def forget(self, sensor_id: str) -> None:
        """The sensor has no state any more (dropped after an internal error): back to never heard from."""
        old = self._summaries.pop(sensor_id, None)
        if old is None:
            return
        self._take_out(old)
        self._counts["no_data"] += 1
        if self._event_times.pop(sensor_id) == self._newest:
            self._newest_valid = False

    def risk(self) -> DistrictRisk:
        fresh = self._fresh
        for domain in self._domain_lost:
            if self._domain_fresh.get(domain):
                self._domain_best[domain] = next(k for k in fresh if self._domain_at[k[1]] == domain)
            else:
                self._domain_best.pop(domain, None)
        self._domain_lost.clear()
        domains: dict[str, float | None] = dict.fromkeys(DOMAINS)
        for domain, (neg_score, _) in self._domain_best.items():
            domains[domain] = -neg_score
        counts = dict(self._counts)
        if not fresh:
            return DistrictRisk(None, "no_data", domains, counts, sensors=self._total)
        worst = self._summaries[self._ids[fresh[0][1]]]
        at_warning = fresh.bisect_left((-50.0, math.inf))  # keys sort by -score: those at 50 or above come first
        top = [self._summaries[self._ids[order]] for neg_score, order in fresh.islice(0, 3) if neg_score <= -25]
        return _compose(worst, at_warning, top, domains, counts, self._total, len(fresh))

    def notable(self, min_score: float = 25.0) -> list[SensorSummary]:
        """The fresh sensors at ``min_score`` or above (watch: 25), worst first: the front of the sorted list."""
        return [self._summaries[self._ids[order]] for _, order in self._fresh.irange(maximum=(-min_score, math.inf))]

    def _put_in(self, s: SensorSummary) -> None:
        self._counts[_category(s)] += 1
        if s.score is None or s.stale:
            return
        order = self._order[s.sensor_id]
        key = (-s.score, order)
        self._fresh.add(key)
        domain = self._domain_at[order]
        self._domain_fresh[domain] = self._domain_fresh.get(domain, 0) + 1
        if domain not in self._domain_lost:
            best = self._domain_best.get(domain)
            if best is None or key < best:
                self._domain_best[domain] = key

    def _take_out(self, s: SensorSummary) -> None:
        self._counts[_category(s)] -= 1
        if s.score is None or s.stale:
            return
        order = self._order[s.sensor_id]
        key = (-s.score, order)
        self._fresh.remove(key)
        domain = self._domain_at[order]
        self._domain_fresh[domain] -= 1
        if self._domain_best.get(domain) == key:
            self._domain_lost.add(domain)


def _category(s: SensorSummary) -> str:
    """Which of ``DistrictRisk.counts`` the sensor is counted in (as ``district_risk`` counts it)."""
    if s.score is None:
        return "no_data"
    if s.stale:
        return "stale"
    return level_for(s.score) if s.score >= 25 else "ok"
