"""A line's steady-state thermal rating in the weather at its span: how much current heats the conductor to its
maximum operating temperature, computed with ``linerate`` (IEEE 738-2012), not with hand-written heat balances.

Why dynamic: a fixed nameplate rating assumes a hot, still, sunny day; on a cool windy day the same line carries
far more, and in a heat wave with no wind, less. Control rooms compare the load with the rating for the weather
now (issue 9). The conductor's physics is in the catalogue below; the span's position, direction and altitude
come from the city pack; the weather from the line's own feed.

Assumptions, where the feeds do not say: a weathered conductor (emissivity and solar absorptivity 0.8); a clear
sky (``clearness_ratio`` 1, the most sunshine for the hour and place); ground albedo 0.15; and when the wind's
direction is not reported, wind at 45° to the span (perpendicular wind cools most; 45° is the conservative middle
that a rating without a measured direction uses here).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import linerate
import numpy as np

from consumers.grid.conductors import CONDUCTORS, ConductorType, LineConductor, parse_conductor

__all__ = [
    "CONDUCTORS",
    "ConductorType",
    "LineConductor",
    "Span",
    "SpanWeather",
    "conductor_temperatures",
    "parse_conductor",
    "rating",
    "ratings",
    "span_azimuth",
]

GROUND_ALBEDO = 0.15
UNKNOWN_WIND_ANGLE_RAD = math.radians(45.0)


@dataclass(frozen=True, slots=True)
class Span:
    """Where a span is: its two ends (longitude, latitude in degrees) and its altitude above sea level."""

    start: tuple[float, float]
    end: tuple[float, float]
    altitude_m: float


@dataclass(frozen=True, slots=True)
class SpanWeather:
    """The weather at a span, as its feed reports it."""

    air_temp_c: float
    wind_m_s: float
    wind_from_rad: float | None = None
    """Direction the wind blows from, clockwise from north; None when the feed does not say."""


TEMPERATURE_STEPS = 14
"""Halvings of each line's temperature search (its air up to ``MAX_SEARCH_TEMP_C``): under 0.2 °C."""
MAX_SEARCH_TEMP_C = 3000.0
"""The top of the temperature's search. The contract lets a reading carry 5,000 A on any line, and on a single
small conductor the heat balance settles far above the point where aluminium melts (660 °C): the number then
only says that the reading cannot be what the line does, which is what the sensor check needs."""


def ratings(
    lines: Sequence[LineConductor],
    spans: Sequence[Span],
    weather: Sequence[SpanWeather],
    when: datetime | Sequence[datetime],
    max_temp_c: Sequence[float],
) -> np.ndarray:
    """Steady-state thermal ratings (A, for the whole bundle) of many spans at once, one vectorised linerate model
    for all of them (``python -m bench.line_ratings``). ``when`` is one time for all of them, or one for each (the
    sun's position).

    Solved in closed form with linerate's own terms, not by its bisection: at the limit temperature the sun, the
    air and the radiation give a fixed balance ``P_s - P_c - P_r``, and the Joule heating that cancels it is
    ``I^2 R(T_max)`` per conductor (these conductors carry no magnetic-core term, so ``R`` does not depend on the
    current). One evaluation instead of twenty, and exact where the bisection stopped within 0.04 A a conductor:
    at city scale each flush rates every line that reported, and the lines' two bisections (this one and the
    temperature's) were a quarter of its time (``bench.city_scale --base landmarks`` at 100x, py-spy).

    A line that the air and the sun alone keep at or above its limit temperature has a rating of 0 A: it can carry
    nothing without passing its limit."""
    limit = np.asarray(max_temp_c, dtype=float)
    model = _model(lines, spans, weather, when, max_temp_c)
    air = np.array([w.air_temp_c for w in weather])
    no_current = np.zeros(len(lines))
    with np.errstate(invalid="ignore"):  # natural convection of a conductor colder than the air is NaN
        balance = np.asarray(model.compute_heat_balance(limit, no_current), dtype=float)
    resistance = np.asarray(model.compute_resistance(limit, no_current), dtype=float)
    hopeless = (air >= limit) | (balance >= 0)
    bundles = np.array([float(line.bundle) for line in lines])
    with np.errstate(invalid="ignore", divide="ignore"):
        amps = bundles * np.sqrt(-balance / resistance)
    return _finite(np.where(hopeless, 0.0, amps), "rating")


def conductor_temperatures(
    lines: Sequence[LineConductor],
    spans: Sequence[Span],
    weather: Sequence[SpanWeather],
    when: datetime | Sequence[datetime],
    current_a: Sequence[float],
) -> np.ndarray:
    """The steady-state conductor temperatures (°C) the heat balance expects at these currents (whole bundle):
    what a measured temperature is checked against."""
    model = _model(lines, spans, weather, when, current_a)
    # Searched from the air's temperature up: below it the natural-convection term has no real value, and the
    # solver's default lower bound (-30 °C) returned NaN for every line.
    air = np.array([w.air_temp_c for w in weather])
    temps = model.compute_conductor_temperature(
        np.asarray(current_a, dtype=float),
        min_temperature=air,
        max_temperature=MAX_SEARCH_TEMP_C,
        tolerance=_fixed_steps(MAX_SEARCH_TEMP_C - air, TEMPERATURE_STEPS),
    )
    return _finite(np.asarray(temps, dtype=float), "conductor temperature")


def _fixed_steps(widths: np.ndarray, steps: int) -> float:
    """The tolerance that makes linerate's bisection halve every search exactly ``steps`` times.

    linerate stops when the widest search of the call is narrower than the tolerance, so with a fixed tolerance
    the number of halvings, and with it each line's answer, depends on the other lines in the call: a consumer
    that owned other partitions published a line's score 0.1 away from another's (a CI failure, 2 December).
    The widest width halved ``steps`` times is exact in binary floating point, so the loop runs ``steps`` times
    whatever the call holds, and each line's answer is its own search's."""
    return float(np.max(widths)) / 2.0**steps


def _model(
    lines: Sequence[LineConductor],
    spans: Sequence[Span],
    weather: Sequence[SpanWeather],
    when: datetime | Sequence[datetime],
    per_line: Sequence[float] | np.ndarray,
) -> linerate.IEEE738:
    """One linerate model over all the lines: its conductor, span and weather take an array per parameter, so
    lines of different conductor types share one solve (a model per type cost a solve per type: 48 ms instead
    of 12 for Guiyang's three types)."""
    n = len(lines)
    if not (len(spans) == len(weather) == len(per_line) == n):
        raise ValueError("one span, one weather and one figure per line")
    times = [when] * n if isinstance(when, datetime) else list(when)
    if len(times) != n:
        raise ValueError("one time per line")
    if any(t.tzinfo is None for t in times):
        raise ValueError("when must be timezone-aware")
    # linerate's times are UTC, naive; the sun's position is worked out for each line's own time.
    utc = np.array([np.datetime64(t.astimezone(UTC).replace(tzinfo=None), "s") for t in times])
    span = linerate.Span(
        conductor=_linerate_conductor([line.conductor for line in lines]),
        start_tower=_towers([s.start for s in spans], spans),
        end_tower=_towers([s.end for s in spans], spans),
        num_conductors=np.array([line.bundle for line in lines], dtype=float),
    )
    wind_from = [
        span_azimuth(sp) + UNKNOWN_WIND_ANGLE_RAD if w.wind_from_rad is None else w.wind_from_rad
        for sp, w in zip(spans, weather, strict=True)
    ]
    sky = linerate.Weather(
        air_temperature=np.array([w.air_temp_c for w in weather]),
        wind_direction=np.array(wind_from),
        wind_speed=np.array([w.wind_m_s for w in weather]),
        ground_albedo=GROUND_ALBEDO,
        clearness_ratio=1.0,
    )
    return linerate.IEEE738(span, sky, utc)


def rating(line: LineConductor, span: Span, weather: SpanWeather, when: datetime, max_temp_c: float) -> float:
    """The steady-state thermal rating of one span (A, whole bundle)."""
    return float(ratings([line], [span], [weather], when, [max_temp_c])[0])


def _finite(values: np.ndarray, what: str) -> np.ndarray:
    """A NaN would compare as "not over the limit" everywhere downstream: refuse it where it is made."""
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(f"no {what} for lines at {bad.tolist()} (check their weather and conductor)")
    return values


def _towers(ends: Sequence[tuple[float, float]], spans: Sequence[Span]) -> linerate.Tower:
    return linerate.Tower(
        longitude=np.array([lon for lon, _ in ends]),
        latitude=np.array([lat for _, lat in ends]),
        altitude=np.array([s.altitude_m for s in spans]),
    )


def span_azimuth(span: Span) -> float:
    """The span's direction, clockwise from north (radians), on a sphere: good enough over a few kilometres."""
    (lon1, lat1), (lon2, lat2) = span.start, span.end
    dlon = math.radians(lon2 - lon1)
    y = math.sin(dlon) * math.cos(math.radians(lat2))
    x = math.cos(math.radians(lat1)) * math.sin(math.radians(lat2)) - math.sin(math.radians(lat1)) * math.cos(
        math.radians(lat2)
    ) * math.cos(dlon)
    return math.atan2(y, x) % (2 * math.pi)


def _linerate_conductor(conductors: Sequence[ConductorType]) -> linerate.Conductor:
    """The conductors as one linerate Conductor, a value per line for each property."""

    def each(value: Callable[[ConductorType], float]) -> np.ndarray:
        return np.array([value(c) for c in conductors])

    return linerate.Conductor(
        core_diameter=each(lambda c: c.core_diameter_m),
        conductor_diameter=each(lambda c: c.diameter_m),
        outer_layer_strand_diameter=each(lambda c: c.outer_strand_m),
        emissivity=each(lambda c: c.emissivity),
        solar_absorptivity=each(lambda c: c.solar_absorptivity),
        temperature1=25.0,
        temperature2=75.0,
        resistance_at_temperature1=each(lambda c: c.r25_ohm_per_m),
        resistance_at_temperature2=each(lambda c: c.r75_ohm_per_m),
        aluminium_cross_section_area=float("nan"),  # no core magnetisation term: the tables' resistances
        constant_magnetic_effect=1.0,
        current_density_proportional_magnetic_effect=0.0,
        max_magnetic_core_relative_resistance_increase=1.0,
    )
