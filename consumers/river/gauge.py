"""One gauge's river intelligence: history, fault filter, forecast and warnings behind ``update`` and ``status``.

Why one object with a snapshot: the stream processor keeps one per gauge and must rebuild it after a restart
from the changelog; so everything the model knows is in ``snapshot()`` (plain JSON) and a restored model answers
exactly as the original did, forecast included.

Cost: ``update`` is cheap on most samples (an insert into the raw history, a median over the last hours for the
spike check). The forecast is refitted at most once per ``refit_every_s`` of event time (an hour by default, so
a 1-minute gauge refits on one sample in sixty, a daily gauge on every sample), and the drought warning advances
on each refit; the rate of rise, and with it the short-range rise forecast (``consumers.river.rise``, 6 h ahead,
for flood response), is recomputed at most every five minutes of event time. ``status`` only reads state. Late
samples (older than the newest) go into the history but do not drive the fault checks or the warnings; a sample
at an event time already seen is a replay and is ignored.

The order on each sample: the sampling interval is tracked (for gaps), the frozen-sensor check sees every sample
(a frozen sensor's samples are not added), the spike gate decides what enters the history, accepted samples drive
the flood level, and then the rate and the forecast are refreshed if due.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from consumers.river.faults import FrozenDetector, IntervalTracker, SpikeGate, is_gap
from consumers.river.forecast import Forecast, ForecastConfig, forecast
from consumers.river.history import GaugeHistory
from consumers.river.recession import RecessionBook
from consumers.river.rise import RiseConfig, RiseForecast, rise_forecast
from consumers.river.warnings import RAISE_Z, DroughtWarning, FloodWarning, RiverStatus, low_band_top, slope_per_hour

SNAPSHOT_VERSION = 1
HOUR_S = 3600.0
UNITS = {"stage": ("stage_m", "m"), "discharge": ("discharge_m3s", "m³/s")}


@dataclass(frozen=True, slots=True)
class GaugeParams:
    """The city-pack parameters the model needs (see ``assets/city/<city>/gauges.json``)."""

    gauge_id: str
    measure: str
    key: str
    unit: str
    normal: float
    drought_low: float
    flood_warning: float
    flood_danger: float

    @classmethod
    def from_mapping(cls, params: Mapping[str, Any]) -> GaugeParams:
        measure = str(params.get("measure", "stage"))
        if measure not in UNITS:
            raise ValueError(f"unknown measure {measure!r}: use stage or discharge")
        key, unit = UNITS[measure]
        th = params["thresholds"]
        low = float(th["drought_low"])
        normal_raw = params.get("normal", low)
        normal = float(normal_raw.get(key, low)) if isinstance(normal_raw, Mapping) else float(normal_raw)
        return cls(
            gauge_id=str(params.get("id", "")),
            measure=measure,
            key=key,
            unit=str(params.get("unit", unit)) if measure == "stage" else unit,
            normal=normal,
            drought_low=low,
            flood_warning=float(th["flood_warning"]),
            flood_danger=float(th["flood_danger"]),
        )


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """How often the model does its expensive work, and the knobs of its warnings."""

    refit_every_s: float = HOUR_S
    rate_every_s: float = 300.0
    rate_window_s: float = 2 * HOUR_S
    rain_mm_h: float = 0.5
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    drought_raise_z: float = RAISE_Z
    drought_raise_after: int = 1
    drought_clear_hold_s: float = 24 * HOUR_S
    spike_rel_floor: float = 0.03
    spike_normal_floor: float = 0.02
    rise: RiseConfig = field(default_factory=RiseConfig)
    """The short-range forecast of a rise (``consumers.river.rise``), refreshed with the rate of rise."""
    rain_keep_max: int = 720
    """At most this many wet readings are kept for the rise forecast's rain (an hour at 5 s)."""
    drought_rule: str = "prob"
    """``"band"``: raise when the fitted forecast's low quantile (``drought_raise_z``) crosses within 72 h;
    ``"prob"``: raise when the probability of crossing (learned, else from the fitted band) is at least
    ``drought_raise_prob``."""
    drought_raise_prob: float = 0.25
    drought_learn: bool = True
    """Keep a ``RecessionBook`` of this gauge's own falls and use it for the probability once it has records."""
    drought_learn_horizon_h: float = 96.0
    drought_learn_min: int = 10
    """Records needed in the current flow's bin before the learned probability is used (else the fitted one)."""
    drought_quiet_clear_s: float | None = 20 * 24 * HOUR_S
    """Also clear after this long without any crossing signal (None: only the recovery rule clears)."""
    drought_cold_rule: str = "band"
    """Without enough learned records: ``"prob"`` (the fitted band's probability) or ``"band"`` (the band rule)."""
    drought_cold_raise_prob: float = 0.6
    """The fitted band's probability that raises under the cold-start rule ``"prob"``."""
    drought_rain_hold_s: float = 0.0
    """No crossing signal from a forecast within this long after rain (the recession is interrupted)."""
    full_history_days: float = 365.0
    """Below this much history the gauge says its drought warning stands on a short record (cold start)."""


class GaugeModel:
    """Rolling river intelligence of one gauge, driven in event time."""

    def __init__(self, params: Mapping[str, Any], config: ModelConfig | None = None) -> None:
        self.params = GaugeParams.from_mapping(params)
        self.config = config or ModelConfig()
        p, c = self.params, self.config
        self.history = GaugeHistory()
        self.spikes = SpikeGate(rel_floor=c.spike_rel_floor, abs_floor=c.spike_normal_floor * abs(p.normal))
        self.frozen = FrozenDetector()
        self.intervals = IntervalTracker()
        self.drought = DroughtWarning(
            threshold=p.drought_low,
            recover_level=low_band_top(p.drought_low, p.normal),
            horizon_h=float(c.forecast.horizon_h),
            raise_after=c.drought_raise_after,
            clear_hold_s=c.drought_clear_hold_s,
            raise_z=c.drought_raise_z,
            raise_prob=c.drought_raise_prob if c.drought_rule == "prob" else None,
            quiet_clear_s=c.drought_quiet_clear_s,
        )
        self.book: RecessionBook | None = (
            RecessionBook(p.normal, horizon_h=c.drought_learn_horizon_h) if c.drought_learn else None
        )
        self.first_t: float | None = None
        """Event time of the first sample: how much history the model has seen (cold start)."""
        self.drought_basis: str | None = None
        """What the last drought probability came from: ``"learned"``, ``"fitted"`` or None (band rule)."""
        self.flood = FloodWarning(p.flood_warning, p.flood_danger, p.normal)
        self.forecast: Forecast | None = None
        self.latest: tuple[float, float] | None = None
        self.last_rain_t: float | None = None
        self.last_fit_t: float | None = None
        self.last_rate_t: float | None = None
        self.rise: RiseForecast | None = None
        """The rise forecast of the last rate refresh (None when the river neither rises nor is high)."""
        self.rain_wet: list[tuple[float, float]] = []
        """Recent in-order readings with rain (t, mm/h); dry ones are not kept (the mean counts them as 0)."""

    @property
    def newest_t(self) -> float | None:
        """Event time of the newest sample seen (late samples never move it)."""
        return self.intervals.last_t

    # -- input ----------------------------------------------------------------------------------------------

    def update(self, t: float, value: float, rain_mm_h: float | None = None) -> None:
        """Feed one sample (event time in epoch seconds, value in the gauge's measure, rain at the gauge)."""
        if not (math.isfinite(t) and math.isfinite(value)):
            raise ValueError("gauge samples must be finite")
        if rain_mm_h is not None and rain_mm_h >= self.config.rain_mm_h:
            self.last_rain_t = t if self.last_rain_t is None else max(self.last_rain_t, t)
        newest = self.intervals.last_t
        if newest is not None and t <= newest:
            if t < newest:
                self.history.add(t, value, rain_mm_h)
            return
        self.intervals.observe(t)
        self._keep_rain(t, rain_mm_h)
        self.frozen.observe(t, value)
        if self.frozen.frozen:
            self.spikes.pending = None
            return
        recent = self.history.tail(self.spikes.max_neighbours)
        for s_t, s_v, s_rain in self.spikes.offer((t, value, rain_mm_h), recent):
            self.history.add(s_t, s_v, s_rain)
            self.flood.update_level(s_t, s_v)
            self.latest = (s_t, s_v)
        if self.latest is None:
            return
        self._refresh_rate(t)
        self._refresh_forecast(t)

    def _refresh_rate(self, t: float) -> None:
        if self.last_rate_t is not None and t - self.last_rate_t < self.config.rate_every_s:
            return
        assert self.latest is not None
        self.last_rate_t = t
        window = min(max(self.config.rate_window_s, 3 * self.intervals.median_interval_s()), self.history.raw_span_s)
        rate = slope_per_hour(self.history.recent(self.latest[0] - window))
        p = self.params
        self.rise = rise_forecast(
            self.history.raw(), self.rain_wet, p.flood_warning - p.normal, p.flood_warning, self.config.rise
        )
        rising = self.rise is not None and self.rise.rate_per_hour > 0
        rise_eta = self.rise.hours_until_above(p.flood_warning) if self.rise is not None and rising else None
        self.flood.update_rate(t, self.latest[1], rate, rise_eta)

    def _keep_rain(self, t: float, rain_mm_h: float | None) -> None:
        """Keep the wet readings the rise forecast's window can reach (its hour, or its last few readings)."""
        wet = self.rain_wet
        if rain_mm_h is not None and rain_mm_h > 0 and math.isfinite(rain_mm_h):
            wet.append((t, float(rain_mm_h)))
        if not wet:
            return
        c = self.config
        keep_s = max(c.rise.fit_window_h * HOUR_S, (c.rise.min_points + 1) * self.intervals.median_interval_s())
        drop = next((i for i, (r_t, _) in enumerate(wet) if r_t >= t - keep_s), len(wet))
        drop = max(drop, len(wet) - c.rain_keep_max)
        if drop:
            del wet[:drop]

    def _refresh_forecast(self, t: float) -> None:
        if self.last_fit_t is not None and t - self.last_fit_t < self.config.refit_every_s:
            return
        assert self.latest is not None
        self.last_fit_t = t
        series = self.history.series()
        self.forecast = forecast(series, self.last_rain_t, measure=self.params.measure, config=self.config.forecast)
        if self.first_t is None:
            self.first_t = t
        p_cross = self._drought_probability(t, series) if self.config.drought_rule == "prob" else None
        self.drought.update(t, self.latest[1], self.forecast, p_cross)

    def _drought_probability(self, t: float, series: list[tuple[float, float]]) -> float | None:
        """P(below the drought level within the horizon): learned from this gauge's past falls when it has enough
        at flows like now, else from the fitted band; 0 while rain or a rise says the recession is interrupted."""
        assert self.latest is not None
        c, q, level = self.config, self.latest[1], self.params.drought_low
        book = self.book
        if book is not None:
            book.learn(t, series)
        if q < level:
            self.drought_basis = "observed"
            return 1.0
        if self.last_rain_t is not None and t - self.last_rain_t < c.drought_rain_hold_s:
            self.drought_basis = "rain"
            return 0.0
        if book is not None and book.count(q) >= c.drought_learn_min:
            self.drought_basis = "learned"
            if not _receding(series, t, q, book.tol_s):
                return 0.0
            p = book.prob_fall(q, level)
            return 0.0 if p is None else p
        self.drought_basis = "fitted"
        if c.drought_cold_rule == "band":
            return None
        fc = self.forecast
        if fc is None or fc.method != "recession":
            return 0.0
        p_fit = fc.prob_below(level, float(c.forecast.horizon_h))
        # the fitted band is less sure than the learned record: scaled so that ``drought_cold_raise_prob`` raises
        return min(1.0, p_fit * c.drought_raise_prob / c.drought_cold_raise_prob)

    # -- output ---------------------------------------------------------------------------------------------

    def status(self, now_t: float) -> RiverStatus:
        """The gauge's state at ``now_t`` (event time); a gap or a frozen sensor is a fault, never a river state."""
        fault = self._fault(now_t)
        value = None if self.latest is None else self.latest[1]
        if fault is not None or value is None:
            return self._status("fault", fault or "no_data", value, self._fault_reason(fault or "no_data", now_t))
        p, d, f = self.params, self.drought, self.flood
        if f.level == "danger":
            return self._status("flood_danger", None, value, self._level_reason(value, "danger", p.flood_danger))
        if f.level == "warning":
            return self._status("flood_warning", None, value, self._level_reason(value, "warning", p.flood_warning))
        if f.rising:
            return self._status("flood_warning", None, value, self._rise_reason(value))
        if d.active:
            return self._status("drought_warning", None, value, self._drought_reason(value))
        if value < self.drought.recover_level:
            return self._status("low_water_watch", None, value, self._watch_reason(value))
        return self._status("normal", None, value, f"{p.measure} {value:.2f} {p.unit}, no low-water or flood signal")

    def history_days(self) -> float:
        """Days of event time this model has seen (since its first sample, kept across restores)."""
        newest = self.intervals.last_t
        return 0.0 if self.first_t is None or newest is None else max(0.0, (newest - self.first_t) / 86400.0)

    def _drought_confidence(self) -> float | None:
        """The warning's probability of crossing (learned, or from the fitted band). A young gauge's lower standing is
        said beside it (``history_days`` under ``full_history_days``, ``drought_basis`` "fitted"), not folded into
        the number: a warning shown at "confidence 1 %" because the gauge is two days old would read as no warning
        at all, where it is a warning from a short record."""
        d = self.drought
        return None if d.confidence is None else round(d.confidence, 3)

    def _fault(self, now_t: float) -> str | None:
        last_t = self.intervals.last_t
        if last_t is None:
            return "no_data"
        if is_gap(last_t, now_t, self.intervals.median_interval_s()):
            return "gap"
        if self.frozen.frozen:
            return "frozen"
        return None

    def _status(self, state: str, fault: str | None, value: float | None, reason: str) -> RiverStatus:
        d, f = self.drought, self.flood
        drought = state == "drought_warning"
        return RiverStatus(
            state=state,
            fault=fault,
            drought_eta_hours=_round(d.eta_hours) if drought else None,
            drought_confidence=self._drought_confidence() if drought else None,
            drought_basis=self.drought_basis if drought else None,
            history_days=_round(self.history_days(), 1),
            flood_eta_hours=_round(f.eta_hours) if state == "flood_warning" else None,
            rate_per_hour=_round(f.rate_per_hour, 4),
            forecast=self.forecast,
            rise=self.rise if fault is None else None,
            reason=reason,
            value=value,
            unit=self.params.unit,
        )

    def _fault_reason(self, fault: str, now_t: float) -> str:
        if fault == "no_data":
            return "no reading yet"
        if fault == "frozen":
            v = self.frozen.run_value
            return f"sensor fault: the same reading {v} for {self.frozen.frozen_hours:.1f} h; not used for forecasts"
        last_t = self.intervals.last_t or now_t
        every = self.intervals.median_interval_s() / 60.0
        return f"sensor fault: no reading for {(now_t - last_t) / 60.0:.0f} min (usually every {every:.0f} min)"

    def _level_reason(self, value: float, name: str, level: float) -> str:
        p = self.params
        if value >= level:
            return f"{p.measure} {value:.2f} {p.unit} at or above the flood {name} level {level:g} {p.unit}"
        return f"{p.measure} {value:.2f} {p.unit}, back under the flood {name} level {level:g} {p.unit} (holding)"

    def _rise_reason(self, value: float) -> str:
        p, f = self.params, self.flood
        rate = f"rising {f.rate_per_hour:.2f} {p.unit}/h" if f.rate_per_hour is not None else "rising fast"
        if f.eta_hours is None:
            return f"{p.measure} {value:.2f} {p.unit}, {rate}; flood warning level {p.flood_warning:g} {p.unit} near"
        return (
            f"{p.measure} {value:.2f} {p.unit}, {rate}: flood warning level {p.flood_warning:g} {p.unit} "
            f"expected in {f.eta_hours:.1f} h"
        )

    def _drought_reason(self, value: float) -> str:
        p, d = self.params, self.drought
        if value < p.drought_low:
            return f"{p.measure} {value:.2f} {p.unit} below the drought level {p.drought_low:g} {p.unit}"
        k = self.forecast.k_per_day if self.forecast is not None else None
        trend = f"falling {100 * (1 - k):.1f} % a day" if k is not None else "low"
        when = f"in about {d.eta_hours:.0f} h" if d.eta_hours is not None else "within 72 h (lower forecast bound)"
        conf = f", confidence {d.confidence:.0%}" if d.confidence is not None else ""
        return (
            f"{p.measure} {value:.2f} {p.unit}, {trend}: expected below the drought level "
            f"{p.drought_low:g} {p.unit} {when}{conf}"
        )

    def _watch_reason(self, value: float) -> str:
        p = self.params
        return (
            f"{p.measure} {value:.2f} {p.unit} in the low-water band (under {self.drought.recover_level:.2f} "
            f"{p.unit}, drought level {p.drought_low:g} {p.unit}); no crossing forecast within 72 h"
        )

    # -- snapshot -------------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything the model knows, as JSON-able values."""
        return {
            "v": SNAPSHOT_VERSION,
            "history": self.history.snapshot(),
            "spikes": self.spikes.snapshot(),
            "frozen": self.frozen.snapshot(),
            "intervals": self.intervals.snapshot(),
            "drought": self.drought.snapshot(),
            "flood": self.flood.snapshot(),
            "forecast": None if self.forecast is None else self.forecast.to_dict(),
            "latest": None if self.latest is None else list(self.latest),
            "last_rain_t": self.last_rain_t,
            "last_fit_t": self.last_fit_t,
            "last_rate_t": self.last_rate_t,
            "rise": None if self.rise is None else self.rise.to_dict(),
            "rain_wet": [list(w) for w in self.rain_wet],
            "book": None if self.book is None else self.book.snapshot(),
            "first_t": self.first_t,
            "drought_basis": self.drought_basis,
        }

    @classmethod
    def restore(
        cls, params: Mapping[str, Any], snap: Mapping[str, Any], config: ModelConfig | None = None
    ) -> GaugeModel:
        if snap.get("v") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported gauge snapshot version {snap.get('v')!r}")
        model = cls(params, config)
        model.history = GaugeHistory.restore(snap["history"])
        model.spikes.restore_state(snap["spikes"])
        model.frozen.restore_state(snap["frozen"])
        model.intervals.restore_state(snap["intervals"])
        model.drought = DroughtWarning.restore(dict(snap["drought"]))
        model.flood = FloodWarning.restore(dict(snap["flood"]))
        fc = snap.get("forecast")
        model.forecast = None if fc is None else Forecast.from_dict(fc)
        latest = snap.get("latest")
        model.latest = None if latest is None else (float(latest[0]), float(latest[1]))
        model.last_rain_t = _opt_float(snap.get("last_rain_t"))
        model.last_fit_t = _opt_float(snap.get("last_fit_t"))
        model.last_rate_t = _opt_float(snap.get("last_rate_t"))
        rise = snap.get("rise")
        model.rise = None if rise is None else RiseForecast.from_dict(rise)
        model.rain_wet = [(float(t), float(r)) for t, r in snap.get("rain_wet", [])]
        book = snap.get("book")
        if book is not None and model.book is not None:
            model.book = RecessionBook.restore(book)
        model.first_t = _opt_float(snap.get("first_t"))
        basis = snap.get("drought_basis")
        model.drought_basis = None if basis is None else str(basis)
        return model


def _receding(series: list[tuple[float, float]], t: float, q: float, tol_s: float) -> bool:
    """The flow now is not above its value a day ago (True when there is no value a day ago to compare)."""
    target = t - 86400.0
    i = bisect.bisect_left(series, target, key=lambda p: p[0])
    near = [j for j in (i - 1, i) if 0 <= j < len(series) and abs(series[j][0] - target) <= tol_s]
    if not near:
        return True
    j = min(near, key=lambda k: abs(series[k][0] - target))
    return q <= series[j][1]


def _opt_float(x: Any) -> float | None:
    return None if x is None else float(x)


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)
