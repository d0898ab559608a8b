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
from collections.abc import Iterator, Sequence
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


def ratings(
    lines: Sequence[LineConductor],
    spans: Sequence[Span],
    weather: Sequence[SpanWeather],
    when: datetime | Sequence[datetime],
    max_temp_c: Sequence[float],
) -> np.ndarray:
    """Steady-state thermal ratings (A, for the whole bundle) of many spans at once: linerate's solver is
    vectorised, so a city's lines cost one call, not one per line (measured: 13 ms for one line alone, 26 µs a
    line for 3,000 together). ``when`` is one time for all of them, or one for each (the sun's position)."""
    out = np.empty(len(lines))
    for idx, model in _models(lines, spans, weather, when, max_temp_c):
        out[idx] = model.compute_steady_state_ampacity(np.asarray(max_temp_c, dtype=float)[idx], tolerance=0.5)
    return _finite(out, "rating")


def conductor_temperatures(
    lines: Sequence[LineConductor],
    spans: Sequence[Span],
    weather: Sequence[SpanWeather],
    when: datetime | Sequence[datetime],
    current_a: Sequence[float],
) -> np.ndarray:
    """The steady-state conductor temperatures (°C) the heat balance expects at these currents (whole bundle):
    what a measured temperature is checked against."""
    out = np.empty(len(lines))
    for idx, model in _models(lines, spans, weather, when, current_a):
        # Searched from the air's temperature up: below it the natural-convection term has no real value, and
        # the solver's default lower bound (-30 °C) returned NaN for every line.
        air = np.array([weather[i].air_temp_c for i in idx])
        out[idx] = model.compute_conductor_temperature(
            np.asarray(current_a, dtype=float)[idx], min_temperature=air, max_temperature=400.0, tolerance=0.25
        )
    return _finite(out, "conductor temperature")


def _models(
    lines: Sequence[LineConductor],
    spans: Sequence[Span],
    weather: Sequence[SpanWeather],
    when: datetime | Sequence[datetime],
    per_line: Sequence[float],
) -> Iterator[tuple[np.ndarray, linerate.IEEE738]]:
    """linerate's model for each conductor type among the lines (its Conductor holds one type's scalars), over
    the indices of that type's lines."""
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
    for conductor in {line.conductor for line in lines}:
        idx = np.array([i for i, line in enumerate(lines) if line.conductor == conductor])
        chosen = [spans[i] for i in idx]
        span = linerate.Span(
            conductor=_linerate_conductor(conductor),
            start_tower=_towers([s.start for s in chosen], chosen),
            end_tower=_towers([s.end for s in chosen], chosen),
            num_conductors=np.array([lines[i].bundle for i in idx], dtype=float),
        )
        reported = [weather[i].wind_from_rad for i in idx]
        wind_from = [
            span_azimuth(sp) + UNKNOWN_WIND_ANGLE_RAD if w is None else w
            for sp, w in zip(chosen, reported, strict=True)
        ]
        sky = linerate.Weather(
            air_temperature=np.array([weather[i].air_temp_c for i in idx]),
            wind_direction=np.array(wind_from),
            wind_speed=np.array([weather[i].wind_m_s for i in idx]),
            ground_albedo=GROUND_ALBEDO,
            clearness_ratio=1.0,
        )
        yield idx, linerate.IEEE738(span, sky, utc[idx])


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


def _linerate_conductor(conductor: ConductorType) -> linerate.Conductor:
    return linerate.Conductor(
        core_diameter=conductor.core_diameter_m,
        conductor_diameter=conductor.diameter_m,
        outer_layer_strand_diameter=conductor.outer_strand_m,
        emissivity=conductor.emissivity,
        solar_absorptivity=conductor.solar_absorptivity,
        temperature1=25.0,
        temperature2=75.0,
        resistance_at_temperature1=conductor.r25_ohm_per_m,
        resistance_at_temperature2=conductor.r75_ohm_per_m,
        aluminium_cross_section_area=float("nan"),  # no core magnetisation term: the tables' resistances
        constant_magnetic_effect=1.0,
        current_density_proportional_magnetic_effect=0.0,
        max_magnetic_core_relative_resistance_increase=1.0,
    )
