"""Drought and flood warnings of one gauge: state machines with hysteresis, so that noise does not flap them.

Why state machines and not a rule per reading: a warning that is raised, cleared and raised again every hour by
noise is read as noise, and the next true warning is ignored. So every warning here is raised on one condition and
cleared on a different, harder one (a margin and a hold time).

**Drought.** Raised when the forecast's lower quantile ``RAISE_Z`` (1.7 standard deviations, the 4.5 % quantile,
just below the band's 10 % low bound) falls below ``drought_low`` within 72 h on two consecutive forecasts (the
gauge model refits at most hourly, so two forecasts are at least an hour or one sample apart). Why a low quantile
and not the median: the drought *begins* at the first observation below the threshold, and noise and the daily
cycle put that first dip well before the median crosses; measured on the simulated scenarios and held-out seeds,
raising on the median caught only 25-92 % of droughts 72 h ahead, the 10 % bound 93-100 %. Why a little below the
10 % bound: the first dip is the lowest of many correlated observations (a first passage), lower than any single
hour's 10 % quantile; on the simulator's own dry spell (``simulator.model``, scenario ``drought``, seeds 7-9) the
10 % bound warned 70-81 h ahead and z = 1.7 warned 73-89 h ahead, with the same or fewer false alarms on the six
kept scenarios and on their held-out seeds (``consumers.river.scenarios``). A persistence forecast (no
recession segment yet, e.g. just after rain) raises only if its median, the current level, is below the threshold.
The warning carries the expected time of crossing (``eta_hours``: the median's, extended along the fitted trend
beyond 72 h) and a ``confidence``: the forecast probability of being below the threshold at 72 h.

**Probability rule (the default since issue 13, docs/drought.md).** With ``raise_prob`` set, the raise condition
is the gauge model's probability of crossing (``update(..., p_cross)``) at least ``raise_prob``: learned from the
gauge's own past falls (``consumers.river.recession``) once it has enough at flows like now; until then (cold
start) the gauge model passes None and the band rule above decides. Why: on four real rivers the band rule warned on
24-31 % of days for a level the flow is under on 10 %; the learned probability cut the warned days and the warned
days with no low flow within 14 days on every one of them, keeping the 72-hour hits. ``quiet_clear_s`` also clears
a warning after that long without any crossing signal (a summer of showers otherwise kept it on for months).

It stays active until the water recovers: the observed value at or above ``drought_low + 25 % of (normal -
drought_low)`` for 24 h of event time, **and** a recession forecast that has not crossed for 24 h (or, while rain
keeps the forecast on persistence, no crossing signal for five days). A rain that interrupts a dry spell therefore
does not end the warning unless the river really recovers; measured, that turned "cleared at the shower, raised
again three days later" pairs into one episode.

Every condition is monotone in the threshold (a crossing for a lower threshold is one for a higher one; recovery
for a higher one is recovery for a lower one), so a lower threshold never warns where a higher one does not.

**Flood.** The level state (``flood_warning``, ``flood_danger``) goes up on the observed value at once and down only
after the value is a margin under the level (10 % of the band below it) for two samples and 30 minutes. The
rate-of-rise warning uses the least-squares slope of the last hours (two at least, and at least three sampling
intervals): a rise of at least 2 % of (flood_warning - normal) per hour that would reach ``flood_warning`` within
6 h warns before the level is reached, with the ETA; it clears after the condition has been false for an hour.
Where the rise forecast's median reaches ``flood_warning`` sooner, that is the ETA (``update_rate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from consumers.river.forecast import Forecast
from consumers.river.rise import RiseForecast

HOUR_S = 3600.0
RAISE_Z = 1.7
"""How far below the forecast median (in the band's standard deviations) a drought warning looks; see above."""
STATES = ("normal", "low_water_watch", "drought_warning", "flood_warning", "flood_danger", "fault")


@dataclass(frozen=True, slots=True)
class RiverStatus:
    """What a gauge says now; ``state`` is one of ``STATES`` ("stale" is the caller's to decide)."""

    state: str
    fault: str | None
    drought_eta_hours: float | None
    drought_confidence: float | None
    flood_eta_hours: float | None
    rate_per_hour: float | None
    forecast: Forecast | None
    reason: str
    value: float | None = None
    unit: str = ""
    rise: RiseForecast | None = None
    """The next hours of a rise or high water (``consumers.river.rise``); None otherwise and on a fault."""
    drought_basis: str | None = None
    """Under a drought warning, what its probability came from: ``"learned"`` (this gauge's past falls),
    ``"fitted"`` (the recession of the last days: cold start), ``"observed"`` (already below) or ``"rain"``."""
    history_days: float | None = None
    """Days of history the model has seen; under a year, its drought warning stands on a short record and the
    dashboard says so beside the confidence (cold start)."""


def low_band_top(drought_low: float, normal: float, fraction: float = 0.25) -> float:
    """The top of the low-water band: ``drought_low`` plus a fraction of the way to normal.

    If ``normal`` is not above ``drought_low`` (a badly configured or derived normal) the band is 5 % of the
    threshold's magnitude, so that the band is never empty and still grows with the threshold.
    """
    return drought_low + max(fraction * (normal - drought_low), 0.05 * abs(drought_low), 1e-9)


@dataclass(slots=True)
class DroughtWarning:
    """Drought warning of one gauge, advanced once per new forecast (event time)."""

    threshold: float
    recover_level: float
    horizon_h: float = 72.0
    raise_after: int = 2
    clear_hold_s: float = 24 * HOUR_S
    clear_long_s: float = 5 * 24 * HOUR_S
    raise_z: float = RAISE_Z
    active: bool = False
    since_t: float | None = None
    streak: int = 0
    recovered_since: float | None = None
    calm_since: float | None = None
    quiet_since: float | None = None
    eta_hours: float | None = None
    confidence: float | None = None
    raise_prob: float | None = None
    """When set, the raise condition is the probability of crossing (given to ``update``) at least this."""
    quiet_clear_s: float | None = None
    """When set, the warning also clears after this long without a crossing signal."""
    probability: float | None = None
    """The last probability of crossing given to ``update`` (None under the band rule)."""

    def crosses(self, forecast: Forecast | None, observed: float, p_cross: float | None = None) -> bool:
        """The raise condition: the forecast (or the observed value) below the threshold within the horizon; under
        the probability rule, the probability of that at least ``raise_prob``."""
        if observed < self.threshold:
            return True
        if self.raise_prob is not None and p_cross is not None:
            return p_cross >= self.raise_prob
        if forecast is None:
            return False
        if forecast.method != "recession":
            return forecast.points[0].median < self.threshold
        return forecast.quantile_within(self.horizon_h, self.raise_z) < self.threshold

    def update(self, t: float, observed: float, forecast: Forecast | None, p_cross: float | None = None) -> None:
        self.probability = p_cross
        crossing = self.crosses(forecast, observed, p_cross)
        self.streak = self.streak + 1 if crossing else 0
        self.recovered_since = _run_start(self.recovered_since, t, observed >= self.recover_level)
        calm = not crossing and forecast is not None and forecast.method == "recession"
        self.calm_since = _run_start(self.calm_since, t, calm)
        self.quiet_since = _run_start(self.quiet_since, t, not crossing)
        if self.active and self._cleared(t):
            self.active, self.since_t = False, None
        elif not self.active and self.streak >= self.raise_after:
            self.active, self.since_t = True, t
        self._describe(observed, forecast)

    def _cleared(self, t: float) -> bool:
        """Recovered for the hold time, and a recession forecast has not crossed for as long; or, when rain keeps
        the forecast on persistence, no crossing signal of any kind for ``clear_long_s``; or, with
        ``quiet_clear_s``, no crossing signal for that long (whatever the level)."""
        if (
            self.quiet_clear_s is not None
            and self.quiet_since is not None
            and t - self.quiet_since >= self.quiet_clear_s
        ):
            return True
        if self.recovered_since is None or t - self.recovered_since < self.clear_hold_s:
            return False
        if self.calm_since is not None and t - self.calm_since >= self.clear_hold_s:
            return True
        return self.quiet_since is not None and t - self.quiet_since >= self.clear_long_s

    def _describe(self, observed: float, forecast: Forecast | None) -> None:
        if not self.active:
            self.eta_hours = self.confidence = None
            return
        if observed < self.threshold:
            self.eta_hours, self.confidence = 0.0, 1.0
            return
        if forecast is None:
            self.eta_hours = self.confidence = None
            return
        self.eta_hours = forecast.eta_hours(self.threshold)
        if self.probability is not None:
            self.confidence = round(self.probability, 3)
        else:
            self.confidence = round(forecast.prob_below(self.threshold, self.horizon_h), 3)

    def snapshot(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def restore(cls, snap: dict[str, Any]) -> DroughtWarning:
        return cls(**snap)


def _run_start(since: float | None, t: float, condition: bool) -> float | None:
    """Start time of the current run of updates where ``condition`` held (None when it does not hold now)."""
    if not condition:
        return None
    return t if since is None else since


def slope_per_hour(samples: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of ``(t, value)`` per hour (None with fewer than three samples or no time span)."""
    n = len(samples)
    if n < 3:
        return None
    t0 = samples[0][0]
    xs = [t - t0 for t, _ in samples]
    ys = [v for _, v in samples]
    mx = sum(xs) / n
    my = sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx <= 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return sxy / sxx * HOUR_S


@dataclass(slots=True)
class FloodWarning:
    """Flood level state with hysteresis, and the rate-of-rise warning with its ETA."""

    warning_level: float
    danger_level: float
    normal: float
    lead_h: float = 6.0
    min_rate_fraction: float = 0.02
    margin_fraction: float = 0.1
    clear_samples: int = 2
    clear_hold_s: float = 1800.0
    rise_clear_s: float = HOUR_S
    level: str = "none"
    below_since: float | None = None
    below_count: int = 0
    rising: bool = False
    rise_false_since: float | None = None
    eta_hours: float | None = None
    rate_per_hour: float | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def min_rate(self) -> float:
        return self.min_rate_fraction * max(self.warning_level - self.normal, 1e-9)

    def update_level(self, t: float, value: float) -> None:
        """Advance the level state on one accepted sample (up at once, down after margin and hold)."""
        target = "danger" if value >= self.danger_level else "warning" if value >= self.warning_level else "none"
        order = ("none", "warning", "danger")
        if order.index(target) >= order.index(self.level):
            self.level, self.below_since, self.below_count = target, None, 0
            return
        if value < self._clear_level():
            self.below_since = t if self.below_since is None else self.below_since
            self.below_count += 1
            if self.below_count >= self.clear_samples and t - self.below_since >= self.clear_hold_s:
                self.level = "warning" if self.level == "danger" else "none"
                self.below_since, self.below_count = None, 0
        else:
            self.below_since, self.below_count = None, 0

    def _clear_level(self) -> float:
        if self.level == "danger":
            return self.danger_level - self.margin_fraction * (self.danger_level - self.warning_level)
        return self.warning_level - self.margin_fraction * max(self.warning_level - self.normal, 1e-9)

    def update_rate(self, t: float, value: float, rate: float | None, rise_eta: float | None = None) -> None:
        """Advance the rate-of-rise warning with the current slope (per hour) and value.

        ``rise_eta``: when the rise forecast (``consumers.river.rise``) has its median reach the warning level, the
        hours until it does; the earlier of that and distance over rate is the ETA. Why: the slope of the last two
        hours lags a rise that has just begun; on the demo flood the rise forecast's ETA was off by 0.23 h on
        average where distance over rate was 1.5 h late (docs/river-rise.md).
        """
        self.rate_per_hour = rate
        eta = self._eta(value, rate)
        if rise_eta is not None and value < self.warning_level and rise_eta <= self.lead_h:
            eta = rise_eta if eta is None else min(eta, rise_eta)
        if eta is not None:
            self.rising, self.rise_false_since, self.eta_hours = True, None, eta
            return
        self.eta_hours = None
        if self.rising:
            self.rise_false_since = t if self.rise_false_since is None else self.rise_false_since
            if t - self.rise_false_since >= self.rise_clear_s:
                self.rising, self.rise_false_since = False, None

    def _eta(self, value: float, rate: float | None) -> float | None:
        if rate is None or rate < self.min_rate or value >= self.warning_level:
            return None
        eta = (self.warning_level - value) / rate
        return eta if eta <= self.lead_h else None

    def snapshot(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def restore(cls, snap: dict[str, Any]) -> FloodWarning:
        return cls(**snap)
