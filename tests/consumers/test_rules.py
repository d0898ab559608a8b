"""Severity rules: realistic readings land in the documented level, reasons quote the reading, hazards are monotone."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.contract import SENSOR_TYPES
from consumers.rules import EXPECTED_INTERVAL_S, LEVELS, RULES, assess, level_for, stale_after_s

# Parameters as the Guiyang city pack declares them.
GAUGE = {
    "measure": "stage",
    "normal": {"stage_m": 1.2, "discharge_m3s": 6.5},
    "thresholds": {"drought_low": 0.6, "flood_warning": 3.0, "flood_danger": 4.2},
}
GAUGE_DISCHARGE = {
    "measure": "discharge",
    "normal": {"discharge_m3s": 40.0},
    "thresholds": {"drought_low": 5.0, "flood_warning": 300.0, "flood_danger": 600.0},
}
CAMERA = {"alarm_confidence": 0.6}
SMOKE = {"alarm_pct_per_m": 3.0}
HEAT = {"alarm_c": 57}  # EN 54-5 class A1
SPRINKLER = {"min_pressure_mpa": 0.05, "normal_mpa": 0.12}  # GB 55036-2022
HYDRANT = {"min_pressure_mpa": 0.14, "normal_mpa": 0.3}  # GB 55036-2022
LINE = {"max_temp_c": 70, "rated_current_a": 600}


def line(temp_c: float, current_a: float) -> dict[str, float]:
    return {"conductor_temp_c": temp_c, "current_a": current_a, "ambient_temp_c": 20.0, "wind_m_s": 2.0}


CASES = [
    # river gauge, stage measure
    pytest.param("river.gauge", GAUGE, {"stage_m": 1.2}, "ok", id="gauge-normal"),
    pytest.param("river.gauge", GAUGE, {"stage_m": 0.9}, "ok", id="gauge-between-drought-and-normal"),
    pytest.param("river.gauge", GAUGE, {"stage_m": 2.0}, "ok", id="gauge-above-normal"),
    pytest.param("river.gauge", GAUGE, {"stage_m": 2.9}, "watch", id="gauge-just-below-warning"),
    pytest.param("river.gauge", GAUGE, {"stage_m": 3.0}, "warning", id="gauge-at-flood-warning"),
    pytest.param("river.gauge", GAUGE, {"stage_m": 4.1}, "warning", id="gauge-just-below-danger"),
    pytest.param("river.gauge", GAUGE, {"stage_m": 4.2}, "alarm", id="gauge-at-flood-danger"),
    pytest.param("river.gauge", GAUGE, {"stage_m": 7.5}, "alarm", id="gauge-far-above-danger"),
    pytest.param("river.gauge", GAUGE, {"stage_m": 0.6}, "warning", id="gauge-at-drought-low"),
    pytest.param("river.gauge", GAUGE, {"stage_m": 0.2}, "warning", id="gauge-below-drought-low"),
    pytest.param("river.gauge", GAUGE, {"discharge_m3s": 900.0}, "ok", id="stage-gauge-without-stage"),
    # river gauge, discharge measure
    pytest.param("river.gauge", GAUGE_DISCHARGE, {"discharge_m3s": 40.0}, "ok", id="discharge-normal"),
    pytest.param("river.gauge", GAUGE_DISCHARGE, {"discharge_m3s": 450.0}, "warning", id="discharge-above-warning"),
    pytest.param("river.gauge", GAUGE_DISCHARGE, {"discharge_m3s": 650.0}, "alarm", id="discharge-above-danger"),
    pytest.param("river.gauge", GAUGE_DISCHARGE, {"discharge_m3s": 3.0}, "warning", id="discharge-drought"),
    # smoke camera
    pytest.param("fire.camera", CAMERA, {"smoke_confidence": 0.05}, "ok", id="camera-clear"),
    pytest.param("fire.camera", CAMERA, {"smoke_confidence": 0.29}, "ok", id="camera-below-half-alarm"),
    pytest.param("fire.camera", CAMERA, {"smoke_confidence": 0.3}, "watch", id="camera-possible-smoke"),
    pytest.param("fire.camera", CAMERA, {"smoke_confidence": 0.59}, "warning", id="camera-just-below-alarm"),
    pytest.param("fire.camera", CAMERA, {"smoke_confidence": 0.6}, "alarm", id="camera-at-alarm"),
    pytest.param("fire.camera", {}, {"smoke_confidence": 0.97}, "alarm", id="camera-default-threshold"),
    # point smoke detector
    pytest.param("fire.smoke_detector", SMOKE, {"obscuration_pct_per_m": 0.05}, "ok", id="smoke-clean-air"),
    pytest.param("fire.smoke_detector", SMOKE, {"obscuration_pct_per_m": 0.9}, "ok", id="smoke-below-third"),
    pytest.param("fire.smoke_detector", SMOKE, {"obscuration_pct_per_m": 1.0}, "watch", id="smoke-third-of-alarm"),
    pytest.param("fire.smoke_detector", SMOKE, {"obscuration_pct_per_m": 2.0}, "warning", id="smoke-rising"),
    pytest.param("fire.smoke_detector", SMOKE, {"obscuration_pct_per_m": 3.0}, "alarm", id="smoke-at-alarm"),
    pytest.param("fire.smoke_detector", SMOKE, {"obscuration_pct_per_m": 12.0}, "alarm", id="smoke-dense"),
    # heat detector, A1 class
    pytest.param("fire.heat_detector", HEAT, {"temperature_c": 22.0}, "ok", id="heat-room"),
    pytest.param("fire.heat_detector", HEAT, {"temperature_c": 35.0}, "ok", id="heat-warm"),
    pytest.param("fire.heat_detector", HEAT, {"temperature_c": 40.0}, "watch", id="heat-17-below-alarm"),
    pytest.param("fire.heat_detector", HEAT, {"temperature_c": 50.0}, "warning", id="heat-rising"),
    pytest.param("fire.heat_detector", HEAT, {"temperature_c": 57.0}, "alarm", id="heat-at-A1-alarm"),
    pytest.param("fire.heat_detector", HEAT, {"temperature_c": 90.0}, "alarm", id="heat-fire"),
    # sprinkler, 0.05 MPa at the most remote head
    pytest.param("fire.sprinkler", SPRINKLER, {"pressure_mpa": 0.12}, "ok", id="sprinkler-normal"),
    pytest.param("fire.sprinkler", SPRINKLER, {"pressure_mpa": 0.06}, "ok", id="sprinkler-at-1.2x-min"),
    pytest.param("fire.sprinkler", SPRINKLER, {"pressure_mpa": 0.055}, "watch", id="sprinkler-near-min"),
    pytest.param("fire.sprinkler", SPRINKLER, {"pressure_mpa": 0.049}, "warning", id="sprinkler-below-min"),
    pytest.param("fire.sprinkler", SPRINKLER, {"pressure_mpa": 0.0}, "warning", id="sprinkler-dry"),
    # hydrant, 0.14 MPa
    pytest.param("fire.hydrant", HYDRANT, {"pressure_mpa": 0.3}, "ok", id="hydrant-normal"),
    pytest.param("fire.hydrant", HYDRANT, {"pressure_mpa": 0.16}, "watch", id="hydrant-near-min"),
    pytest.param("fire.hydrant", HYDRANT, {"pressure_mpa": 0.1}, "warning", id="hydrant-below-min"),
    pytest.param("fire.hydrant", {}, {"pressure_mpa": 0.1}, "warning", id="hydrant-default-min"),
    pytest.param("fire.sprinkler", {}, {"pressure_mpa": 0.1}, "ok", id="sprinkler-default-min"),
    # status devices
    pytest.param("fire.extinguisher", {}, {"status": "ok"}, "ok", id="extinguisher-ok"),
    pytest.param("fire.extinguisher", {}, {"status": "expired"}, "watch", id="extinguisher-expired"),
    pytest.param("fire.extinguisher", {}, {"status": "low_pressure"}, "watch", id="extinguisher-low-pressure"),
    pytest.param("fire.extinguisher", {}, {"status": "missing"}, "warning", id="extinguisher-missing"),
    pytest.param("fire.alarm_panel", {}, {"status": "normal"}, "ok", id="panel-normal"),
    pytest.param("fire.alarm_panel", {}, {"status": "fault"}, "warning", id="panel-fault"),
    pytest.param("fire.alarm_panel", {}, {"status": "disabled"}, "warning", id="panel-disabled"),
    pytest.param("fire.alarm_panel", {}, {"status": "alarm"}, "alarm", id="panel-alarm"),
    pytest.param("fire.fire_door", {}, {"status": "closed"}, "ok", id="door-closed"),
    pytest.param("fire.fire_door", {}, {"status": "open"}, "watch", id="door-open"),
    pytest.param("fire.fire_door", {}, {"status": "fault"}, "warning", id="door-fault"),
    # overhead line, 70 °C design temperature, 600 A rating
    pytest.param("grid.line", LINE, line(30.0, 300.0), "ok", id="line-cool-half-load"),
    pytest.param("grid.line", LINE, line(40.0, 600.0), "ok", id="line-at-rated-current"),
    pytest.param("grid.line", LINE, line(50.0, 300.0), "watch", id="line-25-below-max"),
    pytest.param("grid.line", LINE, line(62.0, 300.0), "warning", id="line-10-below-max"),
    pytest.param("grid.line", LINE, line(70.0, 300.0), "alarm", id="line-at-max-temp"),
    pytest.param("grid.line", LINE, line(30.0, 650.0), "warning", id="line-overloaded"),
    pytest.param("grid.line", LINE, line(30.0, 780.0), "alarm", id="line-130pct-load"),
]


@pytest.mark.parametrize(("sensor_type", "params", "values", "level"), CASES)
def test_reading_gets_the_expected_level(
    sensor_type: str, params: dict[str, Any], values: dict[str, Any], level: str
) -> None:
    result = assess(sensor_type, params, values)

    assert result.level == level, result
    assert 0.0 <= result.score <= 100.0
    assert result.reason


def test_every_sensor_type_has_a_rule_and_an_interval() -> None:
    assert set(RULES) == SENSOR_TYPES == set(EXPECTED_INTERVAL_S)


@pytest.mark.parametrize(
    ("sensor_type", "params", "values", "quoted"),
    [
        pytest.param("river.gauge", GAUGE, {"stage_m": 3.5}, ["3.50", "3"], id="gauge-stage-and-warning-level"),
        pytest.param("river.gauge", GAUGE, {"stage_m": 2.9}, ["2.90 m", "warning at 3 m"], id="gauge-below-warning"),
        pytest.param("river.gauge", GAUGE, {"stage_m": 4.6}, ["4.60", "4.2"], id="gauge-stage-and-danger-level"),
        pytest.param("river.gauge", GAUGE, {"stage_m": 0.5}, ["0.50", "0.6"], id="gauge-stage-and-drought-level"),
        pytest.param("river.gauge", GAUGE_DISCHARGE, {"discharge_m3s": 450.0}, ["450.00", "300"], id="discharge"),
        pytest.param("fire.camera", CAMERA, {"smoke_confidence": 0.75}, ["0.75"], id="camera-confidence"),
        pytest.param("fire.smoke_detector", SMOKE, {"obscuration_pct_per_m": 2.0}, ["2.00"], id="obscuration"),
        pytest.param("fire.heat_detector", HEAT, {"temperature_c": 61.0}, ["61.0", "57"], id="heat"),
        pytest.param("fire.sprinkler", SPRINKLER, {"pressure_mpa": 0.03}, ["0.030", "0.05"], id="sprinkler"),
        pytest.param("fire.hydrant", HYDRANT, {"pressure_mpa": 0.1}, ["0.100", "0.14"], id="hydrant"),
        pytest.param("grid.line", LINE, line(75.0, 650.0), ["75.0", "70", "650", "600"], id="line"),
    ],
)
def test_reason_quotes_the_reading(
    sensor_type: str, params: dict[str, Any], values: dict[str, Any], quoted: list[str]
) -> None:
    reason = assess(sensor_type, params, values).reason

    for text in quoted:
        assert text in reason


@pytest.mark.parametrize(
    ("score", "level"),
    [
        pytest.param(0.0, "ok", id="0"),
        pytest.param(24.9, "ok", id="24.9"),
        pytest.param(25.0, "watch", id="25"),
        pytest.param(49.9, "watch", id="49.9"),
        pytest.param(50.0, "warning", id="50"),
        pytest.param(79.9, "warning", id="79.9"),
        pytest.param(80.0, "alarm", id="80"),
        pytest.param(100.0, "alarm", id="100"),
    ],
)
def test_level_band_edges(score: float, level: str) -> None:
    assert level_for(score) == level


@pytest.mark.parametrize(
    ("sensor_type", "seconds"),
    [
        pytest.param("river.gauge", 900.0, id="gauge-5min"),
        pytest.param("fire.camera", 180.0, id="camera-1min"),
        pytest.param("grid.line", 180.0, id="line-1min"),
        pytest.param("fire.alarm_panel", 2700.0, id="panel-15min"),
        pytest.param("fire.smoke_detector", 900.0, id="detector-5min"),
    ],
)
def test_stale_after_three_expected_intervals(sensor_type: str, seconds: float) -> None:
    assert stale_after_s(sensor_type) == seconds
    assert stale_after_s(sensor_type) == 3 * EXPECTED_INTERVAL_S[sensor_type]


@pytest.mark.parametrize(
    ("sensor_type", "params", "values"),
    [
        pytest.param("fire.smoke_detector", SMOKE, {"obscuration_pct_per_m": 2.8164}, id="smoke-79.96"),
        pytest.param("fire.heat_detector", HEAT, {"temperature_c": 53.87}, id="heat-79.97"),
        pytest.param("river.gauge", GAUGE, {"stage_m": 2.3232}, id="gauge-24.96"),
    ],
)
def test_level_agrees_with_the_reported_score(sensor_type: str, params: dict[str, Any], values: dict[str, Any]) -> None:
    result = assess(sensor_type, params, values)

    assert result.level == level_for(result.score), result


# Monotonicity: a worse hazard never scores lower.


def ordered_pair(low: float, high: float) -> st.SearchStrategy[tuple[float, float]]:
    value = st.floats(low, high, allow_nan=False)
    return st.tuples(value, value).map(lambda pair: (min(pair), max(pair)))


def scores(sensor_type: str, params: dict[str, Any], values: list[dict[str, Any]]) -> list[float]:
    return [assess(sensor_type, params, v).score for v in values]


def levels(sensor_type: str, params: dict[str, Any], values: list[dict[str, Any]]) -> list[int]:
    return [LEVELS.index(assess(sensor_type, params, v).level) for v in values]


gauge_params = st.tuples(st.floats(0.1, 2.0), st.floats(0.1, 2.0), st.floats(0.1, 5.0), st.floats(0.1, 5.0)).map(
    lambda d: {
        "normal": {"stage_m": d[0] + d[1]},
        "thresholds": {
            "drought_low": d[0],
            "flood_warning": d[0] + d[1] + d[2],
            "flood_danger": d[0] + d[1] + d[2] + d[3],
        },
    }
)


@given(params=gauge_params, fractions=ordered_pair(0.0, 1.0))
def test_higher_stage_above_normal_never_scores_lower(params: dict[str, Any], fractions: tuple[float, float]) -> None:
    normal = params["normal"]["stage_m"]
    stages = [normal + f * 20.0 for f in fractions]
    readings = [{"stage_m": s} for s in stages]

    low, high = scores("river.gauge", params, readings)

    assert low <= high


@given(stages=ordered_pair(1.2, 50.0))
def test_pack_gauge_higher_stage_never_scores_lower(stages: tuple[float, float]) -> None:
    low, high = scores("river.gauge", GAUGE, [{"stage_m": s} for s in stages])

    assert low <= high


@given(alarm=st.floats(0.05, 1.0), confidences=ordered_pair(0.0, 1.0))
def test_higher_camera_confidence_never_scores_lower(alarm: float, confidences: tuple[float, float]) -> None:
    params = {"alarm_confidence": alarm}
    readings = [{"smoke_confidence": c} for c in confidences]

    low, high = scores("fire.camera", params, readings)
    low_level, high_level = levels("fire.camera", params, readings)

    assert low <= high
    assert low_level <= high_level


@given(alarm=st.floats(0.5, 20.0), obscurations=ordered_pair(0.0, 100.0))
def test_more_smoke_never_scores_lower(alarm: float, obscurations: tuple[float, float]) -> None:
    low, high = scores(
        "fire.smoke_detector", {"alarm_pct_per_m": alarm}, [{"obscuration_pct_per_m": o} for o in obscurations]
    )

    assert low <= high


@given(alarm=st.sampled_from([54.0, 57.0, 64.0, 69.0, 79.0, 84.0]), temperatures=ordered_pair(-40.0, 200.0))
def test_hotter_heat_detector_never_scores_lower(alarm: float, temperatures: tuple[float, float]) -> None:
    low, high = scores("fire.heat_detector", {"alarm_c": alarm}, [{"temperature_c": t} for t in temperatures])

    assert low <= high


@given(
    max_temp=st.floats(50.0, 150.0),
    rated=st.floats(100.0, 3000.0),
    temps=ordered_pair(-50.0, 250.0),
    current=st.floats(0.0, 5000.0),
)
def test_hotter_conductor_never_scores_lower(
    max_temp: float, rated: float, temps: tuple[float, float], current: float
) -> None:
    params = {"max_temp_c": max_temp, "rated_current_a": rated}

    low, high = scores("grid.line", params, [line(t, current) for t in temps])

    assert low <= high


@given(rated=st.floats(100.0, 3000.0), currents=ordered_pair(0.0, 5000.0), temp=st.floats(-50.0, 250.0))
def test_more_current_never_scores_lower(rated: float, currents: tuple[float, float], temp: float) -> None:
    params = {"max_temp_c": 70.0, "rated_current_a": rated}

    low, high = scores("grid.line", params, [line(temp, c) for c in currents])

    assert low <= high


@given(
    sensor_type=st.sampled_from(["fire.sprinkler", "fire.hydrant"]),
    minimum=st.floats(0.01, 1.0),
    pressures=ordered_pair(0.0, 3.0),
)
def test_lower_pressure_never_scores_lower(sensor_type: str, minimum: float, pressures: tuple[float, float]) -> None:
    lower_p, higher_p = pressures
    params = {"min_pressure_mpa": minimum}

    at_lower, at_higher = scores(sensor_type, params, [{"pressure_mpa": lower_p}, {"pressure_mpa": higher_p}])

    assert at_lower >= at_higher
