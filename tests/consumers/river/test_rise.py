"""The rise forecast: pure model, its invariant, the demo-flood replay's error, the real series, the view."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.citypack import CityPack
from consumers.river.__main__ import main
from consumers.river.evaluate_rise import demo_series, evaluate_csv, evaluate_demo, observed_at
from consumers.river.gauge import GaugeModel
from consumers.river.rise import DEFAULT, RiseForecast, rise_forecast
from consumers.river.sensor_model import GaugeSensorModel

HOUR = 3600.0
T0 = 1_700_006_400.0
BAND = 1.8  # NM-01: flood warning 3.0 m, normal 1.2 m
HIGH = 3.0
REPO = Path(__file__).resolve().parents[3]
REAL = REPO.parent / "shared" / "data" / "river-real"


def ramp(rate_per_h: float, minutes: int = 60, start: float = 1.5, noise: float = 0.0, seed: int = 0) -> list:
    rng = random.Random(seed)
    return [(T0 + i * 60.0, start + rate_per_h * i / 60.0 + rng.gauss(0, noise)) for i in range(minutes + 1)]


def wet(samples: list, mm_h: float) -> list[tuple[float, float]]:
    return [(t, mm_h) for t, _ in samples]


def test_a_steady_rise_is_followed_within_a_quarter_metre_at_one_hour_in_rain() -> None:
    samples = ramp(0.5, noise=0.005)
    fc = rise_forecast(samples, wet(samples, 10.0), BAND, HIGH)
    assert fc is not None and fc.method == DEFAULT.method
    truth = samples[-1][1] + 0.5  # the rise goes on at 0.5 m/h
    # Damped with a 1-hour e-folding time, the median gains 63 % of an undamped hour: 0.18 m under a rise that
    # does not slow (the price of not overshooting the rises that do, as every real one does).
    assert abs(fc.at(1.0) - truth) <= 0.25
    assert fc.at(1.0) > samples[-1][1] + 0.25
    assert fc.at(1.0, "low") <= truth <= fc.at(1.0, "high")


def test_a_flat_river_gives_no_rise_forecast() -> None:
    samples = ramp(0.0, noise=0.003)
    assert rise_forecast(samples, [], BAND, HIGH) is None
    assert rise_forecast(samples, wet(samples, 20.0), BAND, HIGH) is None  # rain alone is not a rise


def test_a_flat_river_at_high_water_gets_a_flat_forecast() -> None:
    samples = ramp(0.0, start=3.5, noise=0.003)
    fc = rise_forecast(samples, [], BAND, HIGH)
    assert fc is not None
    assert max(abs(m - 3.5) for m in fc.median) < 0.02


def test_a_falling_river_below_high_water_gives_none() -> None:
    assert rise_forecast(ramp(-0.4), [], BAND, HIGH) is None


def test_rain_raises_the_forecast() -> None:
    samples = ramp(0.4)
    dry = rise_forecast(samples, [], BAND, HIGH)
    rainy = rise_forecast(samples, wet(samples, 8.0), BAND, HIGH)
    assert dry is not None and rainy is not None
    assert all(r >= d for r, d in zip(rainy.median, dry.median, strict=True))
    assert rainy.at(3.0) > dry.at(3.0) + 0.05
    assert rainy.rain_mm_h == pytest.approx(8.0)


def test_the_band_widens_with_lead_time() -> None:
    fc = rise_forecast(ramp(0.6, noise=0.01, seed=3), [], BAND, HIGH)
    assert fc is not None
    widths = [hi - lo for lo, hi in zip(fc.low, fc.high, strict=True)]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(widths))
    assert widths[-1] > widths[1]
    assert all(lo <= m <= hi for lo, m, hi in zip(fc.low, fc.median, fc.high, strict=True))
    assert len(fc.t) == 13 and fc.t[-1] - fc.t[0] == 6 * HOUR  # every 30 min for 6 h


def test_a_rise_that_has_stopped_uses_the_slower_recent_rate() -> None:
    rising = ramp(1.2, minutes=45)
    flat = [(rising[-1][0] + i * 60.0, rising[-1][1]) for i in range(1, 16)]
    fc = rise_forecast(rising + flat, [], BAND, HIGH)
    assert fc is not None and fc.at(6.0) < rising[-1][1] + 0.1


def test_round_trip_and_eta() -> None:
    fc = rise_forecast(ramp(0.8, start=2.0), wet(ramp(0.8), 5.0), BAND, HIGH)
    assert fc is not None
    assert RiseForecast.from_dict(json.loads(json.dumps(fc.to_dict()))) == fc
    eta = fc.hours_until_above(HIGH)
    assert eta is not None and 0.0 < eta < 2.0
    assert fc.at(eta) == pytest.approx(HIGH, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    low=st.floats(0.1, 2.0),
    extra=st.floats(0.01, 2.0),
    rain=st.floats(0.0, 30.0),
    level=st.floats(0.5, 4.0),
    noise_seed=st.integers(0, 10_000),
)
def test_a_faster_recent_rise_never_gives_a_lower_median(
    low: float, extra: float, rain: float, level: float, noise_seed: int
) -> None:
    """Same noise, same rain: adding a steeper trend never lowers the median at any lead."""
    rng = random.Random(noise_seed)
    noise = [rng.gauss(0, 0.01) for _ in range(61)]
    slow = [(T0 + i * 60.0, level + low * i / 60.0 + n) for i, n in enumerate(noise)]
    fast = [(T0 + i * 60.0, level + (low + extra) * i / 60.0 + n) for i, n in enumerate(noise)]
    rains = wet(slow, rain) if rain > 0 else []
    a, b = rise_forecast(slow, rains, BAND, HIGH), rise_forecast(fast, rains, BAND, HIGH)
    if a is None:
        return
    assert b is not None
    assert all(fb >= fa - 1e-9 for fa, fb in zip(a.median, b.median, strict=True))


# -- the demo flood -------------------------------------------------------------------------------------------


def test_on_the_demo_flood_the_median_tracks_the_rise_and_not_the_recession(pack: CityPack) -> None:
    """Pooled over NM-01..NM-04, minute readings (python -m consumers.river evaluate-rise --demo): measured
    MAE 0.44 / 0.99 / 2.58 m at 1 / 3 / 6 h; the recession's 1.93 / 1.83 m at 1 / 3 h."""
    result = evaluate_demo(pack)["pooled"]
    kept, recession, persistence = result["damped-rain"], result["recession"], result["persistence"]
    assert result["rising_issues"] > 400
    assert kept["1h"]["mae"] < 0.5 and abs(kept["1h"]["bias"]) < 0.2
    assert kept["1h"]["mae"] < 0.7 * persistence["1h"]["mae"]
    assert kept["1h"]["mae"] < 0.3 * recession["1h"]["mae"]
    assert kept["3h"]["mae"] < 1.1 and kept["3h"]["mae"] < 0.6 * recession["3h"]["mae"]
    # At 6 h the demo's 1.8-hour rise is long over and the flood is going down: every rate model overshoots.
    assert kept["6h"]["mae"] < 3.0
    assert 0.7 <= kept["1h"]["inside"] <= 0.9


def test_the_gauge_model_publishes_the_rise_and_its_eta_during_the_demo_flood(pack: CityPack) -> None:
    spec = pack.sensors["NM-01"]
    warning = float(spec.params["thresholds"]["flood_warning"])
    times, values, rains = demo_series(pack, "NM-01")
    sensor = GaugeSensorModel(GaugeModel(spec.params))
    crossing = next(t for t, v in zip(times, values, strict=True) if v >= warning)
    tracked, persisted, etas = [], [], []
    for t, v, r in zip(times, values, rains, strict=True):
        sensor.update(t, {"stage_m": v, "rain_mm_h": float(r or 0.0)})
        status = sensor.gauge.status(t)
        sensor.status = status
        rise = status.rise
        if rise is not None and rise.rate_per_hour > 0.5:
            later = observed_at(times, values, t + HOUR)
            if later is not None:
                tracked.append(abs(rise.at(1.0) - later))
                persisted.append(abs(v - later))
            if t < crossing and status.flood_eta_hours is not None:
                etas.append(abs(status.flood_eta_hours - (crossing - t) / HOUR))
        if t == times[len(times) // 2]:
            break
    # Followed: an hour ahead, its error is under half the river-as-it-is's (the demo's rise is 1.8 m an hour).
    assert tracked and sum(tracked) / len(tracked) < 0.5 * sum(persisted) / len(persisted)
    assert etas and sum(etas) / len(etas) < 0.5  # distance over the 2-hour rate was 1.5 h late here
    view = sensor.view()
    assert view is not None and "rise" in view


def test_the_view_carries_the_rise_rounded_and_restores_exactly(pack: CityPack) -> None:
    spec = pack.sensors["NM-02"]
    model = GaugeModel(spec.params)
    samples = ramp(0.9, minutes=90, start=1.0, noise=0.004, seed=5)
    for t, v in samples:
        model.update(t, v, 12.0)
    sensor = GaugeSensorModel(model)
    sensor.status = model.status(samples[-1][0])
    view = sensor.view()
    assert view is not None
    rise = view["rise"]
    assert set(rise) == {"issued", "method", "t", "median", "low", "high"}
    assert rise["method"] == "damped-rain" and len(rise["t"]) == 13
    assert rise["issued"].endswith("+00:00") and rise["t"][0] == rise["issued"]
    assert all(round(x, 4) == x for x in rise["median"] + rise["low"] + rise["high"])
    assert rise["median"][-1] > rise["median"][0]
    restored = GaugeModel.restore(spec.params, json.loads(json.dumps(model.snapshot())))
    assert restored.status(samples[-1][0]) == model.status(samples[-1][0])
    more = [(samples[-1][0] + i * 60.0, samples[-1][1] + 0.015 * i) for i in range(1, 30)]
    for m in (model, restored):
        for t, v in more:
            m.update(t, v, 3.0)
    assert restored.snapshot() == model.snapshot() and restored.rise == model.rise


def test_a_calm_gauge_has_no_rise_in_its_view(pack: CityPack) -> None:
    spec = pack.sensors["NM-03"]
    model = GaugeModel(spec.params)
    for t, v in ramp(0.0, minutes=120, start=1.4, noise=0.003):
        model.update(t, v, 0.0)
    sensor = GaugeSensorModel(model)
    sensor.status = model.status(T0 + 120 * 60.0)
    view = sensor.view()
    assert view is not None and view["rise"] is None


# -- real daily series and the command ----------------------------------------------------------------------


@pytest.mark.skipif(not REAL.is_dir(), reason=f"the real series are not beside the clone ({REAL})")
def test_on_the_real_daily_series_the_model_runs_and_is_scored_honestly() -> None:
    """Daily data, leads in days (one step read as one hour). Measured: the kept model's MAE is above
    persistence's at every lead on all four rivers (daily rises last about a step); the test pins that the
    evaluation runs and the numbers stay what docs/river-rise.md reports, within a margin."""
    results = [evaluate_csv(p, "time", "discharge_m3s", "precip_mm_day", 24.0) for p in sorted(REAL.glob("usgs-*.csv"))]
    assert len(results) == 4
    for r in results:
        kept, persistence = r["damped-rain"]["1h"], r["persistence"]["1h"]
        assert r["rising_issues"] > 100 and kept["n"] > 100
        assert math.isfinite(kept["mae"]) and kept["mae"] < 2.0 * persistence["mae"]


def test_the_command_prints_the_demo_scores(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate-rise", "--demo", "--gauges", "NM-04", "--rate", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["pooled"]["damped-rain"]) == {"1h", "3h", "6h"}
    assert out["pooled"]["rising_issues"] > 10
