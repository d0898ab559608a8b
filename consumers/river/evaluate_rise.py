"""Measured error of the rise forecast: replay a series, forecast at every reading, score the rising ones.

Why a replay and not a claim: the forecast is only worth the error it makes on series it did not see being
built. Every reading of a series is an issue time; the forecast made from the readings up to it
(``consumers.river.rise.rise_forecast``, given the same window and wet readings the gauge model keeps) is compared,
at each lead, with the series itself (linear between readings; a lead past the series' end is not scored).

**Rising periods**: an issue time counts if the least-squares rate of rise over the forecast's own window is at
least ``min_rate_fraction`` of the flood band per hour, the same test the model uses, so that every variant is
scored on the same issue times (high water without a rise is not scored). Per lead: ``n``, ``mae`` and ``bias``
(median minus observed) of the median, and ``inside``, the share of observations within the band (0.8 is
calibrated). ``persistence`` (the reading at issue, for ever) is scored beside, and on the simulator's demo flood
the 72-hour ``recession`` forecast of the gauge model (what the chart showed before) too.

Daily series (``hours_per_step=24``) are read with each day as one hour of model time: the leads 1, 3, 6 are then
1, 3 and 6 days, the fit window the last four days, rain per day is taken as mm per step. This says how well the
*shape* of the model follows a rise on real rivers; it says nothing of its error at 1-6 hours, which real sub-daily
data would have to measure.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from consumers.citypack import CityPack
from consumers.river.evaluate import read_series
from consumers.river.gauge import GaugeModel
from consumers.river.rise import VARIANTS, RiseConfig, fit_line, fit_window, rise_forecast

HOUR_S = 3600.0
LEADS_H = (1.0, 3.0, 6.0)
DEMO_GAUGES = ("NM-01", "NM-02", "NM-03", "NM-04")
DEMO_START = datetime.fromisoformat("2026-07-01T00:00:00+08:00")
DEMO_HOURS = 13.0
"""The demo's floods start 5-5.9 h in and last 6 h; 13 h of event time holds all four."""


Series = tuple[list[float], list[float], list[float | None]]


def observed_at(times: Sequence[float], values: Sequence[float], t: float) -> float | None:
    """The series at ``t``, linear between readings (None outside it)."""
    if not times or t < times[0] or t > times[-1]:
        return None
    i = bisect.bisect_left(times, t)
    if times[i] == t:
        return values[i]
    f = (t - times[i - 1]) / (times[i] - times[i - 1])
    return values[i - 1] + f * (values[i] - values[i - 1])


SCORING = RiseConfig(fit_window_h=1.0, min_points=4)
"""Which issue times are scored: the least-squares rate over the last hour (at least four readings) at least the
rate-of-rise warning's 2 % of the flood band per hour; the same for every variant."""


def is_rising(samples: Sequence[tuple[float, float]], band: float, config: RiseConfig = SCORING) -> bool:
    """The scoring's rising test (``SCORING``)."""
    line = fit_line(fit_window(samples, config))
    return line is not None and line.rate >= config.min_rate_fraction * max(band, 1e-9)


def _summary(errors: Sequence[float], inside: Sequence[bool] | None) -> dict[str, Any]:
    if not errors:
        return {"n": 0, "mae": None, "bias": None, "inside": None}
    out: dict[str, Any] = {
        "n": len(errors),
        "mae": round(statistics.fmean(abs(e) for e in errors), 4),
        "bias": round(statistics.fmean(errors), 4),
    }
    out["inside"] = round(sum(inside) / len(inside), 3) if inside else None
    return out


def replay_rise(
    series: Series,
    band: float,
    high_level: float,
    variants: Mapping[str, RiseConfig],
    leads_h: Sequence[float] = LEADS_H,
    recession: Sequence[float | None] | None = None,
) -> dict[str, Any]:
    """Score each variant (and persistence) on the rising issue times of one series.

    ``recession`` optionally gives, per reading, the recession forecast's median at each lead (a flat list of
    ``len(leads_h)`` values per reading) to score beside.
    """
    times, values, rains = series
    keep_s = 24 * HOUR_S
    errs: dict[str, dict[float, list[float]]] = {k: {h: [] for h in leads_h} for k in [*variants, "persistence"]}
    ins: dict[str, dict[float, list[bool]]] = {k: {h: [] for h in leads_h} for k in variants}
    if recession is not None:
        errs["recession"] = {h: [] for h in leads_h}
    samples: list[tuple[float, float]] = []
    wet: list[tuple[float, float]] = []
    issues = 0
    silent = dict.fromkeys(variants, 0)
    for i, (t, v) in enumerate(zip(times, values, strict=True)):
        if math.isnan(v):
            continue
        samples.append((t, v))
        rain = rains[i]
        if rain is not None and not math.isnan(rain) and rain > 0:
            wet.append((t, rain))
        while samples and samples[0][0] < t - keep_s and len(samples) > 16:
            samples.pop(0)
        while wet and wet[0][0] < t - keep_s:
            wet.pop(0)
        if not is_rising(samples, band):
            continue
        issues += 1
        targets = {h: observed_at(times, values, t + h * HOUR_S) for h in leads_h}
        for h, obs in targets.items():
            if obs is not None and not math.isnan(obs):
                errs["persistence"][h].append(v - obs)
        for name, cfg in variants.items():
            fc = rise_forecast(samples, wet, band, high_level, cfg)
            silent[name] += fc is None
            for h, obs in targets.items():
                if obs is None or math.isnan(obs):
                    continue
                if fc is None:  # no rise forecast: the chart shows the level, scored as persistence
                    errs[name][h].append(v - obs)
                    ins[name][h].append(False)
                    continue
                errs[name][h].append(fc.at(h) - obs)
                ins[name][h].append(fc.at(h, "low") <= obs <= fc.at(h, "high"))
        if recession is not None:
            for j, h in enumerate(leads_h):
                med = recession[i * len(leads_h) + j]
                obs = targets[h]
                if med is not None and obs is not None and not math.isnan(obs):
                    errs["recession"][h].append(med - obs)
    out: dict[str, Any] = {"rising_issues": issues, "no_forecast": silent}
    for name, by_lead in errs.items():
        out[name] = {f"{h:g}h": _summary(e, ins[name][h] if name in ins else None) for h, e in by_lead.items()}
    return out


def pooled(results: Sequence[Mapping[str, Any]], leads_h: Sequence[float] = LEADS_H) -> dict[str, Any]:
    """The per-series scores pooled (weighted by n) into one."""
    out: dict[str, Any] = {"rising_issues": sum(r["rising_issues"] for r in results)}
    out["no_forecast"] = {k: sum(r["no_forecast"][k] for r in results) for k in results[0]["no_forecast"]}
    names = [k for k, v in results[0].items() if isinstance(v, dict) and k != "no_forecast"] if results else []
    for name in names:
        out[name] = {}
        for h in leads_h:
            key = f"{h:g}h"
            parts = [r[name][key] for r in results if r[name][key]["n"]]
            n = sum(p["n"] for p in parts)
            if not n:
                out[name][key] = {"n": 0, "mae": None, "bias": None, "inside": None}
                continue
            row: dict[str, Any] = {"n": n}
            for m in ("mae", "bias", "inside"):
                vals = [(p[m], p["n"]) for p in parts if p[m] is not None]
                row[m] = round(sum(x * w for x, w in vals) / sum(w for _, w in vals), 4) if vals else None
            out[name][key] = row
    return out


# -- the simulator's demo flood ---------------------------------------------------------------------------


def demo_series(pack: CityPack, gauge_id: str, seed: int = 7, rate: float = 5.0, hours: float = DEMO_HOURS) -> Series:
    """A gauge's readings in the simulator's ``demo`` scenario (``rate`` 5: every minute), with its rain, for the
    first ``hours``."""
    from simulator.model import SensorModel, scenario_incidents

    spec = pack.sensors[gauge_id]
    incidents = [i for i in scenario_incidents(pack, "demo") if i.sensor_id == gauge_id]
    model = SensorModel(spec, seed, rate)
    times: list[float] = []
    values: list[float] = []
    rains: list[float | None] = []
    elapsed = model.rng.uniform(0.0, model.interval_s)
    while elapsed < hours * HOUR_S:
        when = DEMO_START + timedelta(seconds=elapsed)
        intensity = max((i.intensity(elapsed) for i in incidents), default=0.0)
        reading = model.values(when, intensity)
        times.append(when.timestamp())
        values.append(float(reading["stage_m"]))
        rains.append(float(reading["rain_mm_h"]))
        elapsed += model.interval_s
    return times, values, rains


def recession_medians(
    params: Mapping[str, Any], series: Series, leads_h: Sequence[float] = LEADS_H
) -> list[float | None]:
    """The gauge model's 72-hour forecast median at each lead after each reading (flat, per reading)."""
    model = GaugeModel(params)
    out: list[float | None] = []
    times, values, rains = series
    for t, v, r in zip(times, values, rains, strict=True):
        model.update(t, v, r)
        fc = model.forecast
        for h in leads_h:
            if fc is None:
                out.append(None)
                continue
            pts = fc.points
            x = t + h * HOUR_S
            j = min(max(bisect.bisect_left([p.t for p in pts], x), 1), len(pts) - 1)
            a, b = pts[j - 1], pts[j]
            f = (x - a.t) / (b.t - a.t) if b.t != a.t else 0.0
            out.append(a.median + f * (b.median - a.median))
    return out


def evaluate_demo(
    pack: CityPack,
    gauges: Sequence[str] = DEMO_GAUGES,
    seed: int = 7,
    rate: float = 5.0,
    variants: Mapping[str, RiseConfig] = VARIANTS,
) -> dict[str, Any]:
    """Every variant on the demo flood of each gauge, pooled, with persistence and the recession beside."""
    per: dict[str, Any] = {}
    for gid in gauges:
        spec = pack.sensors[gid]
        th = spec.params["thresholds"]
        normal = float(spec.params["normal"]["stage_m"])
        series = demo_series(pack, gid, seed, rate)
        per[gid] = replay_rise(
            series,
            float(th["flood_warning"]) - normal,
            float(th["flood_warning"]),
            variants,
            recession=recession_medians(spec.params, series),
        )
    return {"series": "demo flood", "seed": seed, "rate": rate, "pooled": pooled(list(per.values())), "gauges": per}


# -- real series ------------------------------------------------------------------------------------------


def daily_as_steps(series: Series, hours_per_step: float) -> Series:
    """A series whose steps are ``hours_per_step`` hours, with time compressed so that one step is one hour."""
    times, values, rains = series
    if not times:
        return series
    t0 = times[0]
    return [t0 + (t - t0) / hours_per_step for t in times], values, rains


def evaluate_csv(
    path: Path,
    time_column: str,
    value_column: str,
    rain_column: str | None = None,
    hours_per_step: float = 1.0,
    variants: Mapping[str, RiseConfig] = VARIANTS,
) -> dict[str, Any]:
    """Every variant on one CSV. Flood band: the series' median to its 95th percentile (no thresholds come with
    a bare series); high water from that percentile."""
    times, values, rains = read_series(path, time_column, value_column, rain_column)
    series: Series = (times, values, rains if rains is not None else [None] * len(times))
    if hours_per_step != 1.0:
        series = daily_as_steps(series, hours_per_step)
    finite = sorted(v for v in series[1] if not math.isnan(v))
    if not finite:
        raise ValueError(f"{path}: no values")
    normal = statistics.median(finite)
    high = finite[min(len(finite) - 1, int(0.95 * len(finite)))]
    result = replay_rise(series, high - normal, high, variants)
    return {"series": path.name, "hours_per_step": hours_per_step, "normal": normal, "high": high, **result}
