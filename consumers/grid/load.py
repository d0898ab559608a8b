"""A line's load against its dynamic rating: the share, the level it puts the line at, how long until the limit at
the present trend, and whether the measured conductor temperature can be believed.

Bands (issue 9): watch at 80 % of the rating for the weather now, warning at 95 %, alarm at 100 % or when the
measured conductor reaches its maximum operating temperature. A measured temperature more than
``TEMP_FAULT_MARGIN_C`` from what the heat balance expects at the measured current and weather is a sensor
fault: either the sensor or the weather feed is wrong, and a control room must know before trusting either.
The margin is wide because a conductor's temperature lags a changing load by its thermal time constant (some
minutes to tens of minutes), which the steady-state balance ignores; a tighter check needs the transient heat
balance (linerate has one) and is left for when the feed's cadence is known.

Pure and batched: a flush computes every changed line at once (``line_statuses``), because linerate's solver is
vectorised and one line alone costs as much as hundreds together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from consumers.grid.rating import LineConductor, Span, SpanWeather, conductor_temperatures, ratings

WATCH_SHARE = 0.80
WARNING_SHARE = 0.95
ALARM_SHARE = 1.00
TEMP_FAULT_MARGIN_C = 15.0


@dataclass(frozen=True, slots=True)
class LineSpec:
    """What the pack says of a line segment, as the rating needs it."""

    conductor: LineConductor
    span: Span
    max_temp_c: float


@dataclass(frozen=True, slots=True)
class LineObservation:
    """One line's latest reading."""

    current_a: float
    conductor_temp_c: float
    weather: SpanWeather
    current_trend_a_per_h: float | None = None
    """The current's trend over the recent window (the sensor's window slope), if known."""


@dataclass(frozen=True, slots=True)
class LineStatus:
    """A line's load judged against its rating for the weather now."""

    rating_a: float
    share: float
    """Load as a share of the dynamic rating."""
    level: str
    expected_temp_c: float
    """What the heat balance expects the conductor to be at this current and weather."""
    temp_fault: bool
    hours_to_limit: float | None
    """At the present trend, hours until the load reaches the rating (0 when it already has; None when the load
    is not rising)."""


def level_of(share: float, measured_temp_c: float, max_temp_c: float) -> str:
    if share >= ALARM_SHARE or measured_temp_c >= max_temp_c:
        return "alarm"
    if share >= WARNING_SHARE:
        return "warning"
    if share >= WATCH_SHARE:
        return "watch"
    return "ok"


def hours_to_limit(current_a: float, rating_a: float, trend_a_per_h: float | None) -> float | None:
    if current_a >= rating_a:
        return 0.0
    if trend_a_per_h is None or trend_a_per_h <= 0:
        return None
    return (rating_a - current_a) / trend_a_per_h


def line_statuses(
    specs: Sequence[LineSpec], observed: Sequence[LineObservation], when: datetime | Sequence[datetime]
) -> list[LineStatus]:
    """Every line's status at ``when`` (timezone-aware; one time, or each line's), in two vectorised solves for
    all of them."""
    if len(specs) != len(observed):
        raise ValueError("one observation per line")
    if not specs:
        return []
    conductors = [s.conductor for s in specs]
    spans = [s.span for s in specs]
    sky = [o.weather for o in observed]
    rated = ratings(conductors, spans, sky, when, [s.max_temp_c for s in specs])
    expected = conductor_temperatures(conductors, spans, sky, when, [o.current_a for o in observed])
    out = []
    for spec, obs, rating_a, expected_c in zip(specs, observed, rated, expected, strict=True):
        share = obs.current_a / float(rating_a) if rating_a > 0 else float("inf")
        out.append(
            LineStatus(
                rating_a=float(rating_a),
                share=share,
                level=level_of(share, obs.conductor_temp_c, spec.max_temp_c),
                expected_temp_c=float(expected_c),
                temp_fault=abs(obs.conductor_temp_c - float(expected_c)) > TEMP_FAULT_MARGIN_C,
                hours_to_limit=hours_to_limit(obs.current_a, float(rating_a), obs.current_trend_a_per_h),
            )
        )
    return out
