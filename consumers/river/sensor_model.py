"""The river as a domain of the processor (``consumers.domain``): a gauge's river model beside its windows.

The gauge model (``GaugeModel``) is the river's science; this adapter is what the spine needs of it: feed it the
gauge's measure and the rain reported with it, fold its state into the gauge's score, publish its view (state,
72-hour forecast band, the 6-hour rise forecast while the river rises, the last seven days thinned) and its
snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consumers.citypack import SensorSpec
from consumers.clock import epoch_iso
from consumers.domain import Domain
from consumers.river.forecast import Forecast
from consumers.river.gauge import GaugeModel
from consumers.river.rise import RiseForecast
from consumers.river.warnings import RiverStatus
from consumers.rules import Assessment, assess_with_river_state
from consumers.window import SampleWindow

VIEW_HISTORY_POINTS = 300
RAIN_FIELD = "rain_mm_h"


class GaugeSensorModel:
    """A gauge's ``GaugeModel`` with the status it was last assessed at."""

    def __init__(self, gauge: GaugeModel) -> None:
        self.gauge = gauge
        self.status: RiverStatus | None = None
        self._forecast_view: tuple[Forecast, dict[str, Any]] | None = None
        """The forecast as the view shows it, with the forecast it was made from: a forecast is refitted every few
        minutes of event time, the view is published at every reading."""
        self._rise_view: tuple[RiseForecast, dict[str, Any]] | None = None

    @property
    def newest_t(self) -> float | None:
        return self.gauge.newest_t

    def update(self, t: float, values: Mapping[str, float | str]) -> None:
        measured = values.get(self.gauge.params.key)
        if isinstance(measured, float):
            rain = values.get(RAIN_FIELD)
            self.gauge.update(t, measured, rain if isinstance(rain, float) else None)

    def assess(self, assessment: Assessment, now: float) -> Assessment:
        self.status = self.gauge.status(now)
        return assess_with_river_state(assessment, self.status.state, self.status.reason)

    def view(self) -> dict[str, Any] | None:
        status = self.status
        if status is None:
            return None
        forecast = status.forecast
        shown: dict[str, Any] | None = None
        if forecast is not None:
            cached = self._forecast_view
            if cached is not None and cached[0] is forecast:
                shown = cached[1]
            else:
                shown = forecast_view(forecast)
                self._forecast_view = (forecast, shown)
        rise: dict[str, Any] | None = None
        if status.rise is not None:
            cached_rise = self._rise_view
            if cached_rise is not None and cached_rise[0] is status.rise:
                rise = cached_rise[1]
            else:
                rise = rise_view(status.rise)
                self._rise_view = (status.rise, rise)
        return river_view(self.gauge, status, shown, rise)

    def snapshot(self) -> dict[str, Any]:
        return self.gauge.snapshot()

    def replay(self, windows: Mapping[str, SampleWindow]) -> None:
        """Feed the model the samples in the windows newer than its snapshot, oldest first, with the rain reported
        at the same time."""
        window = windows.get(self.gauge.params.key)
        if window is None:
            return
        rain = windows.get(RAIN_FIELD)
        rain_at = dict(zip(rain.times, rain.values, strict=True)) if rain is not None else {}
        newest = self.gauge.newest_t
        for t, value in zip(window.times, window.values, strict=True):
            if newest is None or t > newest:
                self.gauge.update(t, value, rain_at.get(t))

    def replayable_since(self, windows: Mapping[str, SampleWindow]) -> float | None:
        window = windows.get(self.gauge.params.key)
        return window.times[0] if window is not None and window.times else None


def forecast_view(forecast: Forecast) -> dict[str, Any]:
    """The 72-hour forecast band as the view carries it (rounded, ISO times)."""
    return {
        "issued": epoch_iso(forecast.issue_t),
        "method": forecast.method,
        "k_per_day": forecast.k_per_day,
        "t": [epoch_iso(p.t) for p in forecast.points],
        "median": [round(p.median, 4) for p in forecast.points],
        "low": [round(p.low, 4) for p in forecast.points],
        "high": [round(p.high, 4) for p in forecast.points],
    }


def rise_view(rise: RiseForecast) -> dict[str, Any]:
    """The 6-hour rise forecast as the view carries it (rounded like the 72-hour band, ISO times)."""
    return {
        "issued": epoch_iso(rise.issue_t),
        "method": rise.method,
        "t": [epoch_iso(t) for t in rise.t],
        "median": [round(v, 4) for v in rise.median],
        "low": [round(v, 4) for v in rise.low],
        "high": [round(v, 4) for v in rise.high],
    }


def river_view(
    model: GaugeModel,
    status: RiverStatus,
    forecast: dict[str, Any] | None,
    rise: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the dashboard shows of a gauge's river model: state, the 72-hour forecast band (``forecast``, made by
    ``forecast_view`` from the status's forecast, None without one), the next 6 hours of a rise or high water
    (``rise``, made by ``rise_view`` from the status's rise forecast; None when the river neither rises nor is
    high, or the gauge is at fault) and the last seven days thinned to at most
    ``VIEW_HISTORY_POINTS`` points (the read model stays small). The stretch of river a warning concerns is the
    dashboard's to word (``dashboard.river.words.river_stretches``)."""
    series = model.history.series()
    step = max(1, -(-len(series) // VIEW_HISTORY_POINTS))
    shown = series[::step]
    if series and shown[-1] != series[-1]:
        shown.append(series[-1])
    return {
        "state": status.state,
        "fault": status.fault,
        "reason": status.reason,
        "drought_eta_hours": status.drought_eta_hours,
        "drought_confidence": status.drought_confidence,
        "drought_basis": status.drought_basis,
        "history_days": status.history_days,
        "flood_eta_hours": status.flood_eta_hours,
        "rate_per_hour": status.rate_per_hour,
        "history": {"t": [epoch_iso(t) for t, _ in shown], "v": [round(v, 4) for _, v in shown]},
        "forecast": forecast,
        "rise": rise,
    }


def _new(spec: SensorSpec) -> GaugeSensorModel:
    return GaugeSensorModel(GaugeModel(spec.params))


def _restore(spec: SensorSpec, doc: Mapping[str, Any]) -> GaugeSensorModel:
    return GaugeSensorModel(GaugeModel.restore(spec.params, doc))


RIVER = Domain("river", frozenset({"river.gauge"}), _new, _restore)
