"""Sensor faults of a river gauge, told apart from the river: spikes, a frozen sensor, gaps.

Why this matters: a drought or flood warning raised by a broken sensor costs trust that the next true warning
needs. So faults are never read as water: a spike is kept out of the history (and so out of the forecast), a
frozen sensor or a gap is reported as a fault state, not as "the river stopped moving" or "the river is fine".

- **Spike**: a sample far from the robust local level, ``|x - median| > max(k * 1.4826 * MAD, floor)`` over the
  last raw samples (up to 24 within 3 h). A real step or a fast flood rise also starts with one such sample, so a
  suspect sample is held back and judged by the next one: if the next sample stays on the same side (at least
  half as far out), both are real and accepted (one sample of delay); if it returns, the suspect was a spike and
  is dropped. With fewer than ``min_neighbours`` recent samples (a daily gauge) nothing is judged: at that cadence
  a spike cannot be told from a change. Rain at the gauge excuses a rise.
- **Frozen**: the identical value for ``frozen_after_s`` (6 h) and at least ``min_repeats`` samples, from a
  sensor that has shown variation before (a river that never varied in our data is not evidence of a fault).
- **Gap**: no sample for more than three of the gauge's own median sampling intervals (cadence-agnostic: the
  median of the last intervals seen, 300 s until known).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAD_TO_SD = 1.4826
DEFAULT_INTERVAL_S = 300.0
GAP_INTERVALS = 3.0
RAIN_EXCUSES_RISE_MM_H = 0.5

Sample = tuple[float, float, float | None]
"""``(event time s, value, rain mm/h or None)``."""


def robust_level(values: Sequence[float]) -> tuple[float, float]:
    """Median and MAD (median absolute deviation) of ``values`` (not empty)."""
    med = statistics.median(values)
    mad = statistics.median([abs(v - med) for v in values])
    return med, mad


def spike_limit(median: float, mad: float, k: float, floor: float) -> float:
    """How far from the median a sample may lie before it is suspect."""
    return max(k * MAD_TO_SD * mad, floor)


def is_spike(value: float, neighbours: Sequence[float], k: float = 6.0, floor: float = 0.0) -> bool:
    """True if ``value`` is far from the robust level of ``neighbours`` (its recent accepted samples)."""
    if not neighbours:
        return False
    med, mad = robust_level(neighbours)
    return abs(value - med) > spike_limit(med, mad, k, floor)


@dataclass(slots=True)
class SpikeGate:
    """Holds back one suspect sample until the next sample says whether it was a spike or a real change."""

    k: float = 6.0
    rel_floor: float = 0.03
    abs_floor: float = 0.0
    lookback_s: float = 3 * 3600.0
    min_neighbours: int = 6
    max_neighbours: int = 24
    pending: Sample | None = None
    spikes: int = 0

    def offer(self, sample: Sample, recent: Sequence[tuple[float, float]]) -> list[Sample]:
        """Judge ``sample`` against ``recent`` accepted ``(t, value)``; return the samples to accept now, in order."""
        ref = self._reference(sample[0], recent)
        accepted: list[Sample] = []
        if self.pending is not None:
            held, self.pending = self.pending, None
            if ref is not None and _confirms(held[1], sample[1], ref[0]):
                return [held, sample]
            self.spikes += 1
        if ref is not None and self._suspect(sample, ref):
            self.pending = sample
            return accepted
        accepted.append(sample)
        return accepted

    def _reference(self, t: float, recent: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
        values = [v for ts, v in recent if t - self.lookback_s <= ts < t]
        if len(values) < self.min_neighbours:
            return None
        return robust_level(values)

    def _suspect(self, sample: Sample, ref: tuple[float, float]) -> bool:
        med, mad = ref
        deviation = sample[1] - med
        rain = sample[2]
        if deviation > 0 and rain is not None and rain >= RAIN_EXCUSES_RISE_MM_H:
            return False
        floor = max(self.abs_floor, self.rel_floor * abs(med))
        return abs(deviation) > spike_limit(med, mad, self.k, floor)

    def snapshot(self) -> dict[str, Any]:
        return {"pending": None if self.pending is None else list(self.pending), "spikes": self.spikes}

    def restore_state(self, snap: dict[str, Any]) -> None:
        p = snap.get("pending")
        self.pending = None if p is None else (float(p[0]), float(p[1]), None if p[2] is None else float(p[2]))
        self.spikes = int(snap.get("spikes", 0))


def _confirms(held: float, following: float, median: float) -> bool:
    """The sample after a suspect one confirms it if it lies on the same side, at least half as far out."""
    d_held, d_next = held - median, following - median
    return d_held * d_next > 0 and abs(d_next) >= 0.5 * abs(d_held)


@dataclass(slots=True)
class FrozenDetector:
    """Tracks the current run of identical values; frozen once it lasts long enough from a sensor that varied."""

    frozen_after_s: float = 6 * 3600.0
    min_repeats: int = 3
    run_value: float | None = None
    run_start: float = 0.0
    run_last: float = 0.0
    run_count: int = 0
    varied: bool = False

    def observe(self, t: float, value: float) -> None:
        """Feed samples in event-time order (late samples are not fed)."""
        if self.run_value is not None and value == self.run_value:
            self.run_last = t
            self.run_count += 1
            return
        if self.run_value is not None:
            self.varied = True
        self.run_value, self.run_start, self.run_last, self.run_count = value, t, t, 1

    @property
    def frozen(self) -> bool:
        return (
            self.varied and self.run_count >= self.min_repeats and self.run_last - self.run_start >= self.frozen_after_s
        )

    @property
    def frozen_hours(self) -> float:
        return (self.run_last - self.run_start) / 3600.0

    def snapshot(self) -> dict[str, Any]:
        return {
            "value": self.run_value,
            "start": self.run_start,
            "last": self.run_last,
            "count": self.run_count,
            "varied": self.varied,
        }

    def restore_state(self, snap: dict[str, Any]) -> None:
        v = snap.get("value")
        self.run_value = None if v is None else float(v)
        self.run_start = float(snap["start"])
        self.run_last = float(snap["last"])
        self.run_count = int(snap["count"])
        self.varied = bool(snap["varied"])


@dataclass(slots=True)
class IntervalTracker:
    """The gauge's own sampling interval: the median of the last ``size`` positive intervals."""

    size: int = 15
    intervals: list[float] = field(default_factory=list)
    last_t: float | None = None

    def observe(self, t: float) -> None:
        if self.last_t is not None and t > self.last_t:
            self.intervals.append(t - self.last_t)
            if len(self.intervals) > self.size:
                del self.intervals[0]
        if self.last_t is None or t > self.last_t:
            self.last_t = t

    def median_interval_s(self, default: float = DEFAULT_INTERVAL_S) -> float:
        return statistics.median(self.intervals) if self.intervals else default

    def snapshot(self) -> dict[str, Any]:
        return {"intervals": list(self.intervals), "last_t": self.last_t}

    def restore_state(self, snap: dict[str, Any]) -> None:
        self.intervals = [float(x) for x in snap.get("intervals", [])]
        last = snap.get("last_t")
        self.last_t = None if last is None else float(last)


def is_gap(last_t: float, now_t: float, median_interval_s: float, intervals: float = GAP_INTERVALS) -> bool:
    """True when nothing arrived for more than ``intervals`` median sampling intervals."""
    return now_t - last_t > intervals * median_interval_s
