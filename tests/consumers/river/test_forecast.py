"""The recession forecast: recovers K, widens its band with lead time, and never returns nothing."""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.river.forecast import (
    Forecast,
    ForecastConfig,
    forecast,
    hourly_points,
    noise_sd,
    segment_start,
    trailing_day_mean,
)

DAY = 86400.0
HOUR = 3600.0
T0 = 1_700_006_400.0  # midnight UTC


def recession(
    days: float,
    k: float,
    x0: float = 10.0,
    base: float = 0.0,
    every_s: float = HOUR,
    noise: float = 0.0,
    diurnal: float = 0.0,
    seed: int = 0,
) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    out = []
    for i in range(int(days * DAY / every_s) + 1):
        t = T0 + i * every_s
        d = (t - T0) / DAY
        cycle = 1.0 - diurnal * math.sin(2 * math.pi * ((t % DAY) / HOUR - 9.0) / 24.0)
        x = base + (x0 - base) * k**d * cycle
        out.append((t, x * (1.0 + rng.gauss(0.0, noise))))
    return out


@pytest.mark.parametrize(
    ("k", "every_s"),
    [(0.95, HOUR), (0.90, 900.0), (0.97, DAY), (0.99, 6 * HOUR)],
)
def test_recovers_k_on_a_clean_exponential(k: float, every_s: float) -> None:
    days = 8.0 if every_s == DAY else 6.0
    fc = forecast(recession(days, k, every_s=every_s))
    assert fc.method == "recession"
    assert fc.k_per_day == pytest.approx(k, rel=0.01)
    truth_72 = 10.0 * k ** (days + 3)
    assert fc.points[72].median == pytest.approx(truth_72, rel=0.01)
    assert fc.points[72].t == fc.issue_t + 72 * HOUR
    assert len(fc.points) == 73


def test_stage_uses_base_zero_by_default() -> None:
    fc = forecast(recession(6, 0.96, x0=1.2), measure="stage")
    assert fc.base == 0.0
    assert fc.k_per_day == pytest.approx(0.96, rel=0.01)


def test_fitting_the_stage_base_finds_a_positive_base_and_a_better_72_hour_forecast() -> None:
    series = recession(7, 0.9, x0=1.2, base=0.3)
    with_base = forecast(series, measure="stage", config=ForecastConfig(fit_base=True))
    without = forecast(series, measure="stage")
    truth = 0.3 + 0.9 * 0.9 ** (7 + 3)
    assert 0.15 < with_base.base < 0.45
    assert abs(with_base.points[72].median - truth) < abs(without.points[72].median - truth)
    assert without.points[72].median < truth  # base 0 over-predicts the fall: it errs towards early warnings


def test_the_band_contains_the_truth_on_noisy_data_most_of_the_time() -> None:
    inside_truth = inside_obs = total = 0
    rng = random.Random(42)
    for seed in range(40):
        k = rng.uniform(0.92, 0.98)
        noise = rng.uniform(0.01, 0.03)
        full = recession(9, k, noise=noise, seed=seed)
        past = full[: 6 * 24 + 1]
        fc = forecast(past)
        for h in (24, 48, 72):
            p = fc.points[h]
            truth = 10.0 * k ** (6 + h / 24)
            obs = full[6 * 24 + h][1]
            inside_truth += p.low <= truth <= p.high
            inside_obs += p.low <= obs <= p.high
            total += 1
    assert inside_truth / total >= 0.9
    assert 0.65 <= inside_obs / total <= 0.97  # an 80 % band for observations


def test_the_band_widens_with_lead_time() -> None:
    fc = forecast(recession(6, 0.95, noise=0.02, seed=1))
    widths = [math.log(p.high / p.low) for p in fc.points]
    assert widths[72] > widths[24] > widths[0] > 0


def test_a_fall_faster_than_any_low_flow_recession_is_capped_at_k_090() -> None:
    fc = forecast(recession(6, 0.7))
    assert fc.k_per_day == pytest.approx(0.9)
    assert fc.extra["k_fitted"] == pytest.approx(0.7, rel=0.01)


def test_a_daily_cycle_is_fitted_and_shows_in_the_forecast() -> None:
    fc = forecast(recession(6, 0.97, diurnal=0.05))
    assert fc.diurnal and fc.k_per_day is not None
    assert fc.k_per_day == pytest.approx(0.97, rel=0.01)
    k = fc.k_per_day
    day_one = [p.median / (fc.trend_level * k ** (i / 24)) for i, p in enumerate(fc.points[:25])]
    assert max(day_one) - min(day_one) == pytest.approx(0.10, abs=0.01)


def test_rain_starts_a_new_segment() -> None:
    series = recession(6, 0.95)
    fc = forecast(series, last_rain_t=T0 + 2 * DAY)
    assert fc.method == "recession"
    assert fc.segment_hours <= 4 * 24 - 48  # after the rain, minus the storm runoff it skips
    late_rain = forecast(series, last_rain_t=T0 + 5 * DAY)
    assert late_rain.method == "persistence"


def test_a_rise_without_rain_starts_a_new_segment() -> None:
    series = [(t, x * (1.4 if t >= T0 + 2 * DAY else 1.0)) for t, x in recession(7, 0.95)]
    fc = forecast(series)
    assert fc.segment_hours <= 5 * 24 - 48
    assert fc.k_per_day == pytest.approx(0.95, rel=0.01)


def test_a_short_segment_gives_persistence_with_a_wide_band_and_low_confidence() -> None:
    fc = forecast(recession(0.5, 0.95))
    assert fc.method == "persistence"
    assert fc.k_per_day is None
    assert fc.confidence <= 0.2
    last = fc.points[-1]
    assert last.median == fc.points[0].median
    assert (last.high - last.low) / last.median > 0.3


def test_a_rising_river_gives_persistence() -> None:
    rising = [(t, 20.0 - x) for t, x in recession(6, 0.9)]
    assert forecast(rising).method == "persistence"
    creeping_up = [(T0 + i * HOUR, 5.0 + 0.001 * i) for i in range(6 * 24)]
    fc = forecast(creeping_up)
    assert (fc.method, fc.note) == ("persistence", "not receding")


def test_crossing_times_and_probability() -> None:
    fc = forecast(recession(6, 0.95))
    level = fc.points[0].median
    threshold = level * 0.95**2  # two days ahead
    assert fc.hours_until_below(threshold) == pytest.approx(48.0, abs=1.0)
    assert fc.eta_hours(threshold) == pytest.approx(48.0, abs=1.0)
    far = level * 0.95**6  # beyond the 72-hour points: the trend extended
    assert fc.hours_until_below(far) is None
    assert fc.eta_hours(far) == pytest.approx(144.0, abs=2.0)
    assert fc.prob_below(level * 0.5, 72) == pytest.approx(0.0, abs=1e-6)
    assert fc.prob_below(level * 2.0, 72) == pytest.approx(1.0, abs=1e-6)
    assert fc.hours_until_below(level * 2.0) == 0.0
    assert fc.min_within(72) == fc.points[72].median
    assert fc.low_within(72) <= fc.min_within(72)
    assert fc.quantile_within(72, 0.0) == pytest.approx(fc.min_within(72))
    assert fc.quantile_within(72, 1.2815515655446004) == pytest.approx(fc.low_within(72))


def test_forecast_round_trips_through_json() -> None:
    fc = forecast(recession(6, 0.95, noise=0.02, diurnal=0.03, seed=2))
    again = Forecast.from_dict(json.loads(json.dumps(fc.to_dict(), allow_nan=False)))
    assert again == fc


def test_hourly_points_average_each_clock_hour() -> None:
    ts, xs = hourly_points([(T0, 1.0), (T0 + 1800, 3.0), (T0 + 3600, 5.0)])
    assert ts == [T0 + 900, T0 + 3600]
    assert xs == [2.0, 5.0]


def test_segment_start_stops_at_rain_and_at_a_rise() -> None:
    ts = [float(i) for i in range(10)]
    falling = [10.0 - i for i in range(10)]
    assert segment_start(ts, falling, None, 0.5) == 0
    assert segment_start(ts, falling, 3.0, 0.5) == 4
    bump = [5.0, 4.0, 3.0, 6.0, 5.5, 5.0, 4.5, 4.0, 3.5, 3.0]
    assert segment_start(ts, bump, None, 0.5) == 3


def test_noise_sd_ignores_a_trend_and_trailing_mean_hides_a_cycle() -> None:
    rng = random.Random(0)
    xs = [10.0 - 0.1 * i + rng.gauss(0, 0.2) for i in range(500)]
    assert noise_sd(xs) == pytest.approx(0.2, rel=0.15)
    ts = [T0 + i * HOUR for i in range(96)]
    cycle = [1.0 + 0.1 * math.sin(2 * math.pi * i / 24) for i in range(96)]
    smooth = trailing_day_mean(ts, cycle)
    assert max(smooth[24:]) - min(smooth[24:]) < 0.01


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.floats(-5.0, 50.0, allow_nan=False), min_size=1, max_size=250),
    every=st.sampled_from([60.0, 900.0, HOUR, DAY]),
    rain_at=st.one_of(st.none(), st.integers(0, 249)),
    measure=st.sampled_from(["stage", "discharge"]),
    fit_base=st.booleans(),
)
def test_the_band_always_contains_its_median(
    values: list[float], every: float, rain_at: int | None, measure: str, fit_base: bool
) -> None:
    series = [(T0 + i * every, v) for i, v in enumerate(values)]
    rain_t = None if rain_at is None else T0 + rain_at * every
    fc = forecast(series, rain_t, measure=measure, config=ForecastConfig(fit_base=fit_base))
    assert len(fc.points) == 73
    for p in fc.points:
        assert math.isfinite(p.low) and math.isfinite(p.high)
        assert p.low <= p.median <= p.high
    json.dumps(fc.to_dict(), allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(k=st.floats(0.9, 0.995), noise=st.floats(0.0, 0.05), seed=st.integers(0, 1000))
def test_the_band_contains_its_median_on_recessions(k: float, noise: float, seed: int) -> None:
    fc = forecast(recession(5, k, noise=noise, seed=seed))
    assert all(p.low <= p.median <= p.high for p in fc.points)
