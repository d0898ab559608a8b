"""Scenario files: every one loads and says what a guide needs in three languages; the built-in scenarios' files
play exactly as the code did (the drought's recession moved into its history); bad files are refused naming the file
and the field; the fire is in Yunyan and the cameras are first; the drought, started warm, warns every gauge at
least 72 h ahead from its key moment on."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from consumers.citypack import CityPack, landmarks_only
from consumers.clock import ManualClock
from consumers.processor import Processor, ProcessorConfig
from consumers.river.sensor_model import GaugeSensorModel
from consumers.settings import Settings
from consumers.testing import MessageFactory
from simulator.model import (
    CitySimulator,
    builtin_calls,
    builtin_incidents,
    cameras_seeing,
    scenario_calls,
    scenario_incidents,
)
from simulator.scenarios import (
    LANGUAGES,
    FireSceneStep,
    History,
    ScenarioError,
    check_scenario_name,
    load_scenario,
    load_scenarios,
    scenario_ids,
)
from simulator.show import WarmSimulator
from tests.conftest import GUIYANG

EXPECTED = ["flood", "drought", "fire", "heatwave", "calm", "demo"]
YUNYAN = "520103"


def test_every_scenario_file_loads_in_show_order(pack: CityPack) -> None:
    scenarios = load_scenarios(GUIYANG, pack)

    assert list(scenarios) == EXPECTED
    assert scenario_ids(GUIYANG) == sorted(EXPECTED)


@pytest.mark.parametrize("scenario_id", EXPECTED)
def test_each_scenario_has_titles_summaries_and_notes_in_every_language(pack: CityPack, scenario_id: str) -> None:
    s = load_scenarios(GUIYANG, pack)[scenario_id]

    for lang in LANGUAGES:
        assert s.title[lang].strip() and s.summary[lang].strip()
        assert all(n.text[lang].strip() for n in s.notes)
    assert len(s.notes) >= 3
    assert 0 <= s.key_moment_s <= s.length_s
    assert any(abs(n.at_s - s.key_moment_s) < 1 for n in s.notes), "a note says what to show at the key moment"
    assert 1 <= s.speed <= 600
    start = s.start_at(date(2026, 7, 1))
    assert start.tzinfo is UTC
    assert start.astimezone(ZoneInfo(pack.timezone)).time() == s.start_local


@pytest.mark.parametrize("name", ["calm", "demo"])
def test_the_files_of_the_built_in_scenarios_play_exactly_as_the_code_did(pack: CityPack, name: str) -> None:
    assert scenario_incidents(pack, name) == builtin_incidents(pack, name)
    assert scenario_calls(pack, name) == builtin_calls(pack, name)
    landmarks = landmarks_only(pack)
    assert scenario_incidents(landmarks, name) == builtin_incidents(landmarks, name)


def test_the_drought_file_is_the_built_in_recession_moved_into_its_history(pack: CityPack) -> None:
    """The file no longer equals the built-in drought (``simulator.model.builtin_incidents``, which starts the
    recession 36 h after a cold start): it starts warm, with four days of gauge readings, and the same recession on
    the same gauges with the same K begins 72 h before the start instead, inside that history."""
    drought = load_scenarios(GUIYANG, pack)["drought"]
    assert drought.history == History(("river.gauge",), 96.0)
    moved = -72 * 3600.0 - 36 * 3600.0
    assert scenario_incidents(pack, "drought") == [
        replace(i, start_s=i.start_s + moved) for i in builtin_incidents(pack, "drought")
    ]
    assert scenario_calls(pack, "drought") == builtin_calls(pack, "drought") == []
    assert -drought.history.seconds < -72 * 3600.0, "the history holds normal flow before the rain stops"


def test_a_scenario_id_is_a_file_of_the_pack(pack: CityPack) -> None:
    check_scenario_name(GUIYANG, "fire")
    with pytest.raises(ScenarioError, match=r"CITYOPS_SIM_SCENARIO.*'nope'"):
        check_scenario_name(GUIYANG, "nope")
    with pytest.raises(ValueError, match="nope"):
        scenario_incidents(pack, "nope")


def test_the_fire_is_in_yunyan_and_seen_by_two_cameras(pack: CityPack) -> None:
    fire = load_scenarios(GUIYANG, pack)["fire"]
    (step,) = [s for s in fire.steps if isinstance(s, FireSceneStep)]
    building = pack.buildings[step.building]

    assert building.district == YUNYAN
    assert len(cameras_seeing(pack, building.lon, building.lat)) >= 2


def test_in_the_fire_scenario_the_cameras_alarm_before_the_first_call_and_the_detectors(pack: CityPack) -> None:
    """The fire scenario replayed through the consumers' processor in event time."""
    landmarks = landmarks_only(pack)
    fire = load_scenarios(GUIYANG, landmarks)["fire"]
    start = datetime(2026, 7, 1, tzinfo=UTC)
    clock = ManualClock(start)
    settings = Settings()
    processor = Processor(landmarks, ProcessorConfig(settings.partitions), clock)
    processor.assign(range(settings.partitions))
    messages = MessageFactory(settings)
    first_alarm: dict[str, datetime] = {}
    flushed = start
    for reading in CitySimulator(landmarks, fire.seed, start, "fire").until(start + timedelta(seconds=2400)):
        clock.set(reading.event_time)
        processor.process(messages.reading(reading))
        if reading.event_time - flushed >= timedelta(seconds=10):
            processor.drain()
            flushed = reading.event_time
        state = processor.sensors.get(reading.sensor_id)
        if state is not None and state.assessment.level == "alarm":
            first_alarm.setdefault(reading.sensor_id, reading.event_time)
    (incident,) = processor.incidents.incidents()
    first = {k: datetime.fromisoformat(v) for k, v in incident["timeline"].items()}
    cameras = [t for sid, t in first_alarm.items() if landmarks.sensors[sid].type == "fire.camera"]
    detectors = [t for sid, t in first_alarm.items() if landmarks.sensors[sid].type.endswith("_detector")]

    assert len(cameras) >= 2 and detectors
    assert max(cameras) < min(detectors)
    assert first["first_camera"] < first["first_call"] < first["first_detector"]
    assert incident["confirmed_by"] == "two_sources"
    assert incident["camera_lead_min"] >= 5
    key = start + timedelta(seconds=fire.key_moment_s)
    assert min(cameras) <= key + timedelta(minutes=1), "the key moment is when the cameras see it"


def replay_gauges(
    gauges: CityPack, simulator: WarmSimulator, until: datetime
) -> tuple[Processor, dict[str, datetime], dict[str, datetime]]:
    """``simulator``'s readings of ``gauges`` until ``until``, history first, through the consumers' processor in event
    time: the processor, and when each gauge was first in drought warning and first below its drought level."""
    clock = ManualClock(simulator.history_start)
    settings = Settings()
    processor = Processor(gauges, ProcessorConfig(settings.partitions), clock)
    processor.assign(range(settings.partitions))
    messages = MessageFactory(settings)
    first_warning: dict[str, datetime] = {}
    first_below: dict[str, datetime] = {}
    for reading in simulator.until(until):
        clock.set(reading.event_time)
        processor.process(messages.reading(reading))
        model = processor.sensors[reading.sensor_id].model
        status = model.status if isinstance(model, GaugeSensorModel) else None
        if status is not None and status.state == "drought_warning":
            first_warning.setdefault(reading.sensor_id, reading.event_time)
        if reading.values["stage_m"] < gauges.sensors[reading.sensor_id].params["thresholds"]["drought_low"]:
            first_below.setdefault(reading.sensor_id, reading.event_time)
    return processor, first_warning, first_below


def test_the_drought_started_warm_warns_at_its_key_moment_and_every_gauge_at_least_72_hours_ahead(
    pack: CityPack,
) -> None:
    """The exhibition's headline, on the drought file as the show plays it (``WarmSimulator``: four days of gauge
    history, then the show): replayed through the consumers' processor in event time, the first drought warning
    comes at the key moment, a few minutes of show at the default speed, and every gauge is warned at least 72 h
    before its first reading below drought_low. None of the history's readings is refused."""
    gauges = replace(pack, sensors={s.id: s for s in pack.sensors_of_type("river.gauge")})
    drought = load_scenarios(GUIYANG, pack)["drought"]
    start = drought.start_at(date(2026, 7, 1))
    simulator = WarmSimulator(gauges, drought.seed, start, "drought", history=drought.history)
    processor, first_warning, first_below = replay_gauges(gauges, simulator, start + timedelta(days=8))

    assert sum(processor.deadlettered.values()) == 0, processor.deadlettered
    assert sorted(first_below) == sorted(gauges.sensors), "every gauge should fall below its drought level"
    leads_h = {g: (first_below[g] - first_warning[g]).total_seconds() / 3600 for g in first_below if g in first_warning}
    assert sorted(leads_h) == sorted(first_below), f"gauges never warned: {set(first_below) - set(leads_h)}"
    assert min(leads_h.values()) >= 72.0, leads_h
    first = min(first_warning.values())
    key = start + timedelta(seconds=drought.key_moment_s)
    assert start < first <= key, f"the first warning at {first}, the key moment {key}"
    assert key - first < timedelta(minutes=10), "the key moment is when the first warning comes"
    assert drought.key_moment_s / drought.speed < 180, "a few minutes into the show at its default speed"


# -- bad files ----------------------------------------------------------------------------------------------------


@pytest.fixture
def good() -> dict[str, Any]:
    return json.loads((GUIYANG / "scenarios" / "fire.json").read_text(encoding="utf-8"))


def write(tmp_path: Path, doc: dict[str, Any], name: str = "fire") -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("seed"), "seed"),
        (lambda d: d.update(speed=1000), "speed"),
        (lambda d: d.update(start_local="2pm"), "start_local"),
        (lambda d: d.update(id="other"), "id"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["title"].pop("de"), "title.de"),
        (lambda d: d["notes"][1]["text"].update(zh=""), "notes[1].text.zh"),
        (lambda d: d["notes"].reverse(), "notes"),
        (lambda d: d.update(key_moment_s=d["length_s"] + 1), "key_moment_s"),
        (lambda d: d["key_place"].pop("zoom"), "key_place.zoom"),
        (lambda d: d["steps"][0].update(kind="earthquake"), "steps[0].kind"),
        (lambda d: d["steps"][0].pop("start_s"), "steps[0].start_s"),
        (lambda d: d["steps"][0].update(duration_s="long"), "steps[0].duration_s"),
        (
            lambda d: d["steps"].append({"kind": "surge", "sensors": 3, "start_s": 0, "duration_s": 60}),
            "steps[1].sensors",
        ),
        (
            lambda d: d["steps"].append({"kind": "drought", "gauges": "all", "start_s": 0, "duration_s": 60}),
            "steps[1].k_per_day",
        ),
        (
            lambda d: d["steps"].append(
                {"kind": "flood_wave", "gauges": {"river": "x", "first": 0}, "start_s": 0, "duration_s": 60}
            ),
            "steps[1].gauges.first",
        ),
        (lambda d: d.update(history=["river.gauge"]), "history"),
        (lambda d: d.update(history={"types": ["river.gauge"]}), "history.hours"),
        (lambda d: d.update(history={"types": ["river.gauge"], "hours": 0}), "history.hours"),
        (lambda d: d.update(history={"types": ["river.gauge"], "hours": 24 * 15}), "history.hours"),
        (lambda d: d.update(history={"types": [], "hours": 24}), "history.types"),
        (lambda d: d.update(history={"types": ["river"], "hours": 24}), "history.types[0]"),
        (lambda d: d.update(history={"types": ["river.gauge", "river.gauge"], "hours": 24}), "history.types"),
        (lambda d: d.update(history={"types": ["river.gauge"], "hours": 24, "days": 1}), "history.days"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_field(
    tmp_path: Path, good: dict[str, Any], change: Any, field: str
) -> None:
    change(good)
    path = write(tmp_path, good)

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.field == field
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: {field}: ")


def test_not_json_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "fire.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"fire\.json: \(file\): not valid JSON"):
        load_scenario(path)


def test_a_history_of_a_sensor_type_the_pack_does_not_have_is_refused_at_loading(
    tmp_path: Path, pack: CityPack, good: dict[str, Any]
) -> None:
    good["history"] = {"types": ["river.gauge"], "hours": 24}
    (tmp_path / "scenarios").mkdir()
    shutil.copy(GUIYANG / "pack.json", tmp_path / "pack.json")
    write(tmp_path / "scenarios", good)
    assert load_scenarios(tmp_path, pack)["fire"].history == History(("river.gauge",), 24.0)

    no_gauges = replace(pack, sensors={k: s for k, s in pack.sensors.items() if s.type != "river.gauge"})
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(tmp_path, no_gauges)
    assert caught.value.field == "history.types[0]"


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"kind": "fire_scene", "building": "B-999", "start_s": 0, "duration_s": 3600}, "steps[1].building"),
        ({"kind": "sudden", "sensor": "NOPE-1", "start_s": 0, "duration_s": 60}, "steps[1].sensors[0]"),
        ({"kind": "surge", "sensors": {"most_loaded_lines": 999}, "start_s": 0, "duration_s": 60}, "steps[1].sensors"),
        (
            {"kind": "flood_wave", "gauges": {"river": "amazon"}, "start_s": 0, "duration_s": 60, "celerity_m_s": 2},
            "steps[1].gauges.river",
        ),
        (
            {"kind": "drought", "gauges": ["NM-01", "CAM-01"], "start_s": 0, "duration_s": 60, "k_per_day": 0.9},
            "steps[1].gauges[1]",
        ),
    ],
)
def test_a_step_on_something_the_pack_does_not_have_is_refused_at_loading(
    tmp_path: Path, pack: CityPack, good: dict[str, Any], step: dict[str, Any], field: str
) -> None:
    good["steps"].append(step)
    (tmp_path / "scenarios").mkdir()
    shutil.copy(GUIYANG / "pack.json", tmp_path / "pack.json")
    write(tmp_path / "scenarios", good)

    with pytest.raises(ScenarioError) as caught:
        load_scenarios(tmp_path, pack)
    assert caught.value.field == field
