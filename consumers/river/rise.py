"""Short-range stage forecast for a rising river: the next 6 hours from the gauge's own last hour, with a band.

Why another forecast: the 72-hour forecast (``consumers.river.forecast``) is a low-flow recession, made for
drought warnings; during a flood it draws a falling band under a rising river (in the demo flood its median sat at
1.7-2.6 m while the gauge read 4.16 m and rising). Flood response needs depths for the next hours. This model is
deliberately simple, so that an operator can check it against the chart: "rising 1.6 m/h over the last hour".

**Model** (method code ``"rate-damped"``): a least-squares line through the readings of the last hour (never fewer
than ``min_points`` readings, so a slower gauge looks further back) gives the level now (the line at the newest
reading: less noisy than the last reading) and the rate of rise ``r``. A rise does not go on for ever, so the rate
is damped with lead time, ``r * exp(-h / tau)``, and the median rises by ``r * tau * (1 - exp(-h / tau))``: never
more than ``r * tau`` however long the lead. Rain at the gauge (``rain_mm_h``, mean of the last hour) keeps a rise
going: it lengthens ``tau`` by ``rain_mm_h / rain_ref_mm_h`` times (so rain raises a rising forecast, and does
nothing to a flat one: rain on a river that does not rise has not reached it, or never will).

**Variants** (``VARIANTS``; measured with ``python -m consumers.river evaluate-rise``, numbers in
docs/river-rise.md): ``rate`` (the line extended, undamped), ``rate-damped`` (damped, no rain),
``rate-rain`` (damped, plus rain as an extra rate of ``rain_gain`` of the gauge's flood band per hour per mm/h) and
``rate-damped-rain`` (damped, rain lengthens the damping time: the default). The kept one is ``DEFAULT``.

**Band** (80 %, like the 72-hour band): the fit's prediction interval for a new reading (residual variance, the
level's and the rate's uncertainty carried along the damped path) plus an uncertainty of ``rise_sd_fraction`` of
the forecast rise itself (how fast a rise slows is the least known part), so the band widens with lead time.

**When**: only for rises and high water. With a rate under ``min_rate_fraction`` of the gauge's flood band
(``flood_warning - normal``) per hour, as the rate-of-rise warning (``consumers.river.warnings``), and the level
under the flood warning level, the answer is None; the 72-hour recession forecast stays the one shown.

Pure: no clock, no I/O; time is event time in epoch seconds. A gauge's model sees only its own readings (gauges
upstream are combined city-wide in ``consumers.flood``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

HOUR_S = 3600.0
Z80 = 1.2815515655446004
"""The 90 % quantile of the standard normal: low and high bound a central 80 % interval."""


@dataclass(frozen=True, slots=True)
class RiseConfig:
    """The knobs of the rise forecast; the defaults are the kept variant (``DEFAULT``, measured in
    docs/river-rise.md)."""

    method: str = "damped-rain"
    """The short code the view and the chart's label carry."""
    horizon_h: float = 6.0
    step_h: float = 0.5
    fit_window_h: float = 0.5
    """Least squares over the readings of the last half hour (at least ``min_points`` readings)."""
    min_points: int = 4
    short_window_h: float | None = 0.25
    """A rise that has slowed over this last part of the window uses the slower rate (None: never)."""
    min_rate_fraction: float = 0.02
    """A rise is at least this fraction of the flood band per hour (as the rate-of-rise warning)."""
    damping_h: float | None = 1.0
    """e-folding time of the rate in rain (None: undamped)."""
    rain_mode: str = "wet"
    """How rain at the gauge counts: ``none``; ``wet`` (the kept one: without rain the rate is damped
    ``1 / dry_damping_fraction`` times faster); ``hold`` (rain lengthens the damping time by a damping time per
    ``rain_ref_mm_h``); ``add`` (rain adds a rate of rise of ``rain_gain`` of the flood band per hour per mm/h)."""
    rain_ref_mm_h: float = 2.0
    """``wet``: rain from which the rise is fully sustained (2 mm/h: steady rain); ``hold``: rain per damping time."""
    dry_damping_fraction: float = 0.25
    """``wet``: the damping time without rain, as a fraction of the damping time in rain."""
    rain_gain: float = 0.01
    """``add``: the rise per hour, as a fraction of the flood band, that 1 mm/h of rain adds."""
    rise_sd_fraction: float = 1.25
    """The band's uncertainty of the forecast rise itself, as a fraction of it (how fast a rise slows is the
    least known part; calibrated to about 80 % of observations inside at 1 h on the demo flood)."""


VARIANTS: dict[str, RiseConfig] = {
    "rate-1h": RiseConfig(method="rate-1h", fit_window_h=1.0, short_window_h=None, damping_h=None, rain_mode="none"),
    "damped-1h": RiseConfig(method="damped-1h", fit_window_h=1.0, short_window_h=None, damping_h=1.5, rain_mode="none"),
    "damped": RiseConfig(method="damped", rain_mode="none"),
    "damped-rain-hold": RiseConfig(method="damped-rain-hold", rain_mode="hold", rain_ref_mm_h=10.0),
    "damped-rain-add": RiseConfig(method="damped-rain-add", rain_mode="add"),
    "damped-rain": RiseConfig(),
}
"""Every variant measured; ``python -m consumers.river evaluate-rise`` scores them all side by side."""
DEFAULT = VARIANTS["damped-rain"]


@dataclass(frozen=True, slots=True)
class RiseForecast:
    """A rise forecast issued at ``issue_t`` (the newest reading's event time): points every ``step_h``."""

    issue_t: float
    method: str
    t: tuple[float, ...]
    median: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    rate_per_hour: float
    rain_mm_h: float

    def at(self, lead_h: float, which: str = "median") -> float:
        """The median (or ``"low"``/``"high"`` bound) ``lead_h`` hours after issue, linear between points."""
        ys = {"median": self.median, "low": self.low, "high": self.high}[which]
        x = self.issue_t + lead_h * HOUR_S
        if x <= self.t[0]:
            return ys[0]
        for i in range(1, len(self.t)):
            if x <= self.t[i]:
                f = (x - self.t[i - 1]) / (self.t[i] - self.t[i - 1])
                return ys[i - 1] + f * (ys[i] - ys[i - 1])
        return ys[-1]

    def hours_until_above(self, level: float) -> float | None:
        """Hours from issue until the median first reaches ``level`` (None within the horizon)."""
        for i, m in enumerate(self.median):
            if m >= level:
                if i == 0:
                    return 0.0
                prev = self.median[i - 1]
                f = (level - prev) / (m - prev) if m != prev else 1.0
                return (self.t[i - 1] + f * (self.t[i] - self.t[i - 1]) - self.issue_t) / HOUR_S
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "issue_t": self.issue_t,
            "method": self.method,
            "t": list(self.t),
            "median": list(self.median),
            "low": list(self.low),
            "high": list(self.high),
            "rate_per_hour": self.rate_per_hour,
            "rain_mm_h": self.rain_mm_h,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RiseForecast:
        return cls(
            issue_t=float(d["issue_t"]),
            method=str(d["method"]),
            t=tuple(float(x) for x in d["t"]),
            median=tuple(float(x) for x in d["median"]),
            low=tuple(float(x) for x in d["low"]),
            high=tuple(float(x) for x in d["high"]),
            rate_per_hour=float(d["rate_per_hour"]),
            rain_mm_h=float(d["rain_mm_h"]),
        )


@dataclass(frozen=True, slots=True)
class _Line:
    level: float
    """The fitted level at the newest reading."""
    rate: float
    """Per hour."""
    resid_sd: float
    level_sd: float
    rate_sd: float


def fit_line(samples: Sequence[tuple[float, float]]) -> _Line | None:
    """Least-squares line of ``(t, value)`` in hours before the newest reading (None under three readings)."""
    n = len(samples)
    if n < 3:
        return None
    t_end = samples[-1][0]
    xs = [(t - t_end) / HOUR_S for t, _ in samples]
    ys = [v for _, v in samples]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx <= 0:
        return None
    rate = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    level = my - rate * mx
    ssr = sum((y - (level + rate * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    resid_sd = math.sqrt(ssr / (n - 2)) if n > 2 else 0.0
    level_sd = resid_sd * math.sqrt(1.0 / n + mx * mx / sxx)
    return _Line(level, rate, resid_sd, level_sd, resid_sd / math.sqrt(sxx))


def fit_window(samples: Sequence[tuple[float, float]], config: RiseConfig) -> list[tuple[float, float]]:
    """The readings the line is fitted to: the last ``fit_window_h``, or the last ``min_points`` if more."""
    if not samples:
        return []
    since = samples[-1][0] - config.fit_window_h * HOUR_S
    recent = [s for s in samples if s[0] >= since]
    return recent if len(recent) >= config.min_points else list(samples[-config.min_points :])


def mean_rain(rain: Sequence[tuple[float, float]], since_t: float, n_readings: int) -> float:
    """Mean rain intensity (mm/h) over ``n_readings`` readings since ``since_t``; ``rain`` lists only wet ones."""
    wet = sum(r for t, r in rain if t >= since_t)
    return wet / max(n_readings, 1)


def rise_forecast(
    samples: Sequence[tuple[float, float]],
    rain: Sequence[tuple[float, float]],
    band: float,
    high_level: float,
    config: RiseConfig = DEFAULT,
) -> RiseForecast | None:
    """The rise forecast from a gauge's recent readings (time-ordered) and its wet readings' rain (mm/h).

    ``band`` is the gauge's flood band (``flood_warning - normal``, in its unit) and ``high_level`` the level from
    which the river is high water (its flood warning level). None when the river neither rises nor is high.
    """
    used = fit_window(samples, config)
    line = fit_line(used)
    if line is None:
        return None
    band = max(band, 1e-9)
    rising = line.rate >= config.min_rate_fraction * band
    if not rising and max(line.level, samples[-1][1]) < high_level:
        return None
    issue_t = samples[-1][0]
    rain_now = mean_rain(rain, used[0][0], len(used))
    rate, tau = line.rate, config.damping_h
    if config.short_window_h is not None and rate > 0:
        short = fit_line(fit_window(used, replace(config, fit_window_h=config.short_window_h)))
        if short is not None:
            rate = min(rate, short.rate)
    extra_rate = 0.0
    if config.rain_mode == "hold" and tau is not None and rate > 0:
        tau *= 1.0 + rain_now / config.rain_ref_mm_h
    elif config.rain_mode == "wet" and tau is not None and rate > 0:
        wet = min(1.0, rain_now / config.rain_ref_mm_h)
        tau *= config.dry_damping_fraction + (1.0 - config.dry_damping_fraction) * wet
    elif config.rain_mode == "add":
        extra_rate = config.rain_gain * band * rain_now
    n_steps = round(config.horizon_h / config.step_h)
    ts, med, low, high = [], [], [], []
    for i in range(n_steps + 1):
        h = i * config.step_h
        reach = h if tau is None else tau * (1.0 - math.exp(-h / tau))
        rise = (rate + extra_rate) * reach
        m = line.level + rise
        sd = math.sqrt(
            line.resid_sd**2 * (1.0 if i else 0.0)
            + line.level_sd**2
            + (line.rate_sd * reach) ** 2
            + (config.rise_sd_fraction * rise) ** 2
        )
        ts.append(issue_t + h * HOUR_S)
        med.append(m)
        low.append(m - Z80 * sd)
        high.append(m + Z80 * sd)
    return RiseForecast(
        issue_t=issue_t,
        method=config.method,
        t=tuple(ts),
        median=tuple(med),
        low=tuple(low),
        high=tuple(high),
        rate_per_hour=rate,
        rain_mm_h=rain_now,
    )
