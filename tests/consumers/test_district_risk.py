"""District risk: the worst fresh sensor, compounded by concurrent problems; stale and silent sensors set apart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.district_risk import (
    COMPOUND_MAX_SENSORS,
    COMPOUND_STEP,
    DOMAINS,
    DistrictRisk,
    DistrictTally,
    SensorSummary,
    district_risk,
)
from consumers.rules import LEVELS, level_for


def fresh(sensor_id: str, score: float, sensor_type: str = "fire.camera", reason: str = "") -> SensorSummary:
    return SensorSummary(sensor_id, sensor_type, score, stale=False, reason=reason or f"{sensor_id} reason")


def stale(sensor_id: str, score: float, sensor_type: str = "fire.camera") -> SensorSummary:
    return SensorSummary(sensor_id, sensor_type, score, stale=True, reason="old")


def silent(sensor_id: str, sensor_type: str = "fire.camera") -> SensorSummary:
    return SensorSummary(sensor_id, sensor_type, None, stale=True)


def test_worst_sensor_wins() -> None:
    result = district_risk([fresh("a", 10.0), fresh("b", 42.0, reason="stage 2.9 m"), fresh("c", 0.0)])

    assert result.risk == 42.0
    assert result.level == "watch"
    assert result.worst_sensor == "b"
    assert result.worst_reason == "stage 2.9 m"
    assert (result.sensors, result.fresh) == (3, 3)


@pytest.mark.parametrize(
    ("scores", "risk", "level"),
    [
        pytest.param([60.0], 60.0, "warning", id="single-warning"),
        pytest.param([60.0, 49.9], 60.0, "warning", id="other-below-50-does-not-compound"),
        pytest.param([60.0, 50.0], 65.0, "warning", id="one-other-at-50"),
        pytest.param([60.0, 55.0, 50.0], 70.0, "warning", id="two-others"),
        pytest.param([70.0, 55.0, 55.0], 80.0, "alarm", id="compounding-reaches-alarm"),
        pytest.param([60.0, 50.0, 50.0, 50.0, 50.0], 80.0, "alarm", id="four-others-plus-20"),
        pytest.param([60.0, *[50.0] * 9], 80.0, "alarm", id="capped-at-plus-20"),
        pytest.param([95.0, 90.0, 85.0], 100.0, "alarm", id="capped-at-100"),
        pytest.param([40.0, 30.0, 30.0], 40.0, "watch", id="watch-sensors-do-not-compound"),
        pytest.param([0.0, 0.0], 0.0, "ok", id="all-ok"),
    ],
)
def test_concurrent_problems_compound(scores: list[float], risk: float, level: str) -> None:
    result = district_risk([fresh(f"s{i}", s) for i, s in enumerate(scores)])

    assert result.risk == risk
    assert result.level == level


def test_stale_and_silent_sensors_neither_lower_nor_raise_the_risk() -> None:
    base = [fresh("a", 30.0), fresh("b", 55.0)]
    others = [stale("c", 99.0), stale("d", 0.0), silent("e")]

    alone = district_risk(base)
    mixed = district_risk(base + others)

    assert mixed.risk == alone.risk == 55.0
    assert mixed.worst_sensor == "b"
    assert mixed.counts["stale"] == 2
    assert mixed.counts["no_data"] == 1
    assert (mixed.sensors, mixed.fresh) == (5, 2)


def test_counts_split_fresh_sensors_by_level() -> None:
    result = district_risk([fresh("a", 0.0), fresh("b", 24.9), fresh("c", 25.0), fresh("d", 50.0), fresh("e", 80.0)])

    assert result.counts == {"ok": 2, "watch": 1, "warning": 1, "alarm": 1, "stale": 0, "no_data": 0}


def test_stale_alarm_is_not_counted_as_an_alarm() -> None:
    result = district_risk([fresh("a", 10.0), stale("b", 95.0)])

    assert result.counts["alarm"] == 0
    assert result.counts["stale"] == 1
    assert result.level == "ok"


@pytest.mark.parametrize(
    "summaries",
    [
        pytest.param([], id="no-sensors"),
        pytest.param([stale("a", 90.0), stale("b", 10.0)], id="only-stale"),
        pytest.param([silent("a"), silent("b")], id="only-silent"),
        pytest.param([stale("a", 0.0), silent("b")], id="stale-and-silent"),
    ],
)
def test_district_without_fresh_sensors_has_no_data_not_zero(summaries: list[SensorSummary]) -> None:
    result = district_risk(summaries)

    assert result.risk is None
    assert result.level == "no_data"
    assert result.worst_sensor is None
    assert result.counts["stale"] + result.counts["no_data"] == len(summaries)
    assert result.sensors == len(summaries)
    assert result.fresh == 0


def test_domains_hold_the_worst_fresh_score_per_domain() -> None:
    result = district_risk(
        [
            fresh("g1", 20.0, "river.gauge"),
            fresh("g2", 45.0, "river.gauge"),
            fresh("cam", 10.0, "fire.camera"),
            fresh("door", 35.0, "fire.fire_door"),
            stale("line", 90.0, "grid.line"),
        ]
    )

    assert result.domains == {"river": 45.0, "fire": 35.0, "grid": None}


def test_reasons_list_the_worst_sensors_at_watch_or_above() -> None:
    result = district_risk(
        [fresh("a", 90.0, reason="smoke"), fresh("b", 30.0, reason="door"), fresh("c", 10.0, reason="fine")]
    )

    assert result.reasons == ["a: smoke", "b: door"]


summary = st.builds(
    SensorSummary,
    sensor_id=st.text("abcdef", min_size=1, max_size=4),
    sensor_type=st.sampled_from(["river.gauge", "fire.camera", "fire.hydrant", "grid.line"]),
    score=st.one_of(st.none(), st.floats(0.0, 100.0).map(lambda s: round(s, 1))),
    stale=st.booleans(),
)


@given(
    summaries=st.lists(summary, min_size=1, max_size=12),
    data=st.data(),
)
def test_raising_a_fresh_sensor_never_lowers_the_risk(summaries: list[SensorSummary], data: st.DataObject) -> None:
    fresh_indices = [i for i, s in enumerate(summaries) if s.fresh]
    if not fresh_indices:
        summaries = [*summaries, fresh("extra", 0.0)]
        fresh_indices = [len(summaries) - 1]
    i = data.draw(st.sampled_from(fresh_indices), label="raised sensor")
    old = summaries[i]
    assert old.score is not None
    new_score = data.draw(st.floats(old.score, 100.0).map(lambda s: round(s, 1)), label="new score")
    raised = [*summaries[:i], fresh(old.sensor_id, new_score, old.sensor_type), *summaries[i + 1 :]]

    before = district_risk(summaries)
    after = district_risk(raised)

    assert before.risk is not None
    assert after.risk is not None
    assert after.risk >= before.risk


@given(summaries=st.lists(summary, max_size=12))
def test_risk_is_within_the_worst_score_and_the_cap(summaries: list[SensorSummary]) -> None:
    result = district_risk(summaries)
    fresh_scores = [s.score for s in summaries if s.fresh and s.score is not None]

    if not fresh_scores:
        assert result.risk is None
    else:
        assert result.risk is not None
        assert max(fresh_scores) <= result.risk <= min(100.0, max(fresh_scores) + 20.0)
    assert sum(result.counts.values()) == len(summaries)


def _by_sorting(summaries: list[SensorSummary]) -> DistrictRisk:
    """The definition (docs/risk.md) the obvious way, sorting every fresh sensor: what the one pass must equal."""
    fresh = sorted((s for s in summaries if s.fresh), key=lambda s: s.score or 0.0, reverse=True)
    counts = dict.fromkeys((*LEVELS, "stale", "no_data"), 0)
    domains: dict[str, float | None] = dict.fromkeys(DOMAINS)
    for s in summaries:
        if s.score is None:
            counts["no_data"] += 1
        elif s.stale:
            counts["stale"] += 1
    for s in fresh:
        counts[level_for(s.score or 0.0)] += 1
        d = s.sensor_type.split(".", 1)[0]
        domains[d] = s.score if domains.get(d) is None else max(domains[d] or 0.0, s.score or 0.0)
    if not fresh:
        return DistrictRisk(None, "no_data", domains, counts, sensors=len(summaries))
    worst = fresh[0]
    others = sum(1 for s in fresh[1:] if (s.score or 0.0) >= 50)
    risk = min(100.0, (worst.score or 0.0) + COMPOUND_STEP * min(COMPOUND_MAX_SENSORS, others))
    reasons = [f"{s.sensor_id}: {s.reason}" for s in fresh[:3] if (s.score or 0.0) >= 25]
    return DistrictRisk(
        round(risk, 1),
        level_for(risk),
        domains,
        counts,
        worst.sensor_id,
        worst.reason,
        len(summaries),
        len(fresh),
        reasons,
    )


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["river.gauge", "fire.camera", "grid.line"]),
            st.none() | st.sampled_from([0.0, 10.0, 24.9, 25.0, 49.0, 50.0, 79.9, 80.0, 100.0]),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_the_one_pass_score_is_the_score_by_sorting(sensors: list[tuple[str, float | None, bool]]) -> None:
    summaries = [SensorSummary(f"S{i}", t, score, stale, f"r{i}") for i, (t, score, stale) in enumerate(sensors)]
    assert district_risk(summaries) == _by_sorting(summaries)


TYPES = ["river.gauge", "fire.camera", "grid.line"]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 11),
            st.none() | st.sampled_from([0.0, 10.0, 24.9, 25.0, 49.0, 50.0, 79.9, 80.0, 100.0]),
            st.booleans(),
            st.booleans(),
        ),
        max_size=60,
    )
)
def test_the_tally_kept_one_sensor_at_a_time_is_the_score_of_all_of_them(
    changes: list[tuple[int, float | None, bool, bool]],
) -> None:
    """Sensors change, go stale, come back and are dropped in any order; the tally equals scoring them all."""
    sensors = [(f"S{i}", TYPES[i % 3]) for i in range(12)]
    tally = DistrictTally(sensors)
    current: dict[str, SensorSummary] = {}
    times: dict[str, float] = {}
    for step, (i, score, stale_now, drop) in enumerate(changes):
        sensor_id, sensor_type = sensors[i]
        if drop:
            tally.forget(sensor_id)
            current.pop(sensor_id, None)
            times.pop(sensor_id, None)
        else:
            current[sensor_id] = SensorSummary(sensor_id, sensor_type, score, stale_now, f"r{step}")
            times[sensor_id] = float(step % 7)  # event times also move backwards (a state rebuilt after a drop)
            tally.update(current[sensor_id], times[sensor_id])
        everyone = [current.get(s) or SensorSummary(s, t, None, True) for s, t in sensors]
        assert tally.risk() == _by_sorting(everyone)
        assert tally.newest == max(times.values(), default=None)
