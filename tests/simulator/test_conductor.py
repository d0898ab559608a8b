"""The simulator's conductor temperatures agree with the consumers' heat balance (linerate), so that a simulated
line is never flagged as a faulty sensor for the simulator's arithmetic."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from consumers.grid.conductors import CONDUCTORS, ConductorType, LineConductor
from consumers.grid.rating import Span, SpanWeather, conductor_temperatures, span_azimuth
from simulator.conductor import SpanSky, conductor_temp_c

# IEEE 738-2012 Annex B (see tests/consumers/grid/test_rating.py): Drake 26/7 at 1000 A settles at 100.7 °C.
DRAKE = ConductorType("Drake 26/7", 28.12e-3, 10.4e-3, 4.44e-3, 7.284e-5, 8.689e-5, 0.5, 0.5)


def test_the_ieee_738_annex_b_drake_example_within_one_percent() -> None:
    sky = SpanSky(40.0, 0.61, 90.0, 0.0, 43.0, 0.0, 0.0, datetime(2016, 6, 10, 14, 0, tzinfo=UTC))
    assert conductor_temp_c(LineConductor(DRAKE, 1), 1000.0, sky) == pytest.approx(100.7, rel=0.01)


def test_it_agrees_with_linerate_over_the_weather_loads_and_hours_of_guiyang() -> None:
    rng = random.Random(20261202)
    cases = []
    for _ in range(200):
        bundle = rng.choice((1, 2, 4))
        line = LineConductor(rng.choice(list(CONDUCTORS.values())), bundle)
        lon, lat = 106.7 + rng.uniform(-0.3, 0.3), 26.6 + rng.uniform(-0.3, 0.3)
        span = Span(
            (lon, lat), (lon + rng.uniform(-0.02, 0.02), lat + rng.uniform(-0.02, 0.02)), rng.uniform(900, 1400)
        )
        weather = SpanWeather(rng.uniform(-5, 40), rng.uniform(0.2, 8), math.radians(rng.uniform(0, 360)))
        when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rng.uniform(0, 24 * 365))
        cases.append((line, span, weather, when, rng.uniform(0.0, 1.5) * 600 * bundle))
    expected = conductor_temperatures(*(list(column) for column in zip(*cases, strict=True)))
    for (line, span, weather, when, current), linerate_c in zip(cases, expected, strict=True):
        assert weather.wind_from_rad is not None
        sky = SpanSky(
            weather.air_temp_c,
            weather.wind_m_s,
            math.degrees(weather.wind_from_rad),
            math.degrees(span_azimuth(span)),
            span.start[1],
            span.start[0],
            span.altitude_m,
            when,
        )
        assert conductor_temp_c(line, current, sky) == pytest.approx(linerate_c, abs=1.0)
