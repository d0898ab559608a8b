"""Dynamic line ratings: a published worked example, and what the weather does to a rating."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.citypack import CityPack
from consumers.grid.rating import (
    CONDUCTORS,
    ConductorType,
    LineConductor,
    Span,
    SpanWeather,
    _model,
    conductor_temperatures,
    parse_conductor,
    rating,
    ratings,
)

# IEEE 738-2012, Annex B: a Drake 26/7 ACSR at latitude 43° N, 10 June, 14:00 solar time, air 40 °C, wind
# 0.61 m/s perpendicular to the line, clear sky, emissivity and absorptivity 0.5: at 1000 A the conductor
# settles at 100.7 °C (the figures linerate's own acceptance tests hold it to).
DRAKE = ConductorType("Drake 26/7", 28.12e-3, 10.4e-3, 4.44e-3, 7.284e-5, 8.689e-5, 0.5, 0.5)
ANNEX_B_SPAN = Span((0.0, 43.0), (0.0, 43.01), 0.0)  # runs north, so wind from the east is perpendicular
ANNEX_B_WEATHER = SpanWeather(40.0, 0.61, math.radians(90.0))
ANNEX_B_TIME = datetime(2016, 6, 10, 14, 0, tzinfo=UTC)  # at longitude 0, UTC is solar time


def test_the_ieee_738_annex_b_drake_example_within_one_percent() -> None:
    amps = rating(LineConductor(DRAKE, 1), ANNEX_B_SPAN, ANNEX_B_WEATHER, ANNEX_B_TIME, 100.7)
    assert amps == pytest.approx(1000.0, rel=0.01)
    # A bundle of two carries twice as much at the same temperature.
    assert rating(LineConductor(DRAKE, 2), ANNEX_B_SPAN, ANNEX_B_WEATHER, ANNEX_B_TIME, 100.7) == pytest.approx(
        2 * amps, rel=0.005
    )


def test_the_annex_b_temperature_at_1000_a_within_one_percent() -> None:
    (temp,) = conductor_temperatures(
        [LineConductor(DRAKE, 1)], [ANNEX_B_SPAN], [ANNEX_B_WEATHER], ANNEX_B_TIME, [1000.0]
    )
    assert temp == pytest.approx(100.7, rel=0.01)


def test_the_same_instant_in_another_time_zone_gives_the_same_rating() -> None:
    local = ANNEX_B_TIME.astimezone(timezone(timedelta(hours=8)))  # 22:00 in Guiyang
    assert rating(LineConductor(DRAKE, 1), ANNEX_B_SPAN, ANNEX_B_WEATHER, local, 100.7) == pytest.approx(
        rating(LineConductor(DRAKE, 1), ANNEX_B_SPAN, ANNEX_B_WEATHER, ANNEX_B_TIME, 100.7), abs=1.0
    )


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        rating(LineConductor(DRAKE, 1), ANNEX_B_SPAN, ANNEX_B_WEATHER, ANNEX_B_TIME.replace(tzinfo=None), 100.7)


weather = st.builds(
    SpanWeather,
    st.floats(-10.0, 42.0),
    st.floats(0.2, 15.0),
    st.none() | st.floats(0.0, 2 * math.pi),
)


@settings(max_examples=25, deadline=None)
@given(w=weather, warmer=st.floats(1.0, 10.0), windier=st.floats(0.5, 5.0))
def test_hotter_air_lowers_and_more_wind_never_lowers_the_rating(w: SpanWeather, warmer: float, windier: float) -> None:
    """IEEE 738 cools by the larger of forced and natural convection: a light wind along the span cools no more
    than still air (Hypothesis found 0.5 -> 1.0 m/s parallel giving the same rating), so more wind never lowers
    the rating, and raises it once forced convection wins (below)."""
    line = LineConductor(CONDUCTORS["ACSR 240/30"], 1)
    base = rating(line, ANNEX_B_SPAN, w, ANNEX_B_TIME, 80.0)
    assert rating(line, ANNEX_B_SPAN, replace(w, air_temp_c=w.air_temp_c + warmer), ANNEX_B_TIME, 80.0) < base
    assert rating(line, ANNEX_B_SPAN, replace(w, wind_m_s=w.wind_m_s + windier), ANNEX_B_TIME, 80.0) >= base


@pytest.mark.parametrize("direction_deg", [90.0, 45.0, None])
def test_more_wind_across_the_span_raises_the_rating(direction_deg: float | None) -> None:
    line = LineConductor(CONDUCTORS["ACSR 240/30"], 1)
    wind_from = None if direction_deg is None else math.radians(direction_deg)
    speeds = [0.6, 1.0, 2.0, 4.0, 8.0]
    rated = [rating(line, ANNEX_B_SPAN, SpanWeather(30.0, v, wind_from), ANNEX_B_TIME, 80.0) for v in speeds]
    assert rated == sorted(rated) and len(set(rated)) == len(rated), rated


def test_an_unreported_wind_direction_is_rated_below_a_perpendicular_wind() -> None:
    line = LineConductor(CONDUCTORS["ACSR 400/35"], 4)
    perpendicular = rating(line, ANNEX_B_SPAN, SpanWeather(30.0, 2.0, math.radians(90.0)), ANNEX_B_TIME, 70.0)
    unknown = rating(line, ANNEX_B_SPAN, SpanWeather(30.0, 2.0, None), ANNEX_B_TIME, 70.0)
    along = rating(line, ANNEX_B_SPAN, SpanWeather(30.0, 2.0, 0.0), ANNEX_B_TIME, 70.0)
    assert along < unknown < perpendicular


def test_many_lines_at_once_are_exactly_the_lines_one_by_one(pack: CityPack) -> None:
    """Exactly, to the last bit: which lines share a flush (a consumer's partitions, a rebalance) must not change
    a line's published score. The pack mixes single conductors with bundles of four and the air varies."""
    specs = pack.sensors_of_type("grid.line")
    lines = [parse_conductor(str(s.params["conductor"])) for s in specs]
    assert len({line.bundle for line in lines}) > 1
    spans = [Span((s.lon - 0.01, s.lat - 0.005), (s.lon + 0.01, s.lat + 0.005), 1100.0) for s in specs]
    sky = [SpanWeather(-15.0 + 3 * i, 1.0 + i / 4, None) for i in range(len(specs))]
    temps = [float(s.params["max_temp_c"]) for s in specs]
    amps = [300.0 + 80 * i for i in range(len(specs))]
    together = ratings(lines, spans, sky, ANNEX_B_TIME, temps)
    heated = conductor_temperatures(lines, spans, sky, ANNEX_B_TIME, amps)
    each = list(zip(lines, spans, sky, strict=True))
    assert together.tolist() == [rating(*args, ANNEX_B_TIME, t) for args, t in zip(each, temps, strict=True)]
    assert heated.tolist() == [
        float(conductor_temperatures([line], [span], [w], ANNEX_B_TIME, [a])[0])
        for (line, span, w), a in zip(each, amps, strict=True)
    ]
    assert len(together) == len(specs) == 16


def test_every_conductor_of_the_guiyang_pack_is_in_the_catalogue(pack: CityPack) -> None:
    parsed = {s.id: parse_conductor(str(s.params["conductor"])) for s in pack.sensors_of_type("grid.line")}
    assert parsed["L-01"] == LineConductor(CONDUCTORS["ACSR 400/35"], 4)
    assert parsed["L-10"] == LineConductor(CONDUCTORS["ACSR 240/30"], 1)


@pytest.mark.parametrize("text", ["ACSR 999/1", "copper", "3×AAAC 400"])
def test_a_conductor_not_in_the_catalogue_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="not in the catalogue"):
        parse_conductor(text)


def test_a_still_hot_noon_rates_a_line_near_its_nameplate_and_a_cool_windy_night_far_above(pack: CityPack) -> None:
    spec = pack.sensors["L-10"]  # ACSR 240/30 at 80 °C, 600 A on its nameplate
    line = parse_conductor(str(spec.params["conductor"]))
    span = Span((spec.lon - 0.01, spec.lat), (spec.lon + 0.01, spec.lat), 1100.0)
    noon = datetime(2026, 7, 20, 4, 0, tzinfo=UTC)  # 12:00 in Guiyang
    hot = rating(line, span, SpanWeather(35.0, 0.6, None), noon, 80.0)
    cool = rating(line, span, SpanWeather(10.0, 6.0, None), noon + timedelta(hours=12), 80.0)
    assert 0.7 * 600 < hot < 1.1 * 600, hot
    assert cool > 1.5 * hot, (hot, cool)


@settings(max_examples=40, deadline=None)
@given(
    w=weather,
    conductor=st.sampled_from(sorted(CONDUCTORS)),
    bundle=st.sampled_from([1, 2, 4]),
    limit_c=st.floats(50.0, 150.0),
    hour=st.integers(0, 23),
)
def test_the_closed_form_rating_is_what_linerates_own_solver_finds_and_balances_the_heat(
    w: SpanWeather, conductor: str, bundle: int, limit_c: float, hour: int
) -> None:
    """The rating is solved in closed form; linerate's bisection over the same model lands within its tolerance
    of it, and at the rating the conductor's heat balance at its limit temperature is zero."""
    line = LineConductor(CONDUCTORS[conductor], bundle)
    when = ANNEX_B_TIME.replace(hour=hour)
    amps = rating(line, ANNEX_B_SPAN, w, when, limit_c)
    model = _model([line], [ANNEX_B_SPAN], [w], when, [limit_c])
    if amps == 0.0:  # the air and the sun alone hold it at its limit
        assert w.air_temp_c >= limit_c or model.compute_heat_balance(limit_c, 0.0)[0] >= 0
        return
    bisected = float(model.compute_steady_state_ampacity(limit_c, max_ampacity=20_000.0, tolerance=0.01)[0])
    assert amps == pytest.approx(bisected, abs=0.01 * bundle)
    per_conductor = amps / bundle
    balance = float(model.compute_heat_balance(limit_c, per_conductor)[0])
    assert abs(balance) < 1e-6 * float(model.compute_joule_heating(limit_c, per_conductor)[0])
