"""Bounded event-time window of samples: the rolling state kept per sensor and measurement.

Bounded twice, by event-time age and by count, so that memory stays flat whatever the cadence; samples are
kept sorted by event time so that slightly late samples land where they belong. Pure: no clock, no I/O.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class WindowStats:
    """What a window says about its samples."""

    count: int
    last: float
    minimum: float
    maximum: float
    rate_per_hour: float | None


@dataclass(slots=True)
class SampleWindow:
    """Samples ``(event time in epoch seconds, value)`` within ``max_age_s`` of the newest, at most ``max_len``."""

    max_age_s: float
    max_len: int
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.max_age_s <= 0 or self.max_len < 2:
            raise ValueError("a window needs a positive age and room for at least two samples")

    def contains_time(self, t: float) -> bool:
        i = bisect.bisect_left(self.times, t)
        return i < len(self.times) and self.times[i] == t

    @property
    def newest(self) -> float | None:
        return self.times[-1] if self.times else None

    def add(self, t: float, value: float) -> bool:
        """Insert a sample in event-time order; return False if a sample already has that time."""
        i = bisect.bisect_left(self.times, t)
        if i < len(self.times) and self.times[i] == t:
            return False
        self.times.insert(i, t)
        self.values.insert(i, value)
        self._evict()
        return True

    def _evict(self) -> None:
        cutoff = self.times[-1] - self.max_age_s
        drop = bisect.bisect_left(self.times, cutoff)
        drop = max(drop, len(self.times) - self.max_len)
        if drop > 0:
            del self.times[:drop]
            del self.values[:drop]

    def stats(self) -> WindowStats | None:
        if not self.times:
            return None
        return WindowStats(
            count=len(self.values),
            last=self.values[-1],
            minimum=min(self.values),
            maximum=max(self.values),
            rate_per_hour=self.rate_per_hour(),
        )

    def rate_per_hour(self) -> float | None:
        """Least-squares slope over the window, per hour of event time: robust to one noisy sample."""
        n = len(self.times)
        if n < 2 or self.times[-1] == self.times[0]:
            return None
        t0 = self.times[0]
        xs = [t - t0 for t in self.times]
        mean_x = sum(xs) / n
        mean_y = sum(self.values) / n
        sxx = sum((x - mean_x) ** 2 for x in xs)
        sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, self.values, strict=True))
        return sxy / sxx * 3600.0

    def snapshot(self) -> dict[str, Any]:
        return {"t": list(self.times), "v": list(self.values)}

    @classmethod
    def restore(cls, max_age_s: float, max_len: int, snapshot: dict[str, Any]) -> SampleWindow:
        window = cls(max_age_s, max_len)
        for t, v in zip(snapshot.get("t", []), snapshot.get("v", []), strict=True):
            window.add(float(t), float(v))
        return window
