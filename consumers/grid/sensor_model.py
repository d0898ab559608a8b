"""The power grid as a domain of the processor (``consumers.domain``): a line segment's load against its dynamic
rating, beside its windows.

A reading carries the current, the conductor's measured temperature and the weather at the span. The rating for
that weather (``consumers.grid.load``) is worked out at the flush, for every line that reported since, in one
vectorised call (``refresh_lines``): one line alone costs as much as hundreds together. Until a line's first
refresh its score is the fixed-rating rule's (``consumers.rules.assess_line``); the processor refreshes before
it publishes anything, so no published view carries that provisional score.

Score (``docs/risk.md``, "Power lines"): the bands of ``consumers.grid.load`` on a 0-100 scale, watch at 80 %
of the dynamic rating, warning at 95 %, alarm at 100 % or at the conductor's maximum temperature. A measured
temperature the heat balance cannot explain is a sensor fault: the temperature is then not believed (a line is
not put in alarm on a reading its own physics refutes), the load share still counts, and the line is at least
at watch so that someone looks at the sensor.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from consumers.citypack import SensorSpec
from consumers.clock import epoch_iso
from consumers.domain import Domain, SensorModel
from consumers.grid.conductors import parse_conductor
from consumers.grid.load import (
    ALARM_SHARE,
    WARNING_SHARE,
    WATCH_SHARE,
    LineObservation,
    LineSpec,
    LineStatus,
    line_statuses,
)
from consumers.grid.rating import Span, SpanWeather
from consumers.rules import SENSOR_FAULT_SCORE, Assessment, level_for, ramp
from consumers.window import SampleWindow

TREND_WINDOW_S = 1800.0
"""The current's trend is the least-squares slope over this much of its recent readings."""
TREND_MIN_SPAN_S = 300.0
"""Fewer minutes than this of readings give no trend (two noisy readings a minute apart are not a trend)."""
TREND_MAX_SAMPLES = 1800
"""One a second for the whole trend window: a bound the window's age reaches first at any real cadence."""
HISTORY_S = 6 * 3600.0
"""How far back the view's chart of load against rating goes."""
HISTORY_POINTS = 240
FIELDS = ("current_a", "conductor_temp_c", "ambient_temp_c", "wind_m_s")
WIND_FROM_FIELD = "wind_from_deg"


@dataclass(frozen=True, slots=True)
class Refreshed:
    """One refresh: the reading it judged and what it found."""

    t: float
    observation: LineObservation
    status: LineStatus


def line_spec(spec: SensorSpec) -> LineSpec:
    """A pack segment as the rating needs it: its conductor, its ends (first and last tower) and altitude."""
    path = spec.params["path"]
    return LineSpec(
        parse_conductor(str(spec.params["conductor"])),
        Span(tuple(path[0]), tuple(path[-1]), float(spec.params["altitude_m"])),
        float(spec.params["max_temp_c"]),
    )


class LineSensorModel:
    """A segment's latest reading, its current's recent trend, and its last refreshed status."""

    def __init__(self, spec: LineSpec, history: Sequence[Sequence[float]] = ()) -> None:
        self.spec = spec
        self._newest_t: float | None = None
        self.latest: tuple[float, LineObservation] | None = None
        self.currents = SampleWindow(TREND_WINDOW_S, TREND_MAX_SAMPLES)
        self.refreshed: Refreshed | None = None
        self.history: deque[tuple[float, float, float, float]] = deque(
            (float(t), float(i), float(r), float(c)) for t, i, r, c in history
        )
        """(time, current, rating, conductor temperature) at each refresh, for the chart; thinned, bounded."""
        self._history_view: dict[str, list[Any]] | None = None
        """The history as the view shows it, until the history changes (every few minutes of event time); the
        view is published at every flush that rated the line."""

    @property
    def newest_t(self) -> float | None:
        return self._newest_t

    @property
    def pending(self) -> bool:
        """Whether a reading came in since the last refresh."""
        latest = self.latest
        return latest is not None and (self.refreshed is None or self.refreshed.t != latest[0])

    def update(self, t: float, values: Mapping[str, float | str]) -> None:
        numbers = [values.get(name) for name in FIELDS]
        if not all(isinstance(v, float) for v in numbers):
            return
        current, temp, air, wind = cast(list[float], numbers)
        wind_from = values.get(WIND_FROM_FIELD)
        self.currents.add(t, current)  # a late reading still informs the trend, not the latest state
        if self._newest_t is not None and t <= self._newest_t:
            return
        self._newest_t = t
        weather = SpanWeather(air, wind, math.radians(wind_from) if isinstance(wind_from, float) else None)
        self.latest = (t, LineObservation(current, temp, weather, self.trend_a_per_h()))

    def trend_a_per_h(self) -> float | None:
        """Least-squares slope of the current over the trend window (A per hour); None with too little of it."""
        times = self.currents.times
        if len(times) < 3 or times[-1] - times[0] < TREND_MIN_SPAN_S:
            return None
        return self.currents.rate_per_hour()

    def take(self, status: LineStatus) -> None:
        """The refreshed status of the latest reading (``refresh_lines``)."""
        assert self.latest is not None
        t, observation = self.latest
        self.refreshed = Refreshed(t, observation, status)
        history = self.history
        if not history or t - history[-1][0] >= HISTORY_S / HISTORY_POINTS:
            history.append((t, observation.current_a, round(status.rating_a, 1), observation.conductor_temp_c))
            self._history_view = None
        while history and history[0][0] < t - HISTORY_S:
            history.popleft()
            self._history_view = None

    def assess(self, assessment: Assessment, now: float) -> Assessment:
        refreshed = self.refreshed
        if refreshed is None:
            return assessment
        return line_assessment(self.spec, refreshed.observation, refreshed.status)

    def view(self) -> dict[str, Any] | None:
        refreshed = self.refreshed
        if refreshed is None:
            return None
        status, obs = refreshed.status, refreshed.observation
        return {
            "rating_a": round(status.rating_a, 1),
            "share": round(status.share, 4),
            "level": status.level,
            "current_a": obs.current_a,
            "conductor_temp_c": obs.conductor_temp_c,
            "expected_temp_c": round(status.expected_temp_c, 1),
            "max_temp_c": self.spec.max_temp_c,
            "temp_fault": status.temp_fault,
            "trend_a_per_h": None if obs.current_trend_a_per_h is None else round(obs.current_trend_a_per_h, 1),
            "hours_to_limit": None if status.hours_to_limit is None else round(status.hours_to_limit, 2),
            "air_temp_c": obs.weather.air_temp_c,
            "wind_m_s": obs.weather.wind_m_s,
            "history": self._history(),
        }

    def _history(self) -> dict[str, list[Any]]:
        """The thinned history, ending at the refreshed reading: the stored points are a few minutes apart, and a
        chart that stopped at the last of them could show the load under its rating beside a status that says
        ALARM for the reading after it."""
        shown = self._history_view
        if shown is None:
            shown = self._history_view = {
                "t": [epoch_iso(t) for t, _, _, _ in self.history],
                "current_a": [i for _, i, _, _ in self.history],
                "rating_a": [r for _, _, r, _ in self.history],
                "conductor_temp_c": [c for _, _, _, c in self.history],
            }
        refreshed = self.refreshed
        if refreshed is None or (self.history and self.history[-1][0] >= refreshed.t):
            return shown
        obs = refreshed.observation
        return {
            "t": [*shown["t"], epoch_iso(refreshed.t)],
            "current_a": [*shown["current_a"], obs.current_a],
            "rating_a": [*shown["rating_a"], round(refreshed.status.rating_a, 1)],
            "conductor_temp_c": [*shown["conductor_temp_c"], obs.conductor_temp_c],
        }

    def snapshot(self) -> dict[str, Any]:
        """The chart's history: the latest reading and the trend come back from the windows' last hour, which a
        restore replays."""
        return {"history": [list(h) for h in self.history]}

    def replay(self, windows: Mapping[str, SampleWindow]) -> None:
        """Feed the model the readings in the windows newer than its newest, oldest first; a reading is the
        fields measured at one time."""
        by_time: dict[float, dict[str, float | str]] = {}
        for name in (*FIELDS, WIND_FROM_FIELD):
            window = windows.get(name)
            if window is None:
                continue
            for t, value in zip(window.times, window.values, strict=True):
                by_time.setdefault(t, {})[name] = value
        newest = self._newest_t
        for t in sorted(by_time):
            if newest is None or t > newest:
                self.update(t, by_time[t])

    def replayable_since(self, windows: Mapping[str, SampleWindow]) -> float | None:
        window = windows.get("current_a")
        return window.times[0] if window is not None and window.times else None


def line_assessment(spec: LineSpec, obs: LineObservation, status: LineStatus) -> Assessment:
    """The 0-100 score of a line's status (module doc), with the reason in English."""
    share = status.share
    if share >= ALARM_SHARE:
        score = ramp(share, ALARM_SHARE, 1.3, 80, 100)
    elif share >= WARNING_SHARE:
        score = ramp(share, WARNING_SHARE, ALARM_SHARE, 50, 79)
    elif share >= WATCH_SHARE:
        score = ramp(share, WATCH_SHARE, WARNING_SHARE, 25, 49)
    else:
        score = ramp(share, 0.5, WATCH_SHARE, 0, 24)
    temp, t_max = obs.conductor_temp_c, spec.max_temp_c
    reason = (
        f"{obs.current_a:.0f} A = {100 * share:.0f} % of its {status.rating_a:.0f} A rating in this weather "
        f"({obs.weather.air_temp_c:.0f} °C, wind {obs.weather.wind_m_s:.1f} m/s)"
    )
    if status.temp_fault:
        score = max(score, SENSOR_FAULT_SCORE)
        reason += (
            f"; conductor sensor reads {temp:.0f} °C where the heat balance expects {status.expected_temp_c:.0f} °C:"
            " check the sensor or the weather feed"
        )
    elif temp >= t_max:
        score = max(score, ramp(temp, t_max, t_max + 15, 85, 100))
        reason += f"; conductor {temp:.0f} °C at or above its {t_max:g} °C limit"
    else:
        reason += f"; conductor {temp:.0f} °C of {t_max:g} °C"
    if status.hours_to_limit is not None and 0 < status.hours_to_limit <= 24:
        reason += f"; at this trend the rating is reached in {_duration(status.hours_to_limit)}"
    score = round(max(0.0, min(100.0, score)), 1)
    return Assessment(score, level_for(score), reason)


def refresh_lines(models: Sequence[SensorModel]) -> None:
    """Rate every model's latest reading in one vectorised solve, and give each its status."""
    pending = [m for m in cast(Sequence[LineSensorModel], models) if m.pending]
    if not pending:
        return
    latest = [m.latest for m in pending]
    assert all(x is not None for x in latest)
    readings = cast(list[tuple[float, LineObservation]], latest)
    statuses = line_statuses(
        [m.spec for m in pending],
        [obs for _, obs in readings],
        [datetime.fromtimestamp(t, UTC) for t, _ in readings],
    )
    for model, status in zip(pending, statuses, strict=True):
        model.take(status)


def _duration(hours: float) -> str:
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h"


def _new(spec: SensorSpec) -> LineSensorModel:
    return LineSensorModel(line_spec(spec))


def _restore(spec: SensorSpec, doc: Mapping[str, Any]) -> LineSensorModel:
    return LineSensorModel(line_spec(spec), doc.get("history") or ())


GRID = Domain("grid", frozenset({"grid.line"}), _new, _restore, refresh=refresh_lines)
