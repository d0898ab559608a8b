"""72-hour forecast of a gauge from its own history: a low-flow recession fitted online, with an 80 % band.

Why a recession: between rains a river is fed by storage that drains roughly exponentially, the classic
low-flow recession ``Q(t) = Q0 * K^t`` with K around 0.9-0.99 per day (DESIGN.md, reference facts). It needs no
rain forecast and no catchment model, only the gauge's last days, and a person can check it: "falling 3 % a day
since the rain of Tuesday". For a value above a base level ``b`` the model is

    x(t) = b + (x0 - b) * K^t,   fitted as   log(x - b) = a + log(K) * t   by weighted least squares

over the current **recession segment**: the time since the last rain of at least 0.5 mm/h and since the last
significant rise (a point more than a tolerance below a later one: the larger of 5 % of the level and four times
the sample noise). On sub-daily data the rise test runs on the trailing 24-hour mean, so that a daily cycle does
not cut the segment every afternoon. The choices below were measured on ``consumers.river.scenarios`` and on the
same scenarios with other seeds (held out from the tuning); the numbers are in the package's report.

- **Storm runoff is skipped**: the fit ignores the first 48 h of a segment (after a rise, rain or the start of the
  record). Those days drain quickflow, several times faster than the baseflow that sets a drought, and a fit on
  them raised false drought warnings in every wet spell.
- **A full day of data** (24 h after the skip, at least three points) before a recession is fitted; shorter fits on
  sub-daily data mistook the afternoon dip for a trend.
- **No faster than K = 0.9 per day**: a steeper fitted decline is still storm runoff and does not continue; the
  median uses K = 0.9 then (the fitted K is kept in ``extra["k_fitted"]``).
- **Recent data weigh more**: weights halve every 24 h back (never fewer than three sampling intervals, so a daily
  gauge keeps enough points). A recession flattens as it goes on; the current rate predicts the next days better
  than the segment's average rate (measured: it halved the share of observations above the band at 72 h).
- **The daily cycle** (evaporation makes low flows dip in the afternoon) is one sine/cosine pair of the time of day,
  fitted when the segment has a full day at 3-hourly or finer spacing, so the forecast shows the troughs where a
  threshold is crossed first.
- **The base is 0**, for discharge (flow tends to zero) and for stage. A stage recession really flattens towards
  the cease-to-flow stage, so ``fit_base=True`` chooses ``b`` by a profile search over fractions of the segment's
  minimum (least squares in the original units); measured, it made the band overconfident (45 % of stage
  observations under the low bound at 72 h) and cost 72-hour hits on the 15-minute stage scenario. Base 0
  over-predicts the fall of a stage recession, which errs towards an earlier warning.

**Band**: the prediction interval of the weighted fit for a new observation, in log space: residual variance,
plus the parameter uncertainty at the lead time (inflated by ``(1 + rho) / (1 - rho)`` for the lag-1
autocorrelation rho of the residuals: correlated noise carries less information than its count suggests), plus a
model drift of 1 % per day of lead (the recession rate itself changes). Calibrated on the scenarios: about 80 % of
observations fall inside at 24, 48 and 72 h. Points are hourly from 0 to 72 h; low and high are the 10 % and 90 %
quantiles, and ``low <= median <= high`` always.

If the segment is too short or not falling, the forecast is **persistence** (the mean of the last three hours) with
a wide band that grows with the lead time and a low confidence: never nothing.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

HOUR_S = 3600.0
DAY_S = 86400.0
Z80 = 1.2815515655446004
"""The 90 % quantile of the standard normal: low and high bounds bound a central 80 % interval."""
MAX_LOG_SPREAD = 10.0
"""Bounds never sit more than e^10 times the distance to the base away from the median (keeps them finite)."""
BASE_FRACTIONS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


@dataclass(frozen=True, slots=True)
class ForecastConfig:
    """Tuning of the forecast; the defaults are the ones measured in ``consumers.river.scenarios``."""

    horizon_h: int = 72
    skip_after_rise_h: float = 48.0
    """Storm runoff: the first hours of a segment that the fit ignores."""
    min_segment_h: float = 24.0
    min_points: int = 3
    rise_tol_rel: float = 0.05
    rise_tol_noise: float = 4.0
    smooth_max_spacing_h: float = 3.0
    """Data at this spacing or finer is tested for rises on its trailing daily mean."""
    half_life_h: float = 24.0
    half_life_points: float = 3.0
    min_k_per_day: float = 0.9
    drift_per_day: float = 0.01
    diurnal_min_h: float = 24.0
    diurnal_min_points: int = 18
    diurnal_max_spacing_h: float = 3.0
    fit_base: bool = False
    base_min_h: float = 72.0
    base_min_points: int = 12
    persistence_sd: float = 0.05
    persistence_growth_per_day: float = 0.1
    max_eta_h: float = 30 * 24.0


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    """One hourly point: the median and the 80 % band."""

    t: float
    median: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Forecast:
    """A forecast issued at ``issue_t`` (the newest sample's event time) for 0..horizon hours."""

    issue_t: float
    points: tuple[ForecastPoint, ...]
    method: str
    """``"recession"`` or ``"persistence"``."""
    k_per_day: float | None
    """Recession constant per day the median uses: the fitted one, at most as fast as 0.9 (None for persistence)."""
    segment_hours: float
    """Hours of data the fit used, after the skipped storm runoff (for persistence: what there was)."""
    base: float
    trend_level: float
    """The fitted level at the issue time without the daily cycle (the persistence level for persistence)."""
    confidence: float
    """0..1: low for persistence; for a recession (segment length / 72 h, capped at 1) times the fit's R²."""
    diurnal: bool = False
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    def min_within(self, hours: float) -> float:
        """The lowest median within ``hours`` of the issue time."""
        return min(p.median for p in self._within(hours))

    def low_within(self, hours: float) -> float:
        """The lowest low bound within ``hours`` of the issue time."""
        return min(p.low for p in self._within(hours))

    def quantile_within(self, hours: float, z: float) -> float:
        """The lowest ``z``-sigma lower quantile within ``hours`` (``z = Z80`` is the low bound, 0 the median).

        Read off the stored band: in log space above the base for a recession, linearly for persistence.
        """
        return min(self._quantile(p, z) for p in self._within(hours))

    def _quantile(self, p: ForecastPoint, z: float) -> float:
        if self.method != "recession":
            return p.median - (p.median - p.low) * z / Z80
        med, low = p.median - self.base, max(p.low - self.base, 1e-300)
        return self.base + med * (low / med) ** (z / Z80)

    def _within(self, hours: float) -> list[ForecastPoint]:
        end = self.issue_t + hours * HOUR_S
        return [p for p in self.points if p.t <= end] or [self.points[0]]

    def hours_until_below(self, threshold: float, which: str = "median") -> float | None:
        """Hours from the issue time until the median (or ``"low"`` bound) first falls below ``threshold``."""
        prev: ForecastPoint | None = None
        for p in self.points:
            v = p.median if which == "median" else p.low
            if v < threshold:
                if prev is None:
                    return 0.0
                pv = prev.median if which == "median" else prev.low
                frac = (pv - threshold) / (pv - v) if pv != v else 1.0
                return (prev.t - self.issue_t + frac * (p.t - prev.t)) / HOUR_S
            prev = p
        return None

    def eta_hours(self, threshold: float) -> float | None:
        """Expected hours until the median crosses ``threshold``: from the points, else the trend extended."""
        within = self.hours_until_below(threshold)
        if within is not None:
            return within
        if self.method != "recession" or self.k_per_day is None or not 0.0 < self.k_per_day < 1.0:
            return None
        if threshold <= self.base or self.trend_level <= threshold:
            return None
        days = math.log((threshold - self.base) / (self.trend_level - self.base)) / math.log(self.k_per_day)
        hours = days * 24.0
        return hours if hours <= float(self.extra.get("max_eta_h", 720.0)) else None

    def prob_below(self, threshold: float, hours: float) -> float:
        """Probability (from the band) that the value at ``hours`` after issue is below ``threshold``."""
        p = self._within(hours)[-1]
        if self.method == "recession":
            if threshold <= self.base:
                return 0.0
            span = math.log(p.median - self.base) - math.log(max(p.low - self.base, 1e-300))
            sd = span / Z80
            z = (math.log(threshold - self.base) - math.log(p.median - self.base)) / sd if sd > 0 else math.inf
        else:
            sd = (p.median - p.low) / Z80
            z = (threshold - p.median) / sd if sd > 0 else math.inf
        if math.isinf(z):
            return 1.0 if threshold > p.median else 0.0
        return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "issue_t": self.issue_t,
            "points": [[p.t, p.median, p.low, p.high] for p in self.points],
            "method": self.method,
            "k_per_day": self.k_per_day,
            "segment_hours": self.segment_hours,
            "base": self.base,
            "trend_level": self.trend_level,
            "confidence": self.confidence,
            "diurnal": self.diurnal,
            "note": self.note,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Forecast:
        k = d.get("k_per_day")
        return cls(
            issue_t=float(d["issue_t"]),
            points=tuple(ForecastPoint(float(t), float(m), float(lo), float(hi)) for t, m, lo, hi in d["points"]),
            method=str(d["method"]),
            k_per_day=None if k is None else float(k),
            segment_hours=float(d["segment_hours"]),
            base=float(d["base"]),
            trend_level=float(d["trend_level"]),
            confidence=float(d["confidence"]),
            diurnal=bool(d.get("diurnal", False)),
            note=str(d.get("note", "")),
            extra={str(key): float(v) for key, v in d.get("extra", {}).items()},
        )


# -- preparing the data ---------------------------------------------------------------------------------------


def hourly_points(series: Sequence[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Mean time and mean value per clock hour: raw minutes and hourly bins weigh alike in the fit."""
    ts: list[float] = []
    xs: list[float] = []
    key: int | None = None
    t_acc = x_acc = 0.0
    n = 0
    for t, x in series:
        k = math.floor(t / HOUR_S)
        if k != key and n:
            ts.append(t_acc / n)
            xs.append(x_acc / n)
            t_acc = x_acc = 0.0
            n = 0
        key = k
        t_acc += t
        x_acc += x
        n += 1
    if n:
        ts.append(t_acc / n)
        xs.append(x_acc / n)
    return ts, xs


def noise_sd(xs: Sequence[float]) -> float:
    """Robust sample noise from second differences (insensitive to a trend): MAD * 1.4826 / sqrt(6)."""
    if len(xs) < 4:
        return 0.0
    d2 = [xs[i + 1] - 2 * xs[i] + xs[i - 1] for i in range(1, len(xs) - 1)]
    med = statistics.median(d2)
    return statistics.median([abs(d - med) for d in d2]) * 1.4826 / math.sqrt(6.0)


def trailing_day_mean(ts: Sequence[float], xs: Sequence[float]) -> list[float]:
    """Mean of the last 24 h of points at each point: hides a daily cycle from the segment's rise test."""
    out: list[float] = []
    j = 0
    acc = 0.0
    for i, (t, x) in enumerate(zip(ts, xs, strict=True)):
        acc += x
        while ts[j] <= t - DAY_S:
            acc -= xs[j]
            j += 1
        out.append(acc / (i - j + 1))
    return out


def segment_start(ts: Sequence[float], xs: Sequence[float], last_rain_t: float | None, rise_tol: float) -> int:
    """Index of the first point of the current recession segment.

    Walking back from the newest point, the segment goes on while no later point lies more than ``rise_tol``
    above the earlier one (no significant rise inside) and the point is after the last rain.
    """
    start = len(xs) - 1
    later_max = xs[-1]
    for i in range(len(xs) - 2, -1, -1):
        if last_rain_t is not None and ts[i] <= last_rain_t:
            break
        if xs[i] < later_max - rise_tol:
            break
        later_max = max(later_max, xs[i])
        start = i
    if last_rain_t is not None and ts[start] <= last_rain_t:
        start += 1
    return start


# -- fitting ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fit:
    base: float
    beta: np.ndarray
    cov_unscaled: np.ndarray
    s2: float
    inflation: float
    r2: float
    sse_x: float
    diurnal: bool


def _design(ts: np.ndarray, t_issue: float, diurnal: bool) -> np.ndarray:
    tau = (ts - t_issue) / DAY_S
    cols = [np.ones_like(tau), tau]
    if diurnal:
        phase = 2.0 * math.pi * np.mod(ts, DAY_S) / DAY_S
        cols += [np.sin(phase), np.cos(phase)]
    return np.column_stack(cols)


def _fit_log_linear(
    ts: np.ndarray, xs: np.ndarray, w: np.ndarray, base: float, t_issue: float, diurnal: bool
) -> _Fit | None:
    y = np.log(xs - base)
    design = _design(ts, t_issue, diurnal)
    p = design.shape[1]
    sw = np.sqrt(w)
    xtwx = design.T @ (design * w[:, None])
    try:
        cov = np.linalg.inv(xtwx)
    except np.linalg.LinAlgError:
        return None
    beta = cov @ (design.T @ (w * y))
    resid = y - design @ beta
    dof = float(w.sum()) - p
    if dof <= 0.5:
        return None
    s2 = float((w * resid**2).sum()) / dof
    y_mean = float((w * y).sum() / w.sum())
    ss_tot = float((w * (y - y_mean) ** 2).sum())
    r2 = 1.0 - float((w * resid**2).sum()) / ss_tot if ss_tot > 0 else 0.0
    rho = _lag1(resid * sw)
    sse_x = float((w * (xs - base - np.exp(design @ beta)) ** 2).sum())
    return _Fit(base, beta, cov, s2, (1.0 + rho) / (1.0 - rho), max(0.0, r2), sse_x, diurnal)


def _lag1(r: np.ndarray) -> float:
    if len(r) < 3:
        return 0.0
    denom = float((r * r).sum())
    if denom <= 0:
        return 0.0
    rho = float((r[1:] * r[:-1]).sum()) / denom
    return min(max(rho, 0.0), 0.9)


def _base_candidates(xs: np.ndarray, cfg: ForecastConfig, span_h: float, is_stage: bool) -> list[float]:
    lo = float(xs.min())
    guard = max(1e-6, 1e-3 * abs(lo))
    if is_stage and cfg.fit_base and span_h >= cfg.base_min_h and len(xs) >= cfg.base_min_points and lo > 0:
        return [f * lo for f in BASE_FRACTIONS]
    if lo > guard:
        return [0.0]
    return [lo - max(guard, 0.05 * (float(xs.max()) - lo))]


def _best_fit(
    ts: np.ndarray, xs: np.ndarray, w: np.ndarray, t_issue: float, diurnal: bool, bases: list[float]
) -> _Fit | None:
    best: _Fit | None = None
    for b in bases:
        fit = _fit_log_linear(ts, xs, w, b, t_issue, diurnal)
        if fit is not None and (best is None or fit.sse_x < best.sse_x):
            best = fit
    return best


# -- forecasting ------------------------------------------------------------------------------------------


def forecast(
    series: Sequence[tuple[float, float]],
    last_rain_t: float | None = None,
    *,
    measure: str = "discharge",
    issue_t: float | None = None,
    config: ForecastConfig | None = None,
) -> Forecast:
    """Forecast from a time-ordered series (``GaugeHistory.series()``) and the time of the last rain."""
    cfg = config or ForecastConfig()
    if not series:
        raise ValueError("a forecast needs at least one sample")
    t_issue = series[-1][0] if issue_t is None else issue_t
    ts_l, xs_l = hourly_points(series)
    start = _segment(ts_l, xs_l, last_rain_t, cfg)
    if start < len(ts_l):
        cut = ts_l[start] + cfg.skip_after_rise_h * HOUR_S
        while start < len(ts_l) and ts_l[start] < cut:
            start += 1
    ts = np.asarray(ts_l[start:], dtype=float)
    xs = np.asarray(xs_l[start:], dtype=float)
    span_h = (t_issue - float(ts[0])) / HOUR_S if len(ts) else 0.0
    if len(ts) < cfg.min_points or span_h < cfg.min_segment_h:
        return persistence(ts_l, xs_l, t_issue, span_h, cfg, "recession segment too short")
    spacing_h = float(np.median(np.diff(ts))) / HOUR_S if len(ts) > 1 else math.inf
    half_life_h = max(cfg.half_life_h, cfg.half_life_points * spacing_h)
    w = np.power(0.5, (t_issue - ts) / HOUR_S / half_life_h)
    diurnal = (
        span_h >= cfg.diurnal_min_h and len(ts) >= cfg.diurnal_min_points and spacing_h <= cfg.diurnal_max_spacing_h
    )
    fit = _best_fit(ts, xs, w, t_issue, diurnal, _base_candidates(xs, cfg, span_h, measure == "stage"))
    if fit is None or fit.beta[1] >= 0.0:
        return persistence(ts_l, xs_l, t_issue, span_h, cfg, "not receding")
    return _recession_forecast(fit, t_issue, span_h, cfg)


def _segment(ts: list[float], xs: list[float], last_rain_t: float | None, cfg: ForecastConfig) -> int:
    """Start of the recession segment; on sub-daily data the rise test runs on the trailing daily mean."""
    sub_daily = len(ts) > 1 and statistics.median(b - a for a, b in pairwise(ts)) <= cfg.smooth_max_spacing_h * HOUR_S
    test = trailing_day_mean(ts, xs) if sub_daily else xs
    tol = max(cfg.rise_tol_rel * abs(test[-1]), cfg.rise_tol_noise * noise_sd(test))
    return segment_start(ts, test, last_rain_t, tol)


def _recession_forecast(fit: _Fit, t_issue: float, span_h: float, cfg: ForecastConfig) -> Forecast:
    times = t_issue + HOUR_S * np.arange(cfg.horizon_h + 1, dtype=float)
    design = _design(times, t_issue, fit.diurnal)
    beta = fit.beta.copy()
    beta[1] = max(float(beta[1]), math.log(cfg.min_k_per_day))
    mean = design @ beta
    param_var = np.einsum("ij,jk,ik->i", design, fit.cov_unscaled, design) * fit.inflation
    drift = cfg.drift_per_day * np.arange(cfg.horizon_h + 1, dtype=float) / 24.0
    sd = np.sqrt(fit.s2 * (1.0 + param_var) + drift**2)
    spread = np.minimum(Z80 * sd, MAX_LOG_SPREAD)
    med = fit.base + np.exp(mean)
    low = fit.base + np.exp(mean - spread)
    high = fit.base + np.exp(mean + spread)
    points = tuple(
        ForecastPoint(float(t), float(m), float(min(lo, m)), float(max(hi, m)))
        for t, m, lo, hi in zip(times, med, low, high, strict=True)
    )
    k = math.exp(float(beta[1]))
    confidence = min(1.0, span_h / cfg.horizon_h) * fit.r2
    return Forecast(
        issue_t=t_issue,
        points=points,
        method="recession",
        k_per_day=k,
        segment_hours=span_h,
        base=fit.base,
        trend_level=fit.base + math.exp(float(fit.beta[0])),
        confidence=max(0.0, min(1.0, confidence)),
        diurnal=fit.diurnal,
        extra={"log_sd": math.sqrt(fit.s2), "max_eta_h": cfg.max_eta_h, "k_fitted": math.exp(float(fit.beta[1]))},
    )


def persistence(
    ts: Sequence[float], xs: Sequence[float], t_issue: float, span_h: float, cfg: ForecastConfig, note: str
) -> Forecast:
    """The current level held flat, with a wide band that grows with the lead time and a low confidence."""
    recent = [x for t, x in zip(ts, xs, strict=True) if t >= t_issue - 3 * HOUR_S] or [xs[-1]]
    level = statistics.fmean(recent)
    scale = max(abs(level), 1e-3)
    rel_sd0 = max(cfg.persistence_sd, noise_sd(xs[-48:]) / scale)
    points = []
    for h in range(cfg.horizon_h + 1):
        rel_sd = math.hypot(rel_sd0, cfg.persistence_growth_per_day * h / 24.0)
        half = Z80 * rel_sd * scale
        points.append(ForecastPoint(t_issue + h * HOUR_S, level, level - half, level + half))
    return Forecast(
        issue_t=t_issue,
        points=tuple(points),
        method="persistence",
        k_per_day=None,
        segment_hours=max(0.0, span_h),
        base=0.0,
        trend_level=level,
        confidence=0.1,
        note=note,
    )
