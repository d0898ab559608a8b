"""Warnings with hysteresis: no flapping, drought ETA and confidence, flood by level and by rate of rise."""

from __future__ import annotations

import math
import random
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.river.forecast import Z80, Forecast, ForecastPoint
from consumers.river.gauge import GaugeModel
from consumers.river.warnings import DroughtWarning, FloodWarning, low_band_top, slope_per_hour

HOUR = 3600.0
DAY = 86400.0
T0 = 1_700_006_400.0
LOW, NORMAL = 0.6, 1.2
PARAMS = {
    "id": "NM-01",
    "measure": "stage",
    "normal": {"stage_m": NORMAL},
    "thresholds": {"drought_low": LOW, "flood_warning": 3.0, "flood_danger": 4.2},
}


def fc(t: float, level: float, k: float = 0.97, spread: float = 0.02, method: str = "recession") -> Forecast:
    """A recession (or flat persistence) forecast with a log-space band of ``spread`` at every lead."""
    points = []
    for h in range(73):
        m = level * k ** (h / 24) if method == "recession" else level
        points.append(ForecastPoint(t + h * HOUR, m, m * math.exp(-Z80 * spread), m * math.exp(Z80 * spread)))
    return Forecast(t, tuple(points), method, k if method == "recession" else None, 48.0, 0.0, level, 0.9)


def warning(threshold: float = LOW) -> DroughtWarning:
    return DroughtWarning(threshold=threshold, recover_level=low_band_top(threshold, NORMAL))


CROSSING = 0.65  # at k = 0.97 the median reaches 0.593 at 72 h
CALM = 1.0


def test_raised_only_after_two_consecutive_crossing_forecasts() -> None:
    w = warning()
    w.update(T0, CROSSING, fc(T0, CROSSING))
    assert not w.active
    w.update(T0 + HOUR, CROSSING, fc(T0 + HOUR, CROSSING))
    assert w.active and w.since_t == T0 + HOUR


def test_noise_that_alternates_the_condition_never_raises() -> None:
    w = warning()
    for i in range(48):
        level = CROSSING if i % 2 else 0.80
        w.update(T0 + i * HOUR, level, fc(T0 + i * HOUR, level))
        assert not w.active


def test_once_raised_noise_does_not_clear_it() -> None:
    w = warning()
    for i in range(2):
        w.update(T0 + i * HOUR, CROSSING, fc(T0 + i * HOUR, CROSSING))
    for i in range(2, 100):
        level = CROSSING if i % 2 else CALM
        w.update(T0 + i * HOUR, level, fc(T0 + i * HOUR, level))
        assert w.active


def test_cleared_after_recovery_and_a_calm_forecast_for_24_hours() -> None:
    w = warning()
    for i in range(2):
        w.update(T0 + i * HOUR, CROSSING, fc(T0 + i * HOUR, CROSSING))
    cleared_at = None
    for i in range(2, 60):
        w.update(T0 + i * HOUR, CALM, fc(T0 + i * HOUR, CALM))
        if not w.active and cleared_at is None:
            cleared_at = i
    assert cleared_at == 2 + 24


def test_not_cleared_while_the_forecast_still_crosses() -> None:
    w = warning()
    for i in range(100):
        # recovered level (0.80 >= 0.75) but falling fast: still crossing within 72 h
        w.update(T0 + i * HOUR, 0.80, fc(T0 + i * HOUR, 0.80, k=0.85))
    assert w.active


def test_a_shower_does_not_clear_it_but_five_quiet_recovered_days_do() -> None:
    w = warning()
    for i in range(2):
        w.update(T0 + i * HOUR, CROSSING, fc(T0 + i * HOUR, CROSSING))
    for i in range(2, 2 + 4 * 24):  # rain: only persistence forecasts, level up
        w.update(T0 + i * HOUR, CALM, fc(T0 + i * HOUR, CALM, method="persistence"))
    assert w.active
    for i in range(2 + 4 * 24, 2 + 5 * 24 + 1):
        w.update(T0 + i * HOUR, CALM, fc(T0 + i * HOUR, CALM, method="persistence"))
    assert not w.active


def test_a_persistence_forecast_raises_only_below_the_threshold() -> None:
    w = warning()
    wide = fc(T0, 0.62, spread=0.5, method="persistence")
    assert wide.points[72].low < LOW
    assert not w.crosses(wide, 0.62)
    assert w.crosses(fc(T0, 0.59, method="persistence"), 0.59)


def test_eta_and_confidence() -> None:
    w = warning()
    for i in range(2):
        w.update(T0 + i * HOUR, 0.63, fc(T0 + i * HOUR, 0.63))
    expected = 24 * math.log(LOW / 0.63) / math.log(0.97)
    assert w.eta_hours == pytest.approx(expected, abs=1.0)
    assert w.confidence is not None and 0.5 < w.confidence <= 1.0
    w.update(T0 + 2 * HOUR, 0.58, fc(T0 + 2 * HOUR, 0.58))
    assert (w.eta_hours, w.confidence) == (0.0, 1.0)


@settings(max_examples=100, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.floats(0.3, 1.5),
            st.floats(0.8, 1.0),
            st.floats(0.0, 0.3),
            st.sampled_from(["recession", "persistence"]),
        ),
        min_size=1,
        max_size=150,
    ),
    thresholds=st.tuples(st.floats(0.3, 1.0), st.floats(0.0, 0.3)),
)
def test_a_lower_threshold_never_warns_where_a_higher_one_does_not(
    steps: list[tuple[float, float, float, str]], thresholds: tuple[float, float]
) -> None:
    high_t, gap = thresholds
    lo, hi = warning(high_t - gap), warning(high_t)
    for i, (level, k, spread, method) in enumerate(steps):
        t = T0 + i * HOUR
        forecast = fc(t, level, k, spread, method)
        lo.update(t, level, forecast)
        hi.update(t, level, forecast)
        assert hi.active or not lo.active


def test_low_band_top_grows_with_the_threshold() -> None:
    assert low_band_top(0.6, 1.2) == pytest.approx(0.75)
    assert low_band_top(1.0, 1.0) == pytest.approx(1.05)  # normal not above: 5 % of the threshold
    tops = [low_band_top(x / 10, 1.0) for x in range(-20, 30)]
    assert tops == sorted(tops)


# -- flood ------------------------------------------------------------------------------------------------


def flood() -> FloodWarning:
    return FloodWarning(warning_level=3.0, danger_level=4.2, normal=NORMAL)


def test_flood_level_goes_up_at_once_and_down_after_a_margin_and_a_hold() -> None:
    f = flood()
    f.update_level(T0, 3.05)
    assert f.level == "warning"
    f.update_level(T0 + 300, 4.3)
    assert f.level == "danger"
    f.update_level(T0 + 600, 4.15)  # under danger but within the margin (0.12 m)
    f.update_level(T0 + 900, 4.1)
    f.update_level(T0 + 2700, 4.1)
    assert f.level == "danger"
    f.update_level(T0 + 3000, 4.0)
    f.update_level(T0 + 3300, 4.0)
    f.update_level(T0 + 4800, 4.0)
    assert f.level == "warning"
    for i in range(10):
        f.update_level(T0 + 5000 + i * 300, 2.9)  # under 3.0 but within the margin (0.18 m)
    assert f.level == "warning"
    for i in range(10):
        f.update_level(T0 + 9000 + i * 300, 2.7)
    assert f.level == "none"


def test_rate_of_rise_eta_is_distance_over_rate() -> None:
    f = flood()
    f.update_rate(T0, 2.0, 0.25)
    assert f.rising and f.eta_hours == pytest.approx(4.0)
    f.update_rate(T0 + 600, 2.0, 0.1)  # 10 h away: too far, but it holds for an hour
    assert f.rising and f.eta_hours is None
    f.update_rate(T0 + 600 + HOUR, 2.0, 0.1)
    assert not f.rising


def test_a_slow_rise_near_the_level_does_not_warn() -> None:
    f = flood()
    f.update_rate(T0, 2.99, 0.01)  # under 2 % of (3.0 - 1.2) per hour
    assert not f.rising


def test_slope_per_hour() -> None:
    assert slope_per_hour([(T0, 1.0), (T0 + 1800, 1.5), (T0 + 3600, 2.0)]) == pytest.approx(1.0)
    assert slope_per_hour([(T0, 1.0), (T0 + 1800, 1.5)]) is None


def run_model(values: list[float], every_s: float = 300.0, rain: float | None = None) -> GaugeModel:
    m = GaugeModel(PARAMS)
    for i, v in enumerate(values):
        m.update(T0 + i * every_s, v, rain)
    return m


def test_gauge_warns_of_a_fast_rise_before_the_level_is_reached() -> None:
    rng = random.Random(1)
    values = [NORMAL + rng.gauss(0, 0.01) for _ in range(48)]
    values += [NORMAL + 0.3 * (i / 12) for i in range(1, 12 * 8)]  # 0.3 m/h for 8 h
    m = GaugeModel(PARAMS)
    statuses = []
    for i, v in enumerate(values):
        t = T0 + i * 300.0
        m.update(t, v)
        statuses.append(m.status(t))
    warned = [s for s in statuses if s.state == "flood_warning"]
    first = warned[0]
    assert first.value is not None and first.value < 3.0 - 0.3  # more than an hour before the level
    assert first.flood_eta_hours is not None and first.flood_eta_hours <= 6.0
    assert first.rate_per_hour is not None
    assert first.flood_eta_hours == pytest.approx((3.0 - first.value) / first.rate_per_hour, abs=0.1)
    assert "m/h" in first.reason and "expected in" in first.reason
    later = next(s for s in warned if s.value is not None and s.value > 2.4)
    assert later.value is not None
    assert later.rate_per_hour == pytest.approx(0.3, rel=0.05)
    assert later.flood_eta_hours == pytest.approx((3.0 - later.value) / 0.3, abs=0.2)


def test_gauge_flood_levels_and_the_way_down() -> None:
    up = [NORMAL + 0.1 * i for i in range(40)]  # to 5.1 m at 5-minute steps (with rain)
    m = run_model(up, rain=20.0)
    t = T0 + 39 * 300.0
    assert m.status(t).state == "flood_danger"
    for i in range(1, 13):
        m.update(t + i * 300.0, 4.15, 5.0)
    assert m.status(t + 12 * 300.0).state == "flood_danger"  # within the margin
    for i in range(13, 30):
        m.update(t + i * 300.0, 3.5, 0.0)
    state = m.status(t + 29 * 300.0)
    assert state.state == "flood_warning"
    assert "3.50 m" in state.reason


def test_noise_does_not_raise_a_flood_warning() -> None:
    rng = random.Random(7)
    e = 0.0
    m = GaugeModel(PARAMS)
    for i in range(12 * 24 * 3):
        e = 0.9 * e + rng.gauss(0, 0.03)
        m.update(T0 + i * 300.0, NORMAL + e)
        assert not m.flood.rising and m.flood.level == "none"


def test_low_water_watch_and_normal() -> None:
    rng = random.Random(2)
    watch = run_model([0.70 + rng.gauss(0, 0.002) for _ in range(12 * 24 * 4)])
    st_ = watch.status(T0 + (12 * 24 * 4 - 1) * 300.0)
    assert st_.state == "low_water_watch"
    assert "0.70 m" in st_.reason and "0.6 m" in st_.reason
    normal = run_model([1.2 + rng.gauss(0, 0.002) for _ in range(300)])
    assert normal.status(T0 + 299 * 300.0).state == "normal"


def test_gauge_raises_a_drought_warning_ahead_with_eta_and_reason() -> None:
    # stage falling 3 %/day from 0.8 m: crosses 0.6 m after about 9.4 days
    values = [0.8 * 0.97 ** (i / 24) for i in range(24 * 12)]
    m = GaugeModel(PARAMS)
    raised_at = None
    for i, v in enumerate(values):
        m.update(T0 + i * HOUR, v)
        if raised_at is None and m.status(T0 + i * HOUR).state == "drought_warning":
            raised_at = i
            status = m.status(T0 + i * HOUR)
    crossing_h = 24 * math.log(0.6 / 0.8) / math.log(0.97)
    assert raised_at is not None and crossing_h - raised_at >= 72
    assert status.drought_eta_hours == pytest.approx(crossing_h - raised_at, abs=3.0)
    assert status.drought_confidence is not None and 0.0 <= status.drought_confidence <= 1.0
    assert "falling 3.0 % a day" in status.reason and "0.6 m" in status.reason


def test_a_noisy_river_near_the_warning_condition_does_not_flap() -> None:
    rng = random.Random(11)
    values = [0.8 * 0.97 ** (i / 24) for i in range(24 * 6)]
    values += [values[-1] + rng.gauss(0, 0.01) for _ in range(24 * 20)]  # levels off near the raise condition
    m = GaugeModel(PARAMS)
    flags = []
    for i, v in enumerate(values):
        m.update(T0 + i * HOUR, v)
        flags.append(m.drought.active)
    changes = sum(1 for a, b in pairwise(flags) if a != b)
    assert changes <= 2
