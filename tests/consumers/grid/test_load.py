"""A line's load against its dynamic rating: bands, time to the limit, and a temperature that cannot be right."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.grid.load import (
    TEMP_FAULT_MARGIN_C,
    LineObservation,
    LineSpec,
    hours_to_limit,
    level_of,
    line_statuses,
)
from consumers.grid.rating import CONDUCTORS, LineConductor, Span, SpanWeather, conductor_temperatures, rating

NOON = datetime(2026, 7, 20, 4, 0, tzinfo=UTC)  # 12:00 in Guiyang
HAWK = LineSpec(LineConductor(CONDUCTORS["ACSR 240/30"], 1), Span((106.60, 26.60), (106.62, 26.60), 1100.0), 80.0)
CALM_HOT = SpanWeather(33.0, 1.0, None)


def at_share(share: float, spec: LineSpec = HAWK, weather: SpanWeather = CALM_HOT) -> LineObservation:
    amps = share * rating(spec.conductor, spec.span, weather, NOON, spec.max_temp_c)
    expected = float(conductor_temperatures([spec.conductor], [spec.span], [weather], NOON, [amps])[0])
    return LineObservation(amps, expected, weather)


@pytest.mark.parametrize(
    ("share", "level"), [(0.5, "ok"), (0.79, "ok"), (0.81, "watch"), (0.96, "warning"), (1.02, "alarm")]
)
def test_the_bands_are_shares_of_the_rating_for_the_weather_now(share: float, level: str) -> None:
    (status,) = line_statuses([HAWK], [at_share(share)], NOON)
    assert status.share == pytest.approx(share, rel=0.01)
    assert status.level == level and not status.temp_fault


def test_the_same_current_is_fine_on_a_windy_night_and_an_alarm_on_a_still_hot_noon() -> None:
    amps = rating(HAWK.conductor, HAWK.span, CALM_HOT, NOON, HAWK.max_temp_c) * 1.02
    windy = SpanWeather(12.0, 6.0, None)
    hot = line_statuses([HAWK], [LineObservation(amps, 79.0, CALM_HOT)], NOON)[0]
    cool = line_statuses([HAWK], [LineObservation(amps, 40.0, windy)], NOON)[0]
    assert hot.level == "alarm" and cool.level == "ok", (hot, cool)
    assert cool.rating_a > 1.5 * hot.rating_a


def test_a_conductor_at_its_maximum_temperature_is_an_alarm_whatever_the_share() -> None:
    assert level_of(0.3, 80.0, 80.0) == "alarm"


def test_a_measured_temperature_far_from_the_heat_balance_is_a_sensor_fault() -> None:
    fine = at_share(0.6)
    off = replace(fine, conductor_temp_c=fine.conductor_temp_c - TEMP_FAULT_MARGIN_C - 5)
    near = replace(fine, conductor_temp_c=fine.conductor_temp_c + TEMP_FAULT_MARGIN_C - 5)
    statuses = line_statuses([HAWK, HAWK, HAWK], [fine, off, near], NOON)
    assert [s.temp_fault for s in statuses] == [False, True, False]


def test_hours_to_the_limit_at_the_present_trend() -> None:
    assert hours_to_limit(400.0, 600.0, 50.0) == pytest.approx(4.0)
    assert hours_to_limit(400.0, 600.0, -10.0) is None and hours_to_limit(400.0, 600.0, None) is None
    assert hours_to_limit(650.0, 600.0, None) == 0.0
    (status,) = line_statuses([HAWK], [replace(at_share(0.9), current_trend_a_per_h=30.0)], NOON)
    assert status.hours_to_limit == pytest.approx(0.1 * status.rating_a / 30.0, rel=0.01)


@settings(max_examples=20, deadline=None)
@given(share=st.floats(0.1, 1.3), more=st.floats(0.01, 0.3), temp=st.floats(20.0, 90.0))
def test_more_load_never_lowers_the_level(share: float, more: float, temp: float) -> None:
    order = ["ok", "watch", "warning", "alarm"]
    assert order.index(level_of(share + more, temp, 80.0)) >= order.index(level_of(share, temp, 80.0))


def test_a_city_of_lines_in_one_call_is_each_line_alone() -> None:
    specs = [replace(HAWK, max_temp_c=70.0 + i) for i in range(5)]
    observed = [at_share(0.5 + i / 10, spec) for i, spec in enumerate(specs)]
    together = line_statuses(specs, observed, NOON)
    alone = [line_statuses([s], [o], NOON)[0] for s, o in zip(specs, observed, strict=True)]
    assert [s.level for s in together] == [s.level for s in alone] == ["ok", "ok", "ok", "watch", "watch"]
    assert [s.rating_a for s in together] == pytest.approx([s.rating_a for s in alone], abs=1.0)


@settings(max_examples=160, deadline=None)  # as many as there are combinations
@given(
    air=st.sampled_from([-50.0, -10.0, 20.0, 45.0, 60.0]),
    wind=st.sampled_from([0.0, 0.3, 10.0, 75.0]),
    current=st.sampled_from([0.0, 300.0, 2500.0, 5000.0]),
    hour=st.sampled_from([4, 16]),
)
def test_every_reading_the_contract_accepts_gets_a_status(air: float, wind: float, current: float, hour: int) -> None:
    """The contract's extremes (air -50..60 °C, wind 0..75 m/s, 0..5,000 A) on every conductor of the catalogue,
    bundled or not, with the lowest limit a pack may give (50 °C): a status for each, never an error, which would
    drop the readings of every line in the flush."""
    specs = [LineSpec(LineConductor(c, bundle), HAWK.span, 50.0) for c in CONDUCTORS.values() for bundle in (1, 4)]
    observed = [LineObservation(current, air, SpanWeather(air, wind)) for _ in specs]
    statuses = line_statuses(specs, observed, datetime(2026, 7, 1, hour, tzinfo=UTC))
    assert len(statuses) == len(specs)
    for status in statuses:
        assert status.rating_a >= 0 and status.expected_temp_c >= air - 0.5
        if status.rating_a == 0:  # the air and sun alone keep it at its limit: any load is over
            assert current == 0 or status.level == "alarm"
