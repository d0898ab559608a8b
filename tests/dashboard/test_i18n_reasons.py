"""Sensor and alarm reasons of every domain read in German and Chinese, not in the consumers' English.

Every reason here is made by the consumers' own code (their rules, the river model, the line rating, the alarm
conditions), so a reworded consumer sentence fails here instead of showing English on a German or Chinese page.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from consumers.alarms.conditions import building_condition, incident_condition
from consumers.citypack import CityPack
from consumers.fire.readiness import FAULT_WORDS
from consumers.grid.load import LineObservation, LineStatus
from consumers.grid.rating import SpanWeather
from consumers.grid.sensor_model import line_assessment, line_spec
from consumers.river.gauge import GaugeModel
from consumers.rules import _STATUS_SCORES, assess
from dashboard.alarms.words import reason as alarm_reason
from dashboard.i18n import t
from dashboard.reasons import reason_text, sensor_reason

T0 = 1_700_006_400.0
HOUR = 3600.0
GAUGE = {
    "id": "NM-01",
    "measure": "stage",
    "normal": {"stage_m": 1.2},
    "thresholds": {"drought_low": 0.6, "flood_warning": 3.0, "flood_danger": 4.2},
}


def fire_reasons() -> list[str]:
    readings: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("fire.camera", {}, {"smoke_confidence": c}) for c in (0.9, 0.4, 0.1)
    ]
    readings += [("fire.smoke_detector", {}, {"obscuration_pct_per_m": o}) for o in (4.0, 1.5, 0.2)]
    readings += [("fire.heat_detector", {}, {"temperature_c": c}) for c in (62.0, 45.0, 24.0)]
    readings += [
        (kind, {}, {"pressure_mpa": p}) for kind in ("fire.sprinkler", "fire.hydrant") for p in (0.01, 0.16, 0.4)
    ]
    readings += [(kind, {}, {"status": s}) for kind, table in _STATUS_SCORES.items() for s in table]
    return [assess(kind, params, values).reason for kind, params, values in readings]


def gauge_rule_reasons() -> list[str]:
    """A gauge by its level alone (what an alarm on a gauge says when the river model calls it normal)."""
    out = [assess("river.gauge", GAUGE, {}).reason]
    out += [assess("river.gauge", GAUGE, {"stage_m": v}).reason for v in (4.5, 3.2, 2.0, 0.5, 1.0)]
    out.append(assess("river.gauge", {**GAUGE, "measure": "discharge"}, {"discharge_m3s": 7.1}).reason)
    return out


def run(values: list[float], every_s: float = 300.0, rain: float | None = None) -> GaugeModel:
    m = GaugeModel(GAUGE)
    for i, v in enumerate(values):
        m.update(T0 + i * every_s, v, rain)
    return m


def river_model_reasons() -> list[str]:
    """The river model's reasons in each state: fault (none yet, frozen, gap), flood rise, flood levels and the way
    down, low-water watch and drought warning (as tests/consumers/river drive them)."""
    out = [GaugeModel(GAUGE).status(T0).reason]
    rng = random.Random(5)
    frozen = run([1.2 + 0.05 * math.sin(i / 20) + rng.gauss(0, 0.01) for i in range(200)] + [1.234] * 96)
    out.append(frozen.status(T0 + 295 * 300.0).reason)
    out.append(frozen.status(T0 + 400 * 300.0).reason)  # and then silent: a gap
    values = [1.2 + rng.gauss(0, 0.01) for _ in range(48)] + [1.2 + 0.3 * (i / 12) for i in range(1, 12 * 8)]
    rise = GaugeModel(GAUGE)
    for i, v in enumerate(values):
        rise.update(T0 + i * 300.0, v)
        status = rise.status(T0 + i * 300.0)
        if status.state.startswith("flood"):
            out.append(status.reason)
    flood = run([1.2 + 0.1 * i for i in range(40)], rain=20.0)
    t = T0 + 39 * 300.0
    out.append(flood.status(t).reason)
    for i in range(1, 30):
        flood.update(t + i * 300.0, 4.15 if i < 13 else 3.5, 0.0)
        out.append(flood.status(t + i * 300.0).reason)
    out.append(
        run([0.70 + rng.gauss(0, 0.002) for _ in range(12 * 24 * 4)]).status(T0 + (12 * 24 * 4 - 1) * 300.0).reason
    )
    drought = GaugeModel(GAUGE)
    for i, v in enumerate(0.8 * 0.97 ** (i / 24) for i in range(24 * 20)):
        drought.update(T0 + i * HOUR, v)
        status = drought.status(T0 + i * HOUR)
        if status.state == "drought_warning":
            out.append(status.reason)
    return sorted(set(out))


def line_reasons(pack: CityPack) -> list[str]:
    spec = line_spec(pack.sensors["L-10"])
    weather = SpanWeather(35.0, 0.7)
    out = [
        assess(
            "grid.line", {"max_temp_c": 70, "rated_current_a": 500}, {"conductor_temp_c": 40.0, "current_a": 300}
        ).reason
    ]
    for temp, fault, hours in (
        (60.0, False, None),
        (74.0, False, None),
        (120.0, True, None),
        (66.0, False, 0.5),
        (66.0, False, 3.0),
    ):
        status = LineStatus(
            rating_a=480.0, share=0.97, level="warning", expected_temp_c=66.4, temp_fault=fault, hours_to_limit=hours
        )
        out.append(line_assessment(spec, LineObservation(465.0, temp, weather), status).reason)
    return out


def alarm_only_reasons() -> list[str]:
    incident = {"id": "F-1", "state": "confirmed", "sources": ["C-1", "D-2"], "calls": ["x"], "lat": 26.5, "lon": 106.7}
    suspected = {**incident, "state": "suspected", "calls": []}
    faults = [
        {"device": f"D-{i}", "type": kind, "fault": fault}
        for i, (kind, fault) in enumerate(
            (
                ("fire.sprinkler", "below_minimum"),
                ("fire.fire_door", "open"),
                ("fire.extinguisher", "expired"),
                ("fire.alarm_panel", "disabled"),
            )
        )
    ]
    out = []
    for doc in (incident, suspected):
        condition = incident_condition(doc)
        assert condition is not None
        out.append(condition.reason)
    for listed in (faults[:1], faults):
        condition = building_condition({"id": "B-1", "state": "not_ready", "faults": listed}, 26.5, 106.7)
        assert condition is not None
        out.append(condition.reason)
    return out


def every_reason(pack: CityPack) -> list[str]:
    return fire_reasons() + gauge_rule_reasons() + river_model_reasons() + line_reasons(pack) + alarm_only_reasons()


@pytest.mark.parametrize("lang", ["de", "zh"])
def test_every_reason_the_consumers_write_reads_in_german_and_chinese(pack: CityPack, lang: str) -> None:
    reasons = every_reason(pack)
    assert len(reasons) > 50
    english = [r for r in reasons if reason_text(r, lang) == r]
    assert english == []
    assert all(reason_text(r, "en") == r for r in reasons)  # English pages show what the consumers wrote


def test_the_river_model_states_are_all_covered(pack: CityPack) -> None:
    said = " | ".join(river_model_reasons())
    for english in (
        "sensor fault: the same reading",
        "sensor fault: no reading",
        "expected in",
        "at or above the flood",
        "back under the flood",
        "low-water band",
        "expected below the drought level",
        "no reading yet",
    ):
        assert english in said


def test_german_reasons_have_decimal_commas_and_german_words() -> None:
    assert (
        reason_text(assess("fire.camera", {}, {"smoke_confidence": 0.83}).reason, "de")
        == "Rauch erkannt, Konfidenz 0,83"
    )
    low = assess("fire.sprinkler", {}, {"pressure_mpa": 0.041}).reason
    assert reason_text(low, "de") == "Sprinklerdruck 0,041 MPa unter 0,05 MPa"
    assert reason_text(low, "zh") == "喷淋压力 0.041 MPa，低于 0.05 MPa"
    assert reason_text(assess("fire.fire_door", {}, {"status": "open"}).reason, "de") == "Brandschutztür offen gehalten"


def test_a_fire_sensors_reason_on_the_pages_is_in_the_page_language(pack: CityPack) -> None:
    spec = next(s for s in pack.sensors.values() if s.type == "fire.heat_detector")
    a = assess(spec.type, spec.params, {"temperature_c": 70.0})
    doc = {"reason": a.reason, "level": a.level, "values": {"temperature_c": 70.0}}
    assert sensor_reason(spec, doc, "en") == a.reason.replace(" °C", "\u00a0°C")
    assert sensor_reason(spec, doc, "de").startswith("Wärmealarm, 70,0\u00a0°C")
    assert sensor_reason(spec, doc, "zh").startswith("温度报警，70.0\u00a0°C")


def test_an_alarms_reason_is_in_the_page_language() -> None:
    condition = incident_condition({"id": "F-1", "state": "confirmed", "sources": ["a", "b"], "calls": ["c"]})
    assert condition is not None
    alarm = {"reason": condition.reason}
    nb = "\u00a0"  # a number is not parted from its noun in a narrow cell (``dashboard.typography``)
    assert alarm_reason(alarm) == alarm_reason(alarm, "en") == f"fire confirmed: 2{nb}sources, 1{nb}call"
    assert alarm_reason(alarm, "de") == "Brand bestätigt – Quellen: 2, Notrufe: 1"  # no plural to get wrong
    assert alarm_reason(alarm, "zh") == f"火情已确认：2{nb}个信号源，1{nb}次报警电话"


def test_an_equipment_alarm_raised_before_its_faults_had_words_still_reads_in_german() -> None:
    """Alarms stay in the book for days: one raised when the reason carried the fault's code reads as well."""
    before = "fire equipment faults: B-02-SPR below_minimum, D-7 open and 2 more"
    assert reason_text(before, "de") == reason_text(
        "fire equipment faults: B-02-SPR pressure below minimum, D-7 held open and 2 more", "de"
    )
    assert "below_minimum" not in reason_text(before, "de")


def test_the_english_catalogue_names_each_fault_as_the_consumers_english_reasons_do() -> None:
    """The consumers word a fault in English themselves (``FAULT_WORDS``); the catalogue's English for the same code
    is its twin, kept in step here."""
    assert {code: t("en", f"reason.fault_code.{code}") for code in FAULT_WORDS} == dict(FAULT_WORDS)


def test_an_unknown_reason_is_shown_as_written() -> None:
    assert reason_text("a sentence no consumer writes", "de") == "a sentence no consumer writes"
    assert reason_text("", "zh") == ""
