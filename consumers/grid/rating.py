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
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import linerate
import numpy as np

ALUMINIUM_ALPHA_PER_K = 0.00403
"""Temperature coefficient of resistance of hard-drawn aluminium (IEC 60889), for R at 25 and 75 °C from R20."""
EMISSIVITY = 0.8
SOLAR_ABSORPTIVITY = 0.8
GROUND_ALBEDO = 0.15
UNKNOWN_WIND_ANGLE_RAD = math.radians(45.0)


@dataclass(frozen=True, slots=True)
class ConductorType:
    """One conductor's construction, from its standard's table."""

    name: str
    diameter_m: float
    core_diameter_m: float
    outer_strand_m: float
    r25_ohm_per_m: float
    r75_ohm_per_m: float
    """AC resistance at 25 and 75 °C (DC from the tables where they give no AC figure)."""
    emissivity: float = EMISSIVITY
    solar_absorptivity: float = SOLAR_ABSORPTIVITY

    @classmethod
    def from_r20(cls, name: str, diameter_m: float, core_m: float, strand_m: float, r20: float) -> ConductorType:
        """From a table's DC resistance at 20 °C, with aluminium's temperature coefficient."""
        return cls(
            name,
            diameter_m,
            core_m,
            strand_m,
            r20 * (1 + ALUMINIUM_ALPHA_PER_K * 5),
            r20 * (1 + ALUMINIUM_ALPHA_PER_K * 55),
        )

    def linerate(self) -> linerate.Conductor:
        return linerate.Conductor(
            core_diameter=self.core_diameter_m,
            conductor_diameter=self.diameter_m,
            outer_layer_strand_diameter=self.outer_strand_m,
            emissivity=self.emissivity,
            solar_absorptivity=self.solar_absorptivity,
            temperature1=25.0,
            temperature2=75.0,
            resistance_at_temperature1=self.r25_ohm_per_m,
            resistance_at_temperature2=self.r75_ohm_per_m,
            aluminium_cross_section_area=float("nan"),  # no core magnetisation term: the tables' resistances
            constant_magnetic_effect=1.0,
            current_density_proportional_magnetic_effect=0.0,
            max_magnetic_core_relative_resistance_increase=1.0,
        )


# Steel-cored aluminium stranded conductors of GB/T 1179-2017 (JL/G1A), as their tables give them: overall and
# steel-core diameters, outer aluminium strand, DC resistance at 20 °C (Ω/m). A real line's datasheet overrides
# these.
CONDUCTORS: dict[str, ConductorType] = {
    c.name: c
    for c in (
        ConductorType.from_r20("ACSR 240/30", 21.60e-3, 7.20e-3, 3.60e-3, 0.1181e-3),
        ConductorType.from_r20("ACSR 300/40", 23.94e-3, 7.98e-3, 3.99e-3, 0.09614e-3),
        ConductorType.from_r20("ACSR 400/35", 26.82e-3, 7.50e-3, 3.22e-3, 0.07389e-3),
    )
}


@dataclass(frozen=True, slots=True)
class LineConductor:
    """What a line segment is strung with: a conductor type, so many to a phase (a bundle)."""

    conductor: ConductorType
    bundle: int


def parse_conductor(text: str) -> LineConductor:
    """A city pack's conductor, as a person writes it: ``4×ACSR 400/35 (Drake-class)``, ``ACSR 240/30``.

    Raises ``ValueError`` naming the text when the type is not in the catalogue (a rating from a guessed
    conductor would mislead)."""
    match = re.fullmatch(r"\s*(?:(\d+)\s*[×x]\s*)?(ACSR\s+\d+/\d+)\b.*", text)
    name = None if match is None else re.sub(r"\s+", " ", match.group(2))
    if match is None or name not in CONDUCTORS:
        raise ValueError(f"conductor {text!r} is not in the catalogue ({', '.join(CONDUCTORS)})")
    return LineConductor(CONDUCTORS[name], int(match.group(1) or 1))


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
    when: datetime,
    max_temp_c: Sequence[float],
) -> np.ndarray:
    """Steady-state thermal ratings (A, for the whole bundle) of many spans at once: linerate's solver is
    vectorised, so a city's lines cost one call, not one per line (measured: 13 ms for one line alone, 26 µs a
    line for 3,000 together)."""
    out = np.empty(len(lines))
    for idx, model in _models(lines, spans, weather, when, max_temp_c):
        out[idx] = model.compute_steady_state_ampacity(np.asarray(max_temp_c, dtype=float)[idx], tolerance=0.5)
    return _finite(out, "rating")


def conductor_temperatures(
    lines: Sequence[LineConductor],
    spans: Sequence[Span],
    weather: Sequence[SpanWeather],
    when: datetime,
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
    when: datetime,
    per_line: Sequence[float],
) -> Iterator[tuple[np.ndarray, linerate.IEEE738]]:
    """linerate's model for each conductor type among the lines (its Conductor holds one type's scalars), over
    the indices of that type's lines."""
    n = len(lines)
    if not (len(spans) == len(weather) == len(per_line) == n):
        raise ValueError("one span, one weather and one figure per line")
    if when.tzinfo is None:
        raise ValueError("when must be timezone-aware")
    utc = np.datetime64(when.astimezone(UTC).replace(tzinfo=None), "s")  # linerate's times are UTC, naive
    for conductor in {line.conductor for line in lines}:
        idx = np.array([i for i, line in enumerate(lines) if line.conductor == conductor])
        chosen = [spans[i] for i in idx]
        span = linerate.Span(
            conductor=conductor.linerate(),
            start_tower=_towers([s.start for s in chosen], chosen),
            end_tower=_towers([s.end for s in chosen], chosen),
            num_conductors=np.array([lines[i].bundle for i in idx], dtype=float),
        )
        reported = [weather[i].wind_from_rad for i in idx]
        wind_from = [
            _azimuth(sp) + UNKNOWN_WIND_ANGLE_RAD if w is None else w for sp, w in zip(chosen, reported, strict=True)
        ]
        sky = linerate.Weather(
            air_temperature=np.array([weather[i].air_temp_c for i in idx]),
            wind_direction=np.array(wind_from),
            wind_speed=np.array([weather[i].wind_m_s for i in idx]),
            ground_albedo=GROUND_ALBEDO,
            clearness_ratio=1.0,
        )
        yield idx, linerate.IEEE738(span, sky, np.full(len(idx), utc))


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


def _azimuth(span: Span) -> float:
    """The span's direction, clockwise from north (radians), on a sphere: good enough over a few kilometres."""
    (lon1, lat1), (lon2, lat2) = span.start, span.end
    dlon = math.radians(lon2 - lon1)
    y = math.sin(dlon) * math.cos(math.radians(lat2))
    x = math.cos(math.radians(lat1)) * math.sin(math.radians(lat2)) - math.sin(math.radians(lat1)) * math.cos(
        math.radians(lat2)
    ) * math.cos(dlon)
    return math.atan2(y, x) % (2 * math.pi)
