"""Issue 13: scoring that cannot be gamed, the learned recession, the cold start, and the real rivers as a regression.

The real-series test asserts the figures measured with ``python -m consumers.river evaluate-real`` (docs/drought.md)
with a small margin, and the issue's targets only where they are met, so that a later change cannot lose them.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.river.evaluate import (
    LONG_DIR,
    REAL_DIR,
    derive_params,
    evaluate_long,
    evaluate_real,
    replay,
    replay_seeded,
    seeded_book,
    skill,
)
from consumers.river.gauge import GaugeModel
from consumers.river.recession import RecessionBook
from consumers.river.sensor_model import GaugeSensorModel

HOUR = 3600.0
DAY = 86400.0
T0 = 1_700_006_400.0
REPO = Path(__file__).resolve().parents[3]
REAL = REPO.parent / "shared" / "data" / "river-real"

# -- scoring ------------------------------------------------------------------------------------------------


def seasonal_river(days: int = 730) -> tuple[list[float], list[float]]:
    """Daily flow with one dry spell a year that goes below 1.0 for a fortnight."""
    times = [T0 + d * DAY for d in range(days)]
    values = []
    for d in range(days):
        day = d % 365
        values.append(0.5 if 200 <= day < 214 else 3.0)
    return times, values


def test_an_always_on_warning_scores_badly_and_a_perfect_one_well() -> None:
    times, values = seasonal_river()
    always = skill(times, values, [True] * len(times), 1.0)
    assert always["pod_72h"] == 1.0  # it "hits" every onset...
    assert always["warned_share"] == 1.0
    assert always["unjustified_share"] is not None and always["unjustified_share"] >= 0.8
    # one episode covering both onsets is not a false alarm, but every step it wastes is counted
    perfect_flags = [
        any(0 <= (200 + 365 * y) - d <= 4 or 200 <= (d - 365 * y) < 214 for y in (0, 1)) for d in range(730)
    ]
    perfect = skill(times, values, perfect_flags, 1.0)
    assert perfect["pod_72h"] == 1.0 and perfect["far"] == 0.0
    assert perfect["unjustified_share"] == 0.0
    assert perfect["warned_share"] is not None and perfect["warned_share"] < 0.05


def test_far_counts_false_episodes_among_all_episodes() -> None:
    times, values = seasonal_river()
    flags = [False] * len(times)
    for start in (50, 120, 196, 561):  # two false episodes, two warned onsets (day 200 and 565)
        for d in range(start, start + 6):
            flags[d] = True
    result = skill(times, values, flags, 1.0)
    assert result["episodes"] == 4 and result["false_alarms"] == 2
    assert result["far"] == 0.5
    assert result["unjustified_share"] == 0.5  # the 12 false steps of 24 warned ones


def test_a_flapping_warning_cannot_hide_behind_one_long_episode() -> None:
    times, values = seasonal_river()
    flags = [180 <= d % 365 < 300 for d in range(len(times))]  # on for four months around each dry spell
    result = skill(times, values, flags, 1.0)
    assert result["far"] == 0.0  # the episodes do contain the onsets...
    assert result["unjustified_share"] is not None and result["unjustified_share"] > 0.6  # ...the steps do not


# -- the learned recession ----------------------------------------------------------------------------------


def receding_series(start_t: float, q0: float, k: float, days: int) -> list[tuple[float, float]]:
    return [(start_t + d * DAY, q0 * k**d) for d in range(days)]


def test_the_book_learns_falls_and_answers_by_flow() -> None:
    book = RecessionBook(normal=10.0, horizon_h=96.0)
    t = T0
    for day in range(60):
        series = receding_series(T0 + (day - 9) * DAY, 10.0 * 0.95 ** (day - 9), 0.95, 10)
        book.learn(T0 + day * DAY, series)
        t = T0 + day * DAY
    assert book.records > 40
    q = 10.0 * 0.95**30
    p_near = book.prob_fall(q, q * 0.95**3)  # three days of 5 %: within 96 h, always
    p_far = book.prob_fall(q, q * 0.95**6)  # six days: never within 96 h
    assert p_near is not None and p_near > 0.9
    assert p_far is not None and p_far < 0.1
    assert book.prob_fall(q, q * 2) == 1.0
    assert book.history_days(t) == pytest.approx(59.0)
    restored = RecessionBook.restore(json.loads(json.dumps(book.snapshot())))
    assert restored == book


def test_a_fall_deeper_than_the_book_resolves_is_a_floods_not_a_droughts() -> None:
    """A flood recedes to a few per cent of its peak within days. The book resolves falls down to 38 % of the flow;
    a deeper one counted at that last edge's share made every fast-receding flood "likely" to cross a drought level
    thirty times lower (on 35 years of 03015500: 388 false drought warnings raised at a median 20 times the level,
    docs/drought.md). Beyond what the book resolves, the answer is 0."""
    book = RecessionBook(normal=10.0, horizon_h=96.0)
    for flood in range(20):  # each flood from 400 to 15 within the horizon, learned when it has passed
        t0 = T0 + flood * 10 * DAY
        flows = (400.0, 300.0, 60.0, 20.0, 15.0, 15.0)
        book.learn(t0 + 96 * HOUR, [(t0 + (d - 1) * DAY, q) for d, q in enumerate(flows)])
    assert book.count(300.0) == 20
    assert book.prob_fall(300.0, 200.0) == 1.0  # within what the book resolves: every flood fell that far
    assert book.prob_fall(300.0, 10.0) == 0.0  # a fall to 3 %: beyond the book's last edge


def test_a_receding_flood_never_raises_a_drought_warning() -> None:
    """Two years of a river at 10 with a flood every 20 days, back to its base within four days; the drought level
    is 5, never reached. The book learns the floods' recessions; none of them may raise a drought warning by it.
    (The cold start's band rule, fitted on the last days, still raises on the first months' recessions.)"""
    rng = random.Random(4)
    model = GaugeModel(params(5.0))
    raised_by_the_book = []
    for d in range(730):
        t = T0 + d * DAY
        q = 10.0 * (1.0 + 30.0 * math.exp(-(d % 20) / 0.7)) * (1.0 + rng.gauss(0.0, 0.02))
        was_on = model.drought.active
        model.update(t, q)
        if model.drought.active and not was_on and model.drought_basis == "learned":
            raised_by_the_book.append((d, round(q, 1)))
    assert model.book is not None and model.book.records > 300
    assert raised_by_the_book == []


@settings(max_examples=40, deadline=None)
@given(
    falls=st.lists(st.floats(-1.2, 0.3), min_size=1, max_size=60),
    q=st.floats(0.5, 20.0),
    levels=st.tuples(st.floats(0.01, 1.0), st.floats(0.0, 1.0)),
)
def test_a_lower_level_is_never_more_likely_to_be_crossed(
    falls: list[float], q: float, levels: tuple[float, float]
) -> None:
    book = RecessionBook(normal=10.0)
    for x in falls:
        book._add(book.bin_of(q), x)
    high = q * levels[0]
    low = high * levels[1]
    p_high, p_low = book.prob_fall(q, high), book.prob_fall(q, low)
    assert p_high is not None and p_low is not None
    assert 0.0 <= p_low <= p_high <= 1.0


def generated_recessions(seed: int, days: int, k: float, rains: list[int]) -> tuple[list[float], list[float]]:
    """Daily flow: recessions at ``k`` per day broken by rains, 2 % noise; long enough for the book to learn."""
    rng = random.Random(seed)
    q, times, values = 10.0, [], []
    for d in range(days):
        q = q * k + (12.0 if d % 60 in rains else 0.0)
        times.append(T0 + d * DAY)
        values.append(q * (1.0 + rng.gauss(0.0, 0.02)))
    return times, values


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 1000),
    k=st.floats(0.93, 0.99),
    rains=st.lists(st.integers(0, 59), min_size=1, max_size=3),
    thresholds=st.tuples(st.floats(2.0, 6.0), st.floats(0.05, 1.5)),
)
def test_a_lower_threshold_never_warns_earlier_with_the_learned_recession(
    seed: int, k: float, rains: list[int], thresholds: tuple[float, float]
) -> None:
    times, values = generated_recessions(seed, 240, k, rains)
    high, gap = thresholds
    rows_hi = replay(times, values, None, derive_params(values, times, high, "discharge"))
    rows_lo = replay(times, values, None, derive_params(values, times, high - gap, "discharge"))
    for lo, hi in zip(rows_lo, rows_hi, strict=True):
        assert hi.warning or not lo.warning


# -- cold start ---------------------------------------------------------------------------------------------


def params(threshold: float) -> dict[str, object]:
    return {
        "id": "cold",
        "measure": "discharge",
        "normal": {"discharge_m3s": 10.0},
        "thresholds": {"drought_low": threshold, "flood_warning": 1000.0, "flood_danger": 2000.0},
    }


def warned_status(model: GaugeModel, times: list[float], values: list[float]) -> tuple[float, float | None, str | None]:
    for t, v in zip(times, values, strict=True):
        model.update(t, v)
        s = model.status(t)
        if s.state == "drought_warning" and v >= model.params.drought_low:
            return t, s.drought_confidence, s.drought_basis
    raise AssertionError("no drought warning ahead of the crossing")


def test_a_young_gauge_warns_with_what_it_has_and_says_its_record_is_short() -> None:
    times, values = generated_recessions(3, 40, 0.95, [0])
    model = GaugeModel(params(3.0))
    t, confidence, basis = warned_status(model, times, values)
    assert basis == "fitted"  # the recession of its last days, not a learned record
    assert model.history_days() < 40
    assert model.drought.confidence is not None and confidence == round(model.drought.confidence, 3)
    status = model.status(t)
    assert status.history_days is not None and status.history_days < 40
    sensor = GaugeSensorModel(model)
    sensor.status = status
    view = sensor.view()
    assert view is not None
    assert view["drought_confidence"] == confidence and view["drought_basis"] == "fitted"
    assert view["history_days"] == status.history_days


def test_a_gauge_with_two_years_learns_its_river_and_keeps_it_through_a_restore() -> None:
    times, values = generated_recessions(5, 730, 0.96, [0, 30])
    model = GaugeModel(params(2.0))
    for t, v in zip(times, values, strict=True):
        model.update(t, v)
    assert model.book is not None and model.book.records > 300
    assert model.history_days() == pytest.approx(729.0)
    restored = GaugeModel.restore(params(2.0), json.loads(json.dumps(model.snapshot())))
    assert restored.snapshot() == model.snapshot()
    assert restored.status(times[-1]) == model.status(times[-1])


def test_a_seeded_book_never_learns_from_the_year_it_is_scored_on() -> None:
    """Cross-fitted seeding: the year left out must not leak into its own book. Here only 2021 falls (5 % a day,
    rains every 30 days); 2022 and 2023 are flat."""
    start = datetime(2021, 1, 1, tzinfo=UTC).timestamp()
    times = [start + d * DAY for d in range(3 * 365)]
    values = [10.0 * 0.95 ** (d % 30) if d < 365 else 3.0 for d in range(len(times))]

    def deepest_fall_count(book: RecessionBook | None) -> int:
        assert book is not None
        return sum(counts[1] for counts in book.bins.values())  # records with a fall (x < 0)

    assert deepest_fall_count(seeded_book(times, values, params(1.0), None, 2021)) == 0
    assert deepest_fall_count(seeded_book(times, values, params(1.0), None, 2022)) > 200
    assert len(replay_seeded(times, values, params(1.0))) == len(times)


# -- the real rivers ----------------------------------------------------------------------------------------

MEASURED = {
    # series: (pod_72h, far, unjustified_share, warned_share), python -m consumers.river evaluate-real (kept)
    "01022500": (1.0, 0.333, 0.419, 0.220),
    "01547700": (0.8, 0.4, 0.429, 0.285),
    "02064000": (0.667, 0.5, 0.353, 0.217),
    "03015500": (1.0, 0.4, 0.274, 0.246),
}
TODAY = {
    # the model before issue 13 (``--approach today``): the kept one must stay at least this good per step
    "01022500": (1.0, 0.333, 0.5, 0.279),
    "01547700": (0.8, 0.571, 0.482, 0.312),
    "02064000": (0.667, 0.667, 0.427, 0.244),
    "03015500": (1.0, 0.333, 0.319, 0.275),
}
MARGIN = 0.02


@pytest.mark.skipif(not REAL.is_dir(), reason=f"the real series are not beside the clone ({REAL})")
def test_the_real_rivers_keep_their_measured_skill() -> None:
    assert REAL.resolve() == REAL_DIR.resolve()
    results = evaluate_real(REAL)
    assert set(results) == set(MEASURED)
    for gauge, (pod, far, unjustified, warned) in MEASURED.items():
        r = results[gauge]
        assert r["onsets"] >= 3, gauge
        assert r["pod_72h"] >= pod - MARGIN, (gauge, r)
        assert r["far"] <= far + MARGIN, (gauge, r)
        assert r["unjustified_share"] <= unjustified + MARGIN, (gauge, r)
        assert r["warned_share"] <= warned + MARGIN, (gauge, r)
        assert r["unjustified_share"] < TODAY[gauge][2] and r["warned_share"] < TODAY[gauge][3], gauge
        if pod >= 0.8:  # the 72-hour target, where it is met
            assert r["pod_72h"] >= 0.8, (gauge, r)
    assert not math.isnan(sum(r["threshold"] for r in results.values()))


LONG_MEASURED = {
    # ``python -m consumers.river evaluate-long`` (docs/drought.md), per gauge and part:
    # onsets, pod_72h, far, unjustified_share, warned_share
    "01022500": {
        "whole": (54, 0.815, 0.368, 0.262, 0.185),
        "before_2000": (34, 0.794, 0.341, 0.285, 0.186),
        "from_2000": (20, 0.85, 0.407, 0.23, 0.183),
    },
    "01547700": {
        "whole": (57, 0.93, 0.154, 0.248, 0.212),
        "before_2000": (26, 0.846, 0.174, 0.284, 0.2),
        "from_2000": (31, 1.0, 0.125, 0.205, 0.228),
    },
    "02064000": {
        "whole": (43, 0.767, 0.444, 0.298, 0.202),
        "before_2000": (18, 0.944, 0.577, 0.361, 0.132),
        "from_2000": (25, 0.64, 0.321, 0.261, 0.297),
    },
    "03015500": {
        "whole": (65, 0.846, 0.365, 0.219, 0.201),
        "before_2000": (38, 0.789, 0.392, 0.214, 0.205),
        "from_2000": (27, 0.926, 0.324, 0.226, 0.195),
    },
}


def test_decades_of_the_real_rivers_keep_their_measured_skill() -> None:
    """35 years of each real gauge, one replay each: the figures measured stay (with the small margin), and the
    issue's targets hold wherever they were met (pod_72h >= 0.8; far <= 0.2: 01547700 only)."""
    results = evaluate_long(LONG_DIR)
    assert set(results) == set(LONG_MEASURED)
    for gauge, parts in LONG_MEASURED.items():
        assert results[gauge]["first"] == "1980-01-01", gauge
        for part, (onsets, pod, far, unjustified, warned) in parts.items():
            r = results[gauge][part]
            where = (gauge, part, r)
            assert r["onsets"] == onsets, where
            assert r["pod_72h"] >= pod - MARGIN and r["far"] <= far + MARGIN, where
            assert r["unjustified_share"] <= unjustified + MARGIN and r["warned_share"] <= warned + MARGIN, where
            if pod >= 0.8:
                assert r["pod_72h"] >= 0.8, where
            if far <= 0.2:
                assert r["far"] <= 0.2, where
