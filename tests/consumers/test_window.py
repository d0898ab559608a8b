"""SampleWindow: bounded by event-time age and count, sorted by event time, with stats and a trend."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.window import SampleWindow, WindowStats

HOUR = 3600.0


def filled(samples: list[tuple[float, float]], max_age_s: float = 10 * HOUR, max_len: int = 100) -> SampleWindow:
    window = SampleWindow(max_age_s, max_len)
    for t, v in samples:
        window.add(t, v)
    return window


@pytest.mark.parametrize(
    ("max_age_s", "max_len"),
    [pytest.param(0, 10, id="zero-age"), pytest.param(-1, 10, id="negative-age"), pytest.param(60, 1, id="len-1")],
)
def test_window_refuses_useless_bounds(max_age_s: float, max_len: int) -> None:
    with pytest.raises(ValueError, match="positive age"):
        SampleWindow(max_age_s, max_len)


def test_empty_window_has_no_stats_and_no_rate() -> None:
    window = SampleWindow(60, 5)

    assert window.stats() is None
    assert window.rate_per_hour() is None
    assert window.newest is None


def test_samples_older_than_max_age_of_the_newest_are_evicted() -> None:
    window = filled([(0, 1.0), (30, 2.0), (60, 3.0), (90, 4.0)], max_age_s=60)

    assert window.times == [30, 60, 90]
    assert window.values == [2.0, 3.0, 4.0]


def test_sample_exactly_max_age_old_is_kept() -> None:
    window = filled([(0, 1.0), (60, 2.0)], max_age_s=60)

    assert window.times == [0, 60]


def test_count_bound_keeps_the_newest_samples() -> None:
    window = filled([(t, float(t)) for t in range(10)], max_len=3)

    assert window.times == [7, 8, 9]
    assert window.values == [7.0, 8.0, 9.0]


def test_out_of_order_samples_land_in_event_time_order() -> None:
    window = filled([(30, 3.0), (10, 1.0), (40, 4.0), (20, 2.0)])

    assert window.times == [10, 20, 30, 40]
    assert window.values == [1.0, 2.0, 3.0, 4.0]
    assert window.newest == 40


def test_late_sample_older_than_the_age_bound_is_not_kept() -> None:
    window = filled([(100, 1.0), (200, 2.0)], max_age_s=150)

    window.add(10, 9.0)

    assert window.times == [100, 200]
    assert window.values == [1.0, 2.0]


def test_duplicate_time_is_refused_and_changes_nothing() -> None:
    window = filled([(10, 1.0), (20, 2.0)])

    assert window.add(10, 99.0) is False
    assert window.times == [10, 20]
    assert window.values == [1.0, 2.0]
    assert window.contains_time(10)
    assert not window.contains_time(15)


def test_stats_report_count_last_min_max() -> None:
    window = filled([(0, 5.0), (60, -2.0), (120, 7.5), (180, 3.0)])

    stats = window.stats()

    assert stats is not None
    assert (stats.count, stats.last, stats.minimum, stats.maximum) == (4, 3.0, -2.0, 7.5)


def test_last_is_the_newest_by_event_time_not_by_arrival() -> None:
    window = filled([(120, 9.0), (60, 1.0)])

    stats = window.stats()

    assert stats is not None
    assert stats.last == 9.0


@pytest.mark.parametrize(
    ("slope_per_hour", "step_s"),
    [
        pytest.param(0.5, 300, id="+0.5/h-every-5min"),
        pytest.param(-2.0, 60, id="-2/h-every-min"),
        pytest.param(0.0, 600, id="flat"),
    ],
)
def test_rate_per_hour_of_a_linear_ramp(slope_per_hour: float, step_s: float) -> None:
    window = filled([(i * step_s, 1.2 + slope_per_hour * i * step_s / HOUR) for i in range(13)])

    assert window.rate_per_hour() == pytest.approx(slope_per_hour, abs=1e-9)


def test_rate_is_robust_to_one_noisy_sample() -> None:
    samples = [(i * 300.0, 1.0 + 0.5 * i * 300.0 / HOUR) for i in range(25)]
    samples[12] = (samples[12][0], samples[12][1] + 0.3)

    rate = filled(samples).rate_per_hour()

    assert rate == pytest.approx(0.5, abs=0.05)


def test_one_sample_has_no_rate() -> None:
    window = filled([(0, 1.0)])

    stats = window.stats()

    assert stats == WindowStats(count=1, last=1.0, minimum=1.0, maximum=1.0, rate_per_hour=None)


def test_snapshot_restore_round_trip() -> None:
    window = filled([(30, 3.0), (10, 1.5), (20, -2.0)], max_age_s=600, max_len=5)

    restored = SampleWindow.restore(600, 5, window.snapshot())

    assert restored == window
    assert restored.stats() == window.stats()


def test_snapshot_is_a_copy() -> None:
    window = filled([(10, 1.0)])
    snapshot = window.snapshot()

    window.add(20, 2.0)

    assert snapshot == {"t": [10], "v": [1.0]}


def test_restore_into_smaller_bounds_applies_them() -> None:
    window = filled([(t * 60.0, float(t)) for t in range(10)])

    restored = SampleWindow.restore(120, 100, window.snapshot())

    assert restored.times == [420.0, 480.0, 540.0]


# Times on a quarter-second grid are exact in binary floating point, so the age invariant is checked exactly.
sample_times = st.integers(0, 40_000).map(lambda n: n / 4)
samples = st.lists(st.tuples(sample_times, st.floats(-1e6, 1e6)), max_size=60)


@given(
    max_age_s=st.integers(1, 5_000).map(float),
    max_len=st.integers(2, 12),
    added=samples,
)
def test_window_invariants_hold_after_any_adds(
    max_age_s: float, max_len: int, added: list[tuple[float, float]]
) -> None:
    window = SampleWindow(max_age_s, max_len)
    offered: set[tuple[float, float]] = set()
    for t, v in added:
        present = window.contains_time(t)
        before = window.snapshot()
        assert window.add(t, v) is not present
        if present:
            assert window.snapshot() == before
        offered.add((t, v))

    assert len(window.times) == len(window.values) <= max_len
    assert all(a < b for a, b in pairwise(window.times))
    if window.times:
        assert window.times[-1] - window.times[0] <= max_age_s
        assert window.times[-1] == max(t for t, _ in added)
    assert set(zip(window.times, window.values, strict=True)) <= offered


@given(added=samples)
def test_window_keeps_everything_within_its_bounds(added: list[tuple[float, float]]) -> None:
    window = SampleWindow(1e9, 1000)
    first: dict[float, float] = {}
    for t, v in added:
        window.add(t, v)
        first.setdefault(t, v)

    assert window.times == sorted(first)
    assert window.values == [first[t] for t in sorted(first)]


def _reference_rate(window: SampleWindow) -> float | None:
    """The textbook least-squares slope in floats, per hour (what the running sums must agree with)."""
    n = len(window.times)
    if n < 2 or window.times[0] == window.times[-1]:
        return None
    t0 = window.times[0]
    xs = [t - t0 for t in window.times]
    mx, my = sum(xs) / n, sum(window.values) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, window.values, strict=True)) / sxx * 3600.0


@given(
    added=st.lists(
        st.tuples(
            st.floats(1.7e9, 1.7e9 + 20 * HOUR, allow_nan=False),
            st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
        ),
        max_size=300,
    ),
    seed=st.randoms(use_true_random=False),
)
def test_the_trend_depends_only_on_the_samples_kept_not_on_their_order(
    added: list[tuple[float, float]], seed: random.Random
) -> None:
    """Kept as running sums through adds and evictions, the trend is the textbook slope of what the window holds,
    and the same float to the last bit for a window that got the same samples in another order (a restore)."""
    window = filled(added, max_age_s=HOUR, max_len=120)
    shuffled = list(added)
    seed.shuffle(shuffled)
    other = filled(shuffled, max_age_s=HOUR, max_len=120)
    rebuilt = filled(list(zip(window.times, window.values, strict=True)), max_age_s=HOUR, max_len=120)
    if (other.times, other.values) == (window.times, window.values):  # a repeated time keeps its first value
        assert other.rate_per_hour() == window.rate_per_hour()
    assert rebuilt.rate_per_hour() == window.rate_per_hour()
    expected = _reference_rate(window)
    if expected is None:
        assert window.rate_per_hour() is None or abs(window.rate_per_hour() or 0.0) < 1e-6
    else:
        assert window.rate_per_hour() == pytest.approx(expected, rel=1e-6, abs=1e-6)
