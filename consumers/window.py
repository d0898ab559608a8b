"""Bounded event-time window of samples: the rolling state kept per sensor and measurement.

Bounded twice, by event-time age and by count, so that memory stays flat whatever the cadence; samples are
kept sorted by event time so that slightly late samples land where they belong. Pure: no clock, no I/O.

The trend (least-squares slope) is kept as running sums, so asking for it costs the same whatever the window
holds: a sensor's view is built at every flush that changed it, and at city scale that is once per reading.
The sums are integers (each time and value as an exact fixed-point number), so they depend only on which
samples are in the window, never on the order they came in: a window rebuilt from the changelog gives the
very same slope, to the last bit, as the one that was running.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

TIME_BITS = 32
"""Fixed-point fraction bits of an event time (epoch seconds): 2**-32 s, far below any clock's resolution."""
VALUE_BITS = 64
"""Fixed-point fraction bits of a value; below 2**-64 a value is floored (the same way every time)."""


TIME_SCALE = float(2**TIME_BITS)
VALUE_SCALE = float(2**VALUE_BITS)


def _fixed(x: float, scale: float) -> int:
    """``x * scale`` (a power of two) as an integer, truncated: multiplying by a power of two is exact in floating
    point and so is ``int`` of the product, so this is exact for every float with few enough fraction bits (epoch
    times have 22) and the same truncation every time for the others."""
    try:
        return int(x * scale)
    except OverflowError:  # beyond 1e289: no sensor measures that, but a window must not raise
        numerator, denominator = x.as_integer_ratio()
        return (numerator << round(scale).bit_length() - 1) // denominator


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
    trend: bool = True
    """Keep the running sums of the trend; a window asked only which times it holds (duplicates) need not."""
    _sx: int = 0
    _sy: int = 0
    _sxx: int = 0
    _sxy: int = 0

    def __post_init__(self) -> None:
        if self.max_age_s <= 0 or self.max_len < 2:
            raise ValueError("a window needs a positive age and room for at least two samples")
        times, values = self.times, self.values
        self.times, self.values = [], []
        for t, v in zip(times, values, strict=True):
            self.add(t, v)

    def contains_time(self, t: float) -> bool:
        i = bisect.bisect_left(self.times, t)
        return i < len(self.times) and self.times[i] == t

    @property
    def newest(self) -> float | None:
        return self.times[-1] if self.times else None

    def add(self, t: float, value: float) -> bool:
        """Insert a sample in event-time order; return False if a sample already has that time."""
        times = self.times
        if not times or t > times[-1]:
            times.append(t)
            self.values.append(value)
        else:
            i = bisect.bisect_left(times, t)
            if times[i] == t:
                return False
            times.insert(i, t)
            self.values.insert(i, value)
        if self.trend:
            x, y = _fixed(t, TIME_SCALE), _fixed(value, VALUE_SCALE)
            self._sx += x
            self._sy += y
            self._sxx += x * x
            self._sxy += x * y
        if times[0] < times[-1] - self.max_age_s or len(times) > self.max_len:
            self._evict()
        return True

    def _evict(self) -> None:
        times, values = self.times, self.values
        cutoff = times[-1] - self.max_age_s
        if len(times) <= self.max_len and times[1] >= cutoff:  # the usual case: the newest pushed the oldest out
            self._count_out(times.pop(0), values.pop(0))
            return
        drop = max(bisect.bisect_left(times, cutoff), len(times) - self.max_len)
        for t, value in zip(times[:drop], values[:drop], strict=True):
            self._count_out(t, value)
        del times[:drop]
        del values[:drop]

    def _count_out(self, t: float, value: float) -> None:
        if self.trend:
            x, y = _fixed(t, TIME_SCALE), _fixed(value, VALUE_SCALE)
            self._sx -= x
            self._sy -= y
            self._sxx -= x * x
            self._sxy -= x * y

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
        """Least-squares slope over the window, per hour of event time: robust to one noisy sample.

        Computed exactly from the integer sums and rounded once, so it is the same float however the window got
        its samples."""
        n = len(self.times)
        if n < 2 or not self.trend:
            return None
        spread = n * self._sxx - self._sx * self._sx
        if spread == 0:
            return None
        covariance = n * self._sxy - self._sx * self._sy
        return covariance * 3600 / (spread << (VALUE_BITS - TIME_BITS))

    def snapshot(self) -> dict[str, Any]:
        return {"t": list(self.times), "v": list(self.values)}

    @classmethod
    def restore(cls, max_age_s: float, max_len: int, snapshot: dict[str, Any]) -> SampleWindow:
        window = cls(max_age_s, max_len)
        for t, v in zip(snapshot.get("t", []), snapshot.get("v", []), strict=True):
            window.add(float(t), float(v))
        return window
