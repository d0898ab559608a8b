"""Sensor faults are told apart from the river: spikes kept out, frozen sensors and gaps reported as faults."""

from __future__ import annotations

import math
import random

import pytest

from consumers.river.faults import (
    FrozenDetector,
    IntervalTracker,
    SpikeGate,
    is_gap,
    is_spike,
    robust_level,
)
from consumers.river.gauge import GaugeModel

T0 = 1_700_000_000.0
PARAMS = {
    "id": "NM-01",
    "measure": "stage",
    "normal": {"stage_m": 1.2},
    "thresholds": {"drought_low": 0.6, "flood_warning": 3.0, "flood_danger": 4.2},
}


def recent(values: list[float], every_s: float = 300.0, end: float = T0) -> list[tuple[float, float]]:
    return [(end - (len(values) - i) * every_s, v) for i, v in enumerate(values)]


def test_robust_level_ignores_one_outlier() -> None:
    assert robust_level([1.0, 1.1, 0.9, 1.0, 50.0]) == pytest.approx((1.0, 0.1))


def test_is_spike_uses_mad_with_a_floor() -> None:
    calm = [1.0, 1.01, 0.99, 1.0, 1.02, 0.98]
    assert is_spike(2.0, calm)
    assert not is_spike(1.03, calm)
    assert not is_spike(1.03, [1.0] * 6, floor=0.05)  # MAD 0: the floor decides
    assert not is_spike(5.0, [])


def test_an_isolated_spike_is_dropped() -> None:
    gate = SpikeGate()
    ref = recent([1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0])
    assert gate.offer((T0, 2.5, None), ref) == []
    assert gate.offer((T0 + 300, 1.0, None), ref) == [(T0 + 300, 1.0, None)]
    assert gate.spikes == 1


def test_a_real_step_is_accepted_one_sample_late() -> None:
    gate = SpikeGate()
    ref = recent([1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0])
    assert gate.offer((T0, 2.0, None), ref) == []
    assert gate.offer((T0 + 300, 2.1, None), ref) == [(T0, 2.0, None), (T0 + 300, 2.1, None)]
    assert gate.spikes == 0


def test_a_fast_flood_rise_is_not_a_spike() -> None:
    gate = SpikeGate()
    history = recent([1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0])
    accepted = []
    for i in range(1, 20):
        sample = (T0 + i * 300.0, 1.0 + 0.15 * i, None)
        out = gate.offer(sample, history)
        accepted += out
        history += [(t, v) for t, v, _ in out]
    assert len(accepted) >= 18
    assert gate.spikes == 0


def test_rain_excuses_a_rise() -> None:
    gate = SpikeGate()
    ref = recent([1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0])
    assert gate.offer((T0, 2.0, 8.0), ref) == [(T0, 2.0, 8.0)]


def test_too_few_recent_samples_are_not_judged() -> None:
    gate = SpikeGate()
    daily = recent([1.0, 1.1, 0.9, 1.0, 1.1, 1.0, 1.0], every_s=86400.0)
    assert gate.offer((T0, 3.0, None), daily) == [(T0, 3.0, None)]


def test_frozen_after_six_hours_of_the_same_value_from_a_varying_sensor() -> None:
    d = FrozenDetector()
    d.observe(T0 - 300, 1.01)
    for i in range(6 * 12):
        d.observe(T0 + i * 300.0, 1.0)
        assert not d.frozen
    d.observe(T0 + 6 * 3600.0, 1.0)
    assert d.frozen and d.frozen_hours == 6.0
    d.observe(T0 + 6 * 3600.0 + 300, 1.02)
    assert not d.frozen


def test_a_sensor_that_never_varied_is_not_called_frozen() -> None:
    d = FrozenDetector()
    for i in range(100):
        d.observe(T0 + i * 300.0, 1.0)
    assert not d.frozen


def test_a_frozen_value_needs_repeats_not_just_time() -> None:
    d = FrozenDetector()
    d.observe(T0 - 86400, 0.9)
    d.observe(T0, 1.0)
    d.observe(T0 + 86400, 1.0)  # a daily gauge reporting the same value twice
    assert not d.frozen


def test_interval_tracker_uses_the_median_interval() -> None:
    tr = IntervalTracker()
    assert tr.median_interval_s() == 300.0
    for t in [0, 60, 120, 180, 900, 960]:
        tr.observe(T0 + t)
    assert tr.median_interval_s() == 60.0


def test_gap_is_three_median_intervals() -> None:
    assert not is_gap(T0, T0 + 900, 300.0)
    assert is_gap(T0, T0 + 901, 300.0)
    assert not is_gap(T0, T0 + 2 * 86400, 86400.0)


def noisy_stage(i: int, rng: random.Random) -> float:
    return 1.2 + 0.05 * math.sin(i / 20) + rng.gauss(0, 0.01)


def test_gauge_keeps_spikes_out_of_its_history() -> None:
    rng = random.Random(3)
    m = GaugeModel(PARAMS)
    for i in range(300):
        v = 9.0 if i in (100, 200) else noisy_stage(i, rng)
        m.update(T0 + i * 300.0, v)
    assert max(v for _, v in m.history.series()) < 2.0
    assert m.spikes.spikes == 2
    assert m.status(T0 + 299 * 300.0).state == "normal"


def test_a_spike_above_flood_danger_does_not_raise_a_flood() -> None:
    rng = random.Random(4)
    m = GaugeModel(PARAMS)
    for i in range(100):
        m.update(T0 + i * 300.0, noisy_stage(i, rng))
    m.update(T0 + 100 * 300.0, 4.5)
    assert m.status(T0 + 100 * 300.0).state == "normal"
    m.update(T0 + 101 * 300.0, noisy_stage(101, rng))
    assert m.status(T0 + 101 * 300.0).state == "normal"


def test_gauge_reports_a_frozen_sensor_as_a_fault_and_keeps_it_out_of_the_forecast() -> None:
    rng = random.Random(5)
    m = GaugeModel(PARAMS)
    for i in range(200):
        m.update(T0 + i * 300.0, noisy_stage(i, rng))
    n_before = len(m.history.series())
    for i in range(200, 200 + 8 * 12):
        m.update(T0 + i * 300.0, 1.234)
    st = m.status(T0 + 295 * 300.0)
    assert (st.state, st.fault) == ("fault", "frozen")
    assert "1.234" in st.reason and "h" in st.reason
    frozen_points = sum(1 for _, v in m.history.raw() if v == 1.234)
    assert frozen_points <= 6 * 12 + 1  # only the run before detection; nothing after
    assert len(m.history.series()) <= n_before + 6 * 12 + 1
    m.update(T0 + 296 * 300.0, 1.25)
    assert m.status(T0 + 296 * 300.0).fault is None


def test_gauge_reports_a_gap_in_its_own_cadence() -> None:
    rng = random.Random(6)
    minute = GaugeModel(PARAMS)
    daily = GaugeModel(PARAMS)
    for i in range(50):
        minute.update(T0 + i * 60.0, noisy_stage(i, rng))
        daily.update(T0 + i * 86400.0, noisy_stage(i, rng))
    last_minute = T0 + 49 * 60.0
    assert minute.status(last_minute + 170).fault is None
    gap = minute.status(last_minute + 181)
    assert (gap.state, gap.fault) == ("fault", "gap")
    assert "no reading for 3 min" in gap.reason
    assert daily.status(T0 + 49 * 86400.0 + 2 * 86400.0).fault is None
    assert daily.status(T0 + 49 * 86400.0 + 4 * 86400.0).fault == "gap"


def test_a_gauge_without_data_is_a_fault_not_normal() -> None:
    st = GaugeModel(PARAMS).status(T0)
    assert (st.state, st.fault) == ("fault", "no_data")
