"""What this gauge's own river did before: the learned chance that the flow falls a given amount within days.

Why learn it: the recession fitted on the last days (``consumers.river.forecast``) sees three to five daily points
after a rain, and its band is wide enough that its low quantile "crosses" the drought level weeks before the
river does: on four real USGS rivers the warning was on for 24-39 % of days, half of them with no low flow in the
next two weeks (docs/drought.md). A river's past answers the question directly: from a flow like today's, while
falling like today, how far did it fall within the next days, and how often did rain stop it? Hydrologists call
the deterministic part of that the master recession curve; here the whole distribution is kept, rain included.

The book: each day (``learn_every_s``) it looks back ``horizon_h`` hours. If the flow then (``q0``) was receding
(not above its value a day before), it records ``x = log(min flow since / q0)``: the deepest relative fall within
the horizon, whatever the weather did. Records are binned by ``q0`` relative to the gauge's normal (bins a factor
``BIN_RATIO`` apart), and each bin keeps cumulative counts of ``x`` below the fixed edges ``0, -STEP, -2 STEP, ...``
(so a bin is a few dozen integers: bounded memory whatever the record length). ``prob_fall`` answers "P(the
flow falls below ``level`` within the horizon | it is ``q`` and receding now)" by interpolating those counts;
it is monotone in ``level`` (a lower drought level is never more likely to be crossed), which keeps the warning's
threshold invariant.

Pure: no clock, no I/O, event time in epoch seconds; the snapshot is plain JSON and restores exactly.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

HOUR_S = 3600.0
DAY_S = 86400.0
BIN_RATIO = 1.25
"""Flow bins are a factor 1.25 apart (a quarter more flow is another bin)."""
BIN_MIN, BIN_MAX = -24, 6
"""Bins from normal / 1.25^24 (about 0.5 % of normal) to normal * 1.25^6 (3.8 x normal); beyond, the edge bin."""
STEP = 0.025
EDGES = 40
"""Falls are counted below 0, -2.5 %, ... to -97.5 % in log (a fall to 38 %); deeper ones count at the last edge,
and a level that only a deeper fall reaches is not reached (``prob_fall``)."""
SNAPSHOT_VERSION = 1


@dataclass(slots=True)
class RecessionBook:
    """The learned distribution of the deepest fall within ``horizon_h`` from a receding flow, binned by flow."""

    normal: float
    horizon_h: float = 120.0
    learn_every_s: float = DAY_S
    tol_s: float = 3 * HOUR_S
    """A past value is read from the history point nearest the time looked back to, if it is this close."""
    bins: dict[int, list[int]] = field(default_factory=dict)
    """Per bin: ``[n, c_0, c_1, ..., c_EDGES-1]`` with ``c_j`` the records with ``x < -j * STEP``."""
    first_t: float | None = None
    last_learn_t: float | None = None
    records: int = 0

    # -- learning ---------------------------------------------------------------------------------------------

    def learn(self, t: float, series: Sequence[tuple[float, float]]) -> bool:
        """Record the fall that ended at ``t`` if a day has passed since the last record; True if it recorded.

        ``series`` is the gauge's time-ordered history (``GaugeHistory.series()``); it must reach back
        ``horizon_h + 24`` hours for a record (eight days of hourly bins do for horizons up to a week).
        """
        if self.first_t is None:
            self.first_t = t
        if self.last_learn_t is not None and t - self.last_learn_t < self.learn_every_s:
            return False
        times = [p[0] for p in series]
        t0 = t - self.horizon_h * HOUR_S
        i0 = _nearest(times, t0, self.tol_s)
        ip = _nearest(times, t0 - DAY_S, self.tol_s)
        if i0 is None or ip is None:
            return False
        q0, q_prev = series[i0][1], series[ip][1]
        if not (q0 > 0 and q0 <= q_prev):
            self.last_learn_t = t
            return False
        low = min(v for _, v in series[i0 + 1 :]) if i0 + 1 < len(series) else q0
        x = math.log(max(low, 1e-12) / q0)
        self._add(self.bin_of(q0), x)
        self.last_learn_t = t
        self.records += 1
        return True

    def _add(self, key: int, x: float) -> None:
        counts = self.bins.get(key)
        if counts is None:
            counts = self.bins[key] = [0] * (EDGES + 1)
        counts[0] += 1
        for j in range(EDGES):
            if x < -j * STEP:
                counts[1 + j] += 1
            else:
                break

    # -- reading ----------------------------------------------------------------------------------------------

    def bin_of(self, q: float) -> int:
        ratio = max(q, 1e-12) / max(self.normal, 1e-12)
        return max(BIN_MIN, min(BIN_MAX, math.floor(math.log(ratio) / math.log(BIN_RATIO))))

    def count(self, q: float) -> int:
        """Records learned at flows like ``q`` (its bin)."""
        counts = self.bins.get(self.bin_of(q))
        return 0 if counts is None else counts[0]

    def history_days(self, t: float) -> float:
        """Days of event time the book has watched the gauge."""
        return 0.0 if self.first_t is None else max(0.0, (t - self.first_t) / DAY_S)

    def prob_fall(self, q: float, level: float) -> float | None:
        """P(the flow falls below ``level`` within the horizon | ``q`` now, receding); None with no records.

        Interpolated linearly between the edges; 1 at or below ``level`` already; 0 when reaching ``level`` takes a
        fall deeper than the last edge (to 38 % of ``q`` within the horizon). Why 0 and not the share that fell past
        the last edge: falls that deep are floods receding, and that share, an upper bound, made every fast-receding
        flood "likely" to cross a drought level many times lower (on 35 years of 03015500: 388 false drought
        warnings, raised at a median 20 times the level; docs/drought.md).
        """
        if q < level:
            return 1.0
        counts = self.bins.get(self.bin_of(q))
        if counts is None or counts[0] == 0:
            return None
        need = math.log(max(level, 1e-12) / q) / -STEP
        n = counts[0]
        j = math.floor(need)  # how many edges down the fall must reach (>= 0)
        if j >= EDGES - 1:
            return 0.0
        frac = need - j
        return ((1.0 - frac) * counts[1 + j] + frac * counts[2 + j]) / n

    # -- snapshot ---------------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "v": SNAPSHOT_VERSION,
            "normal": self.normal,
            "horizon_h": self.horizon_h,
            "learn_every_s": self.learn_every_s,
            "tol_s": self.tol_s,
            "bins": [[k, *c] for k, c in sorted(self.bins.items())],
            "first_t": self.first_t,
            "last_learn_t": self.last_learn_t,
            "records": self.records,
        }

    @classmethod
    def restore(cls, snap: dict[str, Any]) -> RecessionBook:
        if snap.get("v") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported recession book version {snap.get('v')!r}")
        first, last = snap.get("first_t"), snap.get("last_learn_t")
        return cls(
            normal=float(snap["normal"]),
            horizon_h=float(snap["horizon_h"]),
            learn_every_s=float(snap["learn_every_s"]),
            tol_s=float(snap["tol_s"]),
            bins={int(row[0]): [int(c) for c in row[1:]] for row in snap["bins"]},
            first_t=None if first is None else float(first),
            last_learn_t=None if last is None else float(last),
            records=int(snap["records"]),
        )


def _nearest(times: Sequence[float], t: float, tol: float) -> int | None:
    """Index of the time nearest ``t`` if within ``tol``."""
    i = bisect.bisect_left(times, t)
    best: int | None = None
    for j in (i - 1, i):
        if (
            0 <= j < len(times)
            and abs(times[j] - t) <= tol
            and (best is None or abs(times[j] - t) < abs(times[best] - t))
        ):
            best = j
    return best
