"""GaugeHistory: raw recent samples, hourly bins for older ones, a week at any cadence, bounded memory."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.river.history import BIN_S, RAW_SPAN_S, GaugeHistory

H0 = (1_700_000_000.0 // BIN_S) * BIN_S  # on an hour boundary, so that bin contents are easy to state


def fill(h: GaugeHistory, n: int, every_s: float, t0: float = H0) -> None:
    for i in range(n):
        h.add(t0 + i * every_s, float(i))


def test_recent_samples_stay_raw_and_older_ones_fold_into_hourly_bins() -> None:
    h = GaugeHistory()
    fill(h, 10 * 60, 60.0)  # 10 hours at 1-minute cadence
    raw = h.raw()
    assert raw[-1][0] - raw[0][0] <= RAW_SPAN_S
    assert len(raw) == 361  # the last 6 h inclusive
    series = h.series()
    binned = series[: len(series) - len(raw)]
    assert len(binned) == 4  # hours 0-3 are older than the raw span
    t_first_bin, mean_first_bin = binned[0]
    assert mean_first_bin == pytest.approx(sum(range(60)) / 60)
    assert t_first_bin == pytest.approx(H0 + 60 * 29.5)


def test_bins_keep_mean_min_max_and_count() -> None:
    h = GaugeHistory(raw_span_s=600.0, raw_max=10)
    for i, v in enumerate([1.0, 5.0, 3.0]):
        h.add(H0 + i * 60.0, v)
    h.add(H0 + 2 * 3600.0, 0.0)  # pushes the first hour out of the raw span
    b = h.snapshot()["bins"][0]
    _key, _t_sum, _t_first, _t_last, v_sum, v_min, v_max, count, _rain = b
    assert (v_sum / count, v_min, v_max, count) == (3.0, 1.0, 5.0, 3)


def test_series_is_time_ordered_with_bins_first() -> None:
    h = GaugeHistory()
    fill(h, 3 * 24 * 12, 300.0)  # 3 days at 5 minutes
    times = [t for t, _ in h.series()]
    assert times == sorted(times)
    assert len(h) == len(times)


def test_late_sample_within_the_raw_span_is_inserted_in_order() -> None:
    h = GaugeHistory()
    h.add(H0 + 600, 2.0)
    h.add(H0, 0.0)
    h.add(H0 + 300, 1.0)
    assert h.raw() == [(H0, 0.0), (H0 + 300, 1.0), (H0 + 600, 2.0)]


def test_late_sample_older_than_the_raw_span_goes_into_its_bin() -> None:
    h = GaugeHistory()
    fill(h, 12 * 12, 300.0)  # 12 hours
    n_before = len(h)
    h.add(H0 + 1.5 * 3600, 100.0)  # hour 1, long folded
    assert len(h) == n_before
    bins = {b[0]: b for b in h.snapshot()["bins"]}
    hour1 = bins[int(H0 // BIN_S) + 1]
    assert hour1[7] == 13 and hour1[6] == 100.0


def test_a_replayed_sample_does_not_change_the_history() -> None:
    h = GaugeHistory()
    fill(h, 10, 300.0)
    before = h.snapshot()
    h.add(H0 + 300.0, 1.0)
    assert h.snapshot() == before


def test_a_daily_gauge_keeps_more_than_a_week() -> None:
    h = GaugeHistory()
    fill(h, 20, 86400.0)
    assert h.span_s() >= 7 * 86400
    assert len(h.series()) == 9


def test_thirty_days_at_one_minute_stay_bounded_and_keep_a_week() -> None:
    h = GaugeHistory()
    sizes = []
    for day in range(30):
        fill(h, 1440, 60.0, t0=H0 + day * 86400.0)
        sizes.append(len(h))
    assert max(sizes) <= h.max_points
    assert sizes[-1] == sizes[-2]  # flat once the week is full
    assert h.span_s() >= 7 * 86400


def test_a_fast_sensor_is_capped_by_count() -> None:
    h = GaugeHistory(raw_max=100)
    fill(h, 2000, 1.0)
    assert len(h.raw()) == 100
    assert len(h) <= h.max_points


def test_last_rain_time_looks_through_raw_and_bins() -> None:
    h = GaugeHistory()
    h.add(H0, 1.0, rain_mm_h=3.0)
    for i in range(1, 10 * 12):
        h.add(H0 + i * 300.0, 1.0, rain_mm_h=0.0)
    folded = h.last_rain_time(0.5)  # folded into the first hourly bin by now: its last sample time
    assert folded is not None and H0 <= folded < H0 + BIN_S
    h.add(H0 + 10 * 3600.0, 1.0, rain_mm_h=1.0)
    assert h.last_rain_time(0.5) == H0 + 10 * 3600.0
    assert h.last_rain_time(5.0) is None


def test_snapshot_round_trips_through_json() -> None:
    h = GaugeHistory()
    for i in range(2000):
        h.add(H0 + i * 137.0, 1.0 + i * 1e-3, rain_mm_h=None if i % 3 else 0.2)
    restored = GaugeHistory.restore(json.loads(json.dumps(h.snapshot())))
    assert restored.series() == h.series()
    assert restored.snapshot() == h.snapshot()
    h.add(H0 + 2001 * 137.0, 9.0)
    restored.add(H0 + 2001 * 137.0, 9.0)
    assert restored.snapshot() == h.snapshot()


def test_non_finite_samples_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        GaugeHistory().add(H0, float("nan"))


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.floats(-3600.0, 7200.0), st.floats(-10.0, 10.0)),
        min_size=1,
        max_size=400,
    ),
    every=st.sampled_from([1.0, 60.0, 900.0, 3600.0, 86400.0]),
)
def test_stored_points_stay_bounded_and_ordered(steps: list[tuple[float, float]], every: float) -> None:
    h = GaugeHistory(raw_max=50)
    t = H0
    for jitter, value in steps:
        t += every
        h.add(t + jitter, value)
        assert len(h) <= h.max_points
    times = [ts for ts, _ in h.series()]
    assert times == sorted(times)
