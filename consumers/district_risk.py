"""District risk score 0-100 from the severities of the district's sensors (documented in docs/risk.md).

Risk = the worst fresh sensor's score, raised by 5 for each further fresh sensor at warning or above (at
most +20, capped at 100), because concurrent problems in one district compound. Stale sensors and
sensors never heard from do not lower the risk and do not count as OK: they are counted apart, and a
district with no fresh sensor has no score ("no data") rather than a reassuring zero.
"""

from __future__ import annotations

import heapq
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
    district, each reading changing a different one) rescanning them all was a fifth of the flush, and keeping them
    all in one sorted list was still a third of it. What the score needs is only:

    - the fresh sensors at watch or above (25), in order: the three reasons, the count at warning. In a city going
      about its day these are few, so they are kept in a sorted list (highest first, ties in pack order, the order
      ``district_risk`` breaks ties in);
    - the best fresh score of each domain, and the worst of all (the best of the domains' bests): a heap per domain
      whose entries go stale instead of being taken out (a push is cheap; a heap cannot find an entry to remove).
      An entry is alive while it is its sensor's current key; dead ones are dropped when they reach the top, and
      the heap is rebuilt from the living when the dead outnumber them, so it stays within about twice the domain;
    - the counts, kept as sensors move between levels.

    A reading that leaves a sensor's score and freshness as they were changes nothing but its reason.
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
        self._key: list[tuple[float, int] | None] = [None] * self._total
        """Per sensor (pack order), ``(-score, order)`` while it is fresh, else None."""
        self._notable: SortedList = SortedList()  # (-score, pack order) of the fresh sensors at 25 or above
        self._heaps: dict[str, list[tuple[float, int]]] = {}  # per domain, (-score, order), dead entries included
        self._domain_fresh: dict[str, int] = {}

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
        domains: dict[str, float | None] = dict.fromkeys(DOMAINS)
        worst_key: tuple[float, int] | None = None
        for domain in self._heaps:
            best = self._domain_best(domain)
            if best is not None:
                domains[domain] = -best[0]
                if worst_key is None or best < worst_key:
                    worst_key = best
        counts = dict(self._counts)
        if worst_key is None:
            return DistrictRisk(None, "no_data", domains, counts, sensors=self._total)
        notable = self._notable
        worst = self._summaries[self._ids[worst_key[1]]]
        at_warning = notable.bisect_left((-50.0, math.inf))  # keys sort by -score: those at 50 or above come first
        top = [self._summaries[self._ids[order]] for _, order in notable.islice(0, 3)]
        fresh = sum(self._domain_fresh.values())
        return _compose(worst, at_warning, top, domains, counts, self._total, fresh)

    def notable(self) -> list[SensorSummary]:
        """The fresh sensors at watch (25) or above, worst first."""
        return [self._summaries[self._ids[order]] for _, order in self._notable]

    def _domain_best(self, domain: str) -> tuple[float, int] | None:
        """The living top of the domain's heap, the dead above it dropped."""
        heap, key = self._heaps[domain], self._key
        while heap and key[heap[0][1]] != heap[0]:
            heapq.heappop(heap)
        return heap[0] if heap else None

    def _put_in(self, s: SensorSummary) -> None:
        self._counts[_category(s)] += 1
        score = s.score
        if score is None or s.stale:
            return
        order = self._order[s.sensor_id]
        key = self._key[order] = (-score, order)
        if score >= 25:
            self._notable.add(key)
        domain = self._domain_at[order]
        living = self._domain_fresh[domain] = self._domain_fresh.get(domain, 0) + 1
        heap = self._heaps.get(domain)
        if heap is None:
            heap = self._heaps[domain] = []
        heapq.heappush(heap, key)
        if len(heap) > 2 * living + 16:
            self._heaps[domain] = heap = list({k for k in heap if self._key[k[1]] == k})
            heapq.heapify(heap)

    def _take_out(self, s: SensorSummary) -> None:
        self._counts[_category(s)] -= 1
        score = s.score
        if score is None or s.stale:
            return
        order = self._order[s.sensor_id]
        key = self._key[order]
        self._key[order] = None  # its heap entry is dead from now on
        if score >= 25:
            self._notable.remove(key)
        self._domain_fresh[self._domain_at[order]] -= 1


def _category(s: SensorSummary) -> str:
    """Which of ``DistrictRisk.counts`` the sensor is counted in (as ``district_risk`` counts it)."""
    if s.score is None:
        return "no_data"
    if s.stale:
        return "stale"
    return level_for(s.score) if s.score >= 25 else "ok"
