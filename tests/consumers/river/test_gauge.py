"""GaugeModel: parameters from the city pack, a faithful snapshot, idempotent replays, bounded and cheap."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from consumers.river.gauge import GaugeModel, GaugeParams

REPO = Path(__file__).resolve().parents[3]
GAUGES = json.loads((REPO / "assets" / "city" / "guiyang" / "gauges.json").read_text(encoding="utf-8"))
HOUR = 3600.0
T0 = 1_700_006_400.0


def drought_series(n: int, every_s: float, seed: int = 0) -> list[tuple[float, float, float | None]]:
    """A stage recession from 1.0 m with noise, a daily cycle and one rain: passes through the low band."""
    rng = random.Random(seed)
    out: list[tuple[float, float, float | None]] = []
    for i in range(n):
        t = T0 + i * every_s
        d = i * every_s / 86400.0
        bump = 0.15 * math.exp(-(d - 3.0) * 2.0) if d >= 3.0 else 0.0
        x = (0.25 + 0.75 * 0.95**d) * (1 - 0.02 * math.sin(2 * math.pi * d)) + bump + rng.gauss(0, 0.004)
        rain = 6.0 if 3.0 <= d < 3.0 + every_s / 86400.0 + 1e-9 else 0.0
        out.append((t, x, rain))
    return out


@pytest.mark.parametrize("gauge", GAUGES, ids=lambda g: g["id"])
def test_params_come_from_the_city_pack(gauge: dict) -> None:
    p = GaugeParams.from_mapping(gauge)
    assert p.measure == "stage" and p.unit == "m"
    assert p.drought_low < p.normal < p.flood_warning < p.flood_danger
    assert GaugeModel(gauge).status(T0).fault == "no_data"


def test_discharge_params_and_unknown_measures() -> None:
    params = {**GAUGES[0], "measure": "discharge"}
    p = GaugeParams.from_mapping(params)
    assert (p.key, p.unit, p.normal) == ("discharge_m3s", "m³/s", 6.5)
    with pytest.raises(ValueError, match="unknown measure"):
        GaugeParams.from_mapping({**GAUGES[0], "measure": "colour"})


def feed(model: GaugeModel, samples: list[tuple[float, float, float | None]]) -> None:
    for t, v, r in samples:
        model.update(t, v, r)


@pytest.mark.parametrize("every_s", [60.0, 900.0, 86400.0])
def test_snapshot_round_trip_gives_the_same_status_and_forecast(every_s: float) -> None:
    n = int(14 * 86400 / every_s)
    samples = drought_series(n, every_s)
    original = GaugeModel(GAUGES[0])
    cut = n * 2 // 3
    feed(original, samples[:cut])
    snap = json.loads(json.dumps(original.snapshot(), allow_nan=False))
    restored = GaugeModel.restore(GAUGES[0], snap)
    now = samples[cut - 1][0] + every_s / 2
    assert restored.status(now) == original.status(now)
    assert restored.forecast == original.forecast
    feed(original, samples[cut:])
    feed(restored, samples[cut:])
    assert restored.status(samples[-1][0]) == original.status(samples[-1][0])
    assert restored.snapshot() == original.snapshot()


def test_the_round_trip_covers_active_warnings_pending_spikes_and_faults() -> None:
    samples = drought_series(14 * 24 * 4, 900.0)
    model = GaugeModel(GAUGES[0])
    feed(model, samples)
    assert model.drought.active  # the recession has passed the warning condition by now
    t_last = samples[-1][0]
    model.update(t_last + 900, 3.9)  # a spike, held back
    assert model.spikes.pending is not None
    restored = GaugeModel.restore(GAUGES[0], json.loads(json.dumps(model.snapshot())))
    assert restored.status(t_last + 900) == model.status(t_last + 900)
    for m in (model, restored):
        m.update(t_last + 1800, samples[-1][1])
    assert restored.snapshot() == model.snapshot()


def test_restore_refuses_an_unknown_snapshot_version() -> None:
    with pytest.raises(ValueError, match="version"):
        GaugeModel.restore(GAUGES[0], {"v": 99})


def test_a_replayed_sample_changes_nothing() -> None:
    samples = drought_series(500, 300.0)
    model = GaugeModel(GAUGES[0])
    feed(model, samples)
    before = model.snapshot()
    t, v, r = samples[-1]
    model.update(t, v + 1.0, r)
    assert model.snapshot() == before


def test_a_late_sample_enters_the_history_but_not_the_warnings() -> None:
    samples = drought_series(500, 300.0)
    model = GaugeModel(GAUGES[0])
    feed(model, samples)
    drought, flood = model.drought.snapshot(), model.flood.snapshot()
    n = len(model.history.raw())
    model.update(samples[-1][0] - 150.0, 9.0)
    assert len(model.history.raw()) == n + 1
    assert model.drought.snapshot() == drought and model.flood.snapshot() == flood


def test_the_forecast_is_refitted_at_most_hourly_in_event_time() -> None:
    samples = drought_series(6 * 60 * 24, 60.0)
    model = GaugeModel(GAUGES[0])
    issues = set()
    for t, v, r in samples:
        model.update(t, v, r)
        assert model.forecast is not None
        issues.add(model.forecast.issue_t)
    assert len(issues) <= 6 * 24 + 1
    daily = GaugeModel(GAUGES[0])
    feed(daily, drought_series(10, 86400.0))
    assert daily.forecast is not None and daily.forecast.issue_t == T0 + 9 * 86400.0


def test_thirty_days_at_one_minute_keep_memory_flat() -> None:
    model = GaugeModel(GAUGES[0])
    sizes = []
    for day in range(30):
        for i in range(1440):
            t = T0 + day * 86400.0 + i * 60.0
            model.update(t, 1.0 + 0.1 * math.sin(t / 20000.0))
        sizes.append(len(model.history))
    assert max(sizes) <= model.history.max_points
    assert sizes[-1] == sizes[8]
    assert model.history.span_s() >= 7 * 86400


def test_non_finite_samples_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        GaugeModel(GAUGES[0]).update(T0, math.inf)
