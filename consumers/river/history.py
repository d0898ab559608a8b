"""Rolling history of one river gauge: a week of event time at any cadence, in bounded memory.

Why two tiers: a 72-hour recession forecast needs about a week of the gauge's own past, but a gauge may report
every minute (10,080 samples a week) or once a day (7). Keeping every sample would make memory grow with the
cadence; keeping a fixed count would shrink the time span at fast cadences. So the last hours stay raw (the rate
of rise and the spike filter need single samples) and older samples are folded into hourly bins that keep mean,
min, max and count: hourly means are what the recession fit uses anyway. The number of stored points is at most
``raw_max + bin_span_s / bin_s + 2`` whatever arrives.

Rain is kept beside the values (the largest intensity per bin) because rain ends a recession segment.

Pure: no clock, no I/O; time is event time in epoch seconds.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any

RAW_SPAN_S = 6 * 3600.0
RAW_MAX = 480
BIN_S = 3600.0
BIN_SPAN_S = 8 * 86400.0
SNAPSHOT_VERSION = 1


@dataclass(slots=True)
class Bin:
    """Samples of one fixed time bin, reduced to what the forecast and the display need."""

    t_sum: float
    t_first: float
    t_last: float
    v_sum: float
    v_min: float
    v_max: float
    count: int
    rain_max: float | None

    @classmethod
    def of(cls, t: float, value: float, rain: float | None) -> Bin:
        return cls(t, t, t, value, value, value, 1, rain)

    def add(self, t: float, value: float, rain: float | None) -> None:
        self.t_sum += t
        self.t_first = min(self.t_first, t)
        self.t_last = max(self.t_last, t)
        self.v_sum += value
        self.v_min = min(self.v_min, value)
        self.v_max = max(self.v_max, value)
        self.count += 1
        if rain is not None:
            self.rain_max = rain if self.rain_max is None else max(self.rain_max, rain)

    @property
    def t_mean(self) -> float:
        return self.t_sum / self.count

    @property
    def mean(self) -> float:
        return self.v_sum / self.count

    def to_list(self) -> list[Any]:
        return [self.t_sum, self.t_first, self.t_last, self.v_sum, self.v_min, self.v_max, self.count, self.rain_max]

    @classmethod
    def from_list(cls, items: list[Any]) -> Bin:
        t_sum, t_first, t_last, v_sum, v_min, v_max, count, rain = items
        return cls(
            float(t_sum),
            float(t_first),
            float(t_last),
            float(v_sum),
            float(v_min),
            float(v_max),
            int(count),
            None if rain is None else float(rain),
        )


class GaugeHistory:
    """Raw samples of the last ``raw_span_s`` (at most ``raw_max``), older ones folded into ``bin_s`` bins.

    Invariant: every sample folded into a bin is older than every raw sample, so ``series()`` is time-ordered.
    A sample at a time already held raw is a duplicate and is ignored (replays do not change the history).
    """

    def __init__(
        self,
        raw_span_s: float = RAW_SPAN_S,
        raw_max: int = RAW_MAX,
        bin_s: float = BIN_S,
        bin_span_s: float = BIN_SPAN_S,
    ) -> None:
        if raw_span_s <= 0 or raw_max < 2 or bin_s <= 0 or bin_span_s < bin_s:
            raise ValueError("history needs a positive raw span, room for two raw samples and at least one bin")
        self.raw_span_s = raw_span_s
        self.raw_max = raw_max
        self.bin_s = bin_s
        self.bin_span_s = bin_span_s
        self._t: list[float] = []
        self._v: list[float] = []
        self._r: list[float | None] = []
        self._bins: dict[int, Bin] = {}
        self._folded_upto = -math.inf
        self._newest = -math.inf

    # -- adding ---------------------------------------------------------------------------------------------

    def add(self, t_epoch_s: float, value: float, rain_mm_h: float | None = None) -> None:
        """Add one sample; late samples are inserted in order, or folded into their bin if older than the raw span."""
        t, v = float(t_epoch_s), float(value)
        if not (math.isfinite(t) and math.isfinite(v)):
            raise ValueError("history samples must be finite")
        rain = None if rain_mm_h is None or not math.isfinite(rain_mm_h) else float(rain_mm_h)
        self._newest = max(self._newest, t)
        if t <= self._folded_upto or t < self._newest - self.raw_span_s:
            self._fold(t, v, rain)
        else:
            i = bisect.bisect_left(self._t, t)
            if i < len(self._t) and self._t[i] == t:
                return
            self._t.insert(i, t)
            self._v.insert(i, v)
            self._r.insert(i, rain)
        self._evict()

    def _bin_key(self, t: float) -> int:
        return math.floor(t / self.bin_s)

    def _fold(self, t: float, value: float, rain: float | None) -> None:
        key = self._bin_key(t)
        if key < self._oldest_bin_key():
            return
        self._folded_upto = max(self._folded_upto, t)
        b = self._bins.get(key)
        if b is None:
            self._bins[key] = Bin.of(t, value, rain)
        else:
            b.add(t, value, rain)

    def _oldest_bin_key(self) -> int:
        return self._bin_key(self._newest - self.bin_span_s)

    def _evict(self) -> None:
        cutoff = self._newest - self.raw_span_s
        n_old = bisect.bisect_left(self._t, cutoff)
        n_drop = max(n_old, len(self._t) - self.raw_max)
        for i in range(n_drop):
            self._fold(self._t[i], self._v[i], self._r[i])
        if n_drop:
            del self._t[:n_drop]
            del self._v[:n_drop]
            del self._r[:n_drop]
        oldest = self._oldest_bin_key()
        if self._bins and min(self._bins) < oldest:
            for key in [k for k in self._bins if k < oldest]:
                del self._bins[key]

    # -- reading --------------------------------------------------------------------------------------------

    def series(self) -> list[tuple[float, float]]:
        """Time-ordered ``(t, value)``: the mean of each bin at its mean sample time, then the raw samples."""
        out = [(b.t_mean, b.mean) for _, b in sorted(self._bins.items())]
        out.extend(zip(self._t, self._v, strict=True))
        return out

    def raw(self) -> list[tuple[float, float]]:
        """The raw samples of the last hours, time-ordered."""
        return list(zip(self._t, self._v, strict=True))

    def recent(self, since_t: float) -> list[tuple[float, float]]:
        """Raw samples at or after ``since_t``."""
        i = bisect.bisect_left(self._t, since_t)
        return list(zip(self._t[i:], self._v[i:], strict=True))

    def tail(self, n: int) -> list[tuple[float, float]]:
        """The last ``n`` raw samples, time-ordered."""
        return list(zip(self._t[-n:], self._v[-n:], strict=True)) if n > 0 else []

    def last(self) -> tuple[float, float] | None:
        """The newest stored sample (raw if any, else the newest bin's mean)."""
        if self._t:
            return self._t[-1], self._v[-1]
        if self._bins:
            b = self._bins[max(self._bins)]
            return b.t_last, b.mean
        return None

    def last_rain_time(self, threshold_mm_h: float) -> float | None:
        """Time of the newest sample with rain at or above the threshold (a bin's last sample time for bins)."""
        for t, r in zip(reversed(self._t), reversed(self._r), strict=True):
            if r is not None and r >= threshold_mm_h:
                return t
        for _, b in sorted(self._bins.items(), reverse=True):
            if b.rain_max is not None and b.rain_max >= threshold_mm_h:
                return b.t_last
        return None

    def span_s(self) -> float:
        """Event time from the oldest to the newest stored sample."""
        if not self._t and not self._bins:
            return 0.0
        oldest = self._bins[min(self._bins)].t_first if self._bins else self._t[0]
        newest = self._t[-1] if self._t else self._bins[max(self._bins)].t_last
        return newest - oldest

    def __len__(self) -> int:
        return len(self._t) + len(self._bins)

    @property
    def max_points(self) -> int:
        """The bound on ``len(self)``."""
        return self.raw_max + math.ceil(self.bin_span_s / self.bin_s) + 2

    # -- snapshot -------------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """JSON-able state; ``restore`` rebuilds an identical history (floats round-trip exactly through JSON)."""
        return {
            "v": SNAPSHOT_VERSION,
            "config": [self.raw_span_s, self.raw_max, self.bin_s, self.bin_span_s],
            "raw": [[t, v, r] for t, v, r in zip(self._t, self._v, self._r, strict=True)],
            "bins": [[k, *b.to_list()] for k, b in sorted(self._bins.items())],
            "folded_upto": None if math.isinf(self._folded_upto) else self._folded_upto,
            "newest": None if math.isinf(self._newest) else self._newest,
        }

    @classmethod
    def restore(cls, snapshot: dict[str, Any]) -> GaugeHistory:
        raw_span_s, raw_max, bin_s, bin_span_s = snapshot["config"]
        h = cls(float(raw_span_s), int(raw_max), float(bin_s), float(bin_span_s))
        for t, v, r in snapshot["raw"]:
            h._t.append(float(t))
            h._v.append(float(v))
            h._r.append(None if r is None else float(r))
        for item in snapshot["bins"]:
            h._bins[int(item[0])] = Bin.from_list(item[1:])
        folded, newest = snapshot.get("folded_upto"), snapshot.get("newest")
        h._folded_upto = -math.inf if folded is None else float(folded)
        h._newest = -math.inf if newest is None else float(newest)
        return h
