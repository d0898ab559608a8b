"""Severity rules: one reading of one sensor -> a score 0-100, a level and a reason a person can read.

Each rule is a pure function of the sensor's city-pack parameters and its latest values, monotone in the
hazard (a higher water level, more smoke, a hotter conductor never scores lower). The bands and the
standards they come from are documented in ``docs/risk.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

LEVELS = ("ok", "watch", "warning", "alarm")

# How often each sensor type is expected to report (event time). A sensor silent for three intervals is
# stale: its last value no longer counts as a statement about now.
EXPECTED_INTERVAL_S: Mapping[str, float] = {
    "river.gauge": 300.0,
    "fire.camera": 60.0,
    # A building's detectors report as its fire panel's supervision heartbeat does, every five minutes: the
    # city's 700 detectors at one a minute were two thirds of its telemetry, and at the demos' speeds more than
    # one process can take in. (A real panel pushes an alarm at once; the simulator at the next report.)
    "fire.smoke_detector": 300.0,
    "fire.heat_detector": 300.0,
    "fire.sprinkler": 300.0,
    "fire.hydrant": 300.0,
    # Equipment whose status changes rarely supervises itself every quarter of an hour (a change is sent at once).
    "fire.extinguisher": 900.0,
    "fire.alarm_panel": 900.0,
    "fire.fire_door": 900.0,
    "grid.line": 60.0,
}
STALE_AFTER_INTERVALS = 3.0


def stale_after_s(sensor_type: str) -> float:
    return EXPECTED_INTERVAL_S[sensor_type] * STALE_AFTER_INTERVALS


def level_for(score: float) -> str:
    """The level bands every rule shares: ok < 25 <= watch < 50 <= warning < 80 <= alarm."""
    if score >= 80:
        return "alarm"
    if score >= 50:
        return "warning"
    if score >= 25:
        return "watch"
    return "ok"


@dataclass(frozen=True, slots=True)
class Assessment:
    """A sensor's severity now."""

    score: float
    level: str
    reason: str


def _assessment(score: float, reason: str) -> Assessment:
    score = round(max(0.0, min(100.0, score)), 1)  # round first: the level must agree with the score shown
    return Assessment(score, level_for(score), reason)


def ramp(x: float, x0: float, x1: float, y0: float, y1: float) -> float:
    """Linear from (x0, y0) to (x1, y1), clamped to the segment."""
    if x1 == x0:
        return y1 if x >= x1 else y0
    f = max(0.0, min(1.0, (x - x0) / (x1 - x0)))
    return y0 + f * (y1 - y0)


def assess_gauge(params: Mapping[str, Any], values: Mapping[str, Any]) -> Assessment:
    measure = params.get("measure", "stage")
    key, unit = ("stage_m", "m") if measure == "stage" else ("discharge_m3s", "m³/s")
    if key not in values:
        return _assessment(0, f"no {measure} in the latest reading")
    x = float(values[key])
    th = params["thresholds"]
    normal = float(params.get("normal", {}).get(key, th["drought_low"]))
    low, warn, danger = float(th["drought_low"]), float(th["flood_warning"]), float(th["flood_danger"])
    if x >= danger:
        return _assessment(
            90 + ramp(x, danger, danger + (danger - warn), 0, 10),
            f"{measure} {x:.2f} {unit} above flood danger level {danger:g} {unit}",
        )
    if x >= warn:
        return _assessment(
            ramp(x, warn, danger, 60, 80), f"{measure} {x:.2f} {unit} above flood warning level {warn:g} {unit}"
        )
    if x > normal:
        return _assessment(ramp(x, normal, warn, 0, 40), f"{measure} {x:.2f} {unit}, warning at {warn:g} {unit}")
    if x <= low:
        return _assessment(50, f"{measure} {x:.2f} {unit} at or below drought low level {low:g} {unit}")
    return _assessment(0, f"{measure} {x:.2f} {unit}")


def assess_camera(params: Mapping[str, Any], values: Mapping[str, Any]) -> Assessment:
    c = float(values["smoke_confidence"])
    a = float(params.get("alarm_confidence", 0.6))
    if c >= a:
        return _assessment(ramp(c, a, 1.0, 80, 100), f"smoke seen, confidence {c:.2f}")
    if c >= a / 2:
        return _assessment(ramp(c, a / 2, a, 40, 79), f"possible smoke, confidence {c:.2f}")
    return _assessment(ramp(c, 0, a / 2, 0, 24), f"no smoke (confidence {c:.2f})")


def assess_smoke_detector(params: Mapping[str, Any], values: Mapping[str, Any]) -> Assessment:
    o = float(values["obscuration_pct_per_m"])
    a = float(params.get("alarm_pct_per_m", 3.0))
    if o >= a:
        return _assessment(ramp(o, a, 2 * a, 85, 100), f"smoke alarm, obscuration {o:.2f} %/m")
    if o >= a / 3:
        return _assessment(ramp(o, a / 3, a, 40, 84), f"smoke rising, obscuration {o:.2f} %/m")
    return _assessment(ramp(o, 0, a / 3, 0, 24), f"obscuration {o:.2f} %/m")


def assess_heat_detector(params: Mapping[str, Any], values: Mapping[str, Any]) -> Assessment:
    t = float(values["temperature_c"])
    a = float(params.get("alarm_c", 57.0))
    if t >= a:
        return _assessment(ramp(t, a, a + 20, 90, 100), f"heat alarm, {t:.1f} °C (alarm at {a:g} °C)")
    if t >= a - 17:
        return _assessment(ramp(t, a - 17, a, 40, 89), f"{t:.1f} °C, rising towards {a:g} °C")
    return _assessment(ramp(t, a - 30, a - 17, 0, 24), f"{t:.1f} °C")


def _assess_pressure(name: str, default_min: float) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Assessment]:
    def assess(params: Mapping[str, Any], values: Mapping[str, Any]) -> Assessment:
        p = float(values["pressure_mpa"])
        minimum = float(params.get("min_pressure_mpa", default_min))
        if p < minimum:
            return _assessment(ramp(p, minimum, 0, 60, 75), f"{name} pressure {p:.3f} MPa below {minimum:g} MPa")
        if p < 1.2 * minimum:
            return _assessment(
                ramp(p, 1.2 * minimum, minimum, 25, 49), f"{name} pressure {p:.3f} MPa near minimum {minimum:g} MPa"
            )
        return _assessment(0, f"{name} pressure {p:.3f} MPa")

    return assess


_STATUS_SCORES: Mapping[str, Mapping[str, tuple[float, str]]] = {
    "fire.extinguisher": {
        "ok": (0, "extinguisher ok"),
        "expired": (35, "extinguisher past its service date"),
        "low_pressure": (40, "extinguisher low pressure"),
        "missing": (55, "extinguisher missing"),
    },
    "fire.alarm_panel": {
        "normal": (0, "alarm panel normal"),
        "fault": (60, "alarm panel fault"),
        "disabled": (65, "alarm panel disabled"),
        "alarm": (95, "fire alarm raised by the panel"),
    },
    "fire.fire_door": {
        "closed": (0, "fire door closed"),
        "open": (35, "fire door held open"),
        "fault": (50, "fire door fault"),
    },
}


def _assess_status(sensor_type: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Assessment]:
    table = _STATUS_SCORES[sensor_type]

    def assess(params: Mapping[str, Any], values: Mapping[str, Any]) -> Assessment:
        score, reason = table[str(values["status"])]
        return _assessment(score, reason)

    return assess


def assess_line(params: Mapping[str, Any], values: Mapping[str, Any]) -> Assessment:
    t = float(values["conductor_temp_c"])
    t_max = float(params["max_temp_c"])
    current = float(values["current_a"])
    rated = float(params["rated_current_a"])
    if t >= t_max:
        temp_score = ramp(t, t_max, t_max + 15, 85, 100)
    elif t >= t_max - 10:
        temp_score = ramp(t, t_max - 10, t_max, 55, 84)
    elif t >= t_max - 25:
        temp_score = ramp(t, t_max - 25, t_max - 10, 25, 54)
    else:
        temp_score = ramp(t, t_max - 45, t_max - 25, 0, 24)
    load_score = ramp(current, rated, 1.3 * rated, 60, 85) if current > rated else 0.0
    reason = f"conductor {t:.1f} °C of {t_max:g} °C, {current:.0f} A of {rated:g} A rated"
    return _assessment(max(temp_score, load_score), reason)


RULES: Mapping[str, Callable[[Mapping[str, Any], Mapping[str, Any]], Assessment]] = {
    "river.gauge": assess_gauge,
    "fire.camera": assess_camera,
    "fire.smoke_detector": assess_smoke_detector,
    "fire.heat_detector": assess_heat_detector,
    "fire.sprinkler": _assess_pressure("sprinkler", 0.05),
    "fire.hydrant": _assess_pressure("hydrant", 0.14),
    "fire.extinguisher": _assess_status("fire.extinguisher"),
    "fire.alarm_panel": _assess_status("fire.alarm_panel"),
    "fire.fire_door": _assess_status("fire.fire_door"),
    "grid.line": assess_line,
}


def assess(sensor_type: str, params: Mapping[str, Any], values: Mapping[str, Any]) -> Assessment:
    return RULES[sensor_type](params, values)


# The least score of each river state (consumers/river): a drought or flood warning is at least a warning
# even when the level alone looks harmless, because the river model sees the trend.
RIVER_STATE_FLOOR: Mapping[str, float] = {
    "normal": 0.0,
    "low_water_watch": 30.0,
    "drought_warning": 60.0,
    "flood_warning": 60.0,
    "flood_danger": 90.0,
}
SENSOR_FAULT_SCORE = 30.0


def assess_with_river_state(level_assessment: Assessment, state: str, reason: str) -> Assessment:
    """Combine the level rule with the river model's state. A faulty gauge's values are not trusted, so its
    score is a fixed watch (someone should look at the sensor), never a flood or a drought."""
    if state == "fault":
        return _assessment(SENSOR_FAULT_SCORE, reason)
    floor = RIVER_STATE_FLOOR[state]
    if floor > level_assessment.score:
        return _assessment(floor, reason)
    return Assessment(
        level_assessment.score, level_assessment.level, reason if state != "normal" else level_assessment.reason
    )
