"""The simulator on the real Guiyang pack: deterministic, on contract, on cadence, calm when calm, loud in the demo."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consumers.citypack import CityPack, landmarks_only, load_city_pack
from consumers.clock import ManualClock
from consumers.contract import REPORT_TYPE, Reading, decode
from consumers.processor import Processor, ProcessorConfig
from consumers.rules import EXPECTED_INTERVAL_S, assess
from consumers.settings import Settings
from consumers.testing import MessageFactory
from simulator.model import DEMO_FIRE, DEMO_SPRINKLER_LOSS, CitySimulator, cameras_seeing, scenario_incidents
from simulator.scenarios import find_scenario
from simulator.show import WarmSimulator
from tests.simulator.test_scenarios import replay_gauges

GUIYANG = Path(__file__).parents[2] / "assets/city/guiyang"
START = datetime(2026, 7, 1, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TWO_HOURS = timedelta(hours=2)


@pytest.fixture(scope="module")
def guiyang() -> CityPack:
    return load_city_pack(GUIYANG)


def run(
    pack: CityPack, seed: int, duration: timedelta, scenario: str = "calm", start: datetime = START
) -> list[Reading]:
    return list(CitySimulator(pack, seed, start, scenario).until(start + duration))


@pytest.fixture(scope="module")
def two_hours(guiyang: CityPack) -> list[Reading]:
    return run(guiyang, 7, TWO_HOURS)


def test_same_seed_and_start_give_identical_readings(guiyang: CityPack, two_hours: list[Reading]) -> None:
    assert run(guiyang, 7, TWO_HOURS) == two_hours


def test_different_seed_gives_different_readings(guiyang: CityPack, two_hours: list[Reading]) -> None:
    other = run(guiyang, 8, TWO_HOURS)

    assert [r.values for r in other] != [r.values for r in two_hours]


def test_every_reading_re_decodes_and_matches_its_sensor(guiyang: CityPack, two_hours: list[Reading]) -> None:
    assert two_hours
    for reading in two_hours:
        decoded = decode(reading.encode())
        assert isinstance(decoded, Reading), (reading, decoded)
        assert decoded == reading
        spec = guiyang.sensors[reading.sensor_id]
        assert (reading.type, reading.district) == (spec.type, spec.district)


def test_every_sensor_reports_at_its_expected_cadence(guiyang: CityPack, two_hours: list[Reading]) -> None:
    counts = Counter(r.sensor_id for r in two_hours)

    assert set(counts) == set(guiyang.sensors)
    for sensor_id, spec in guiyang.sensors.items():
        expected = TWO_HOURS.total_seconds() / EXPECTED_INTERVAL_S[spec.type]
        assert abs(counts[sensor_id] - expected) <= 1, (sensor_id, counts[sensor_id], expected)


def test_event_times_are_ordered_local_and_within_the_run(two_hours: list[Reading]) -> None:
    times = [r.event_time for r in two_hours]

    assert all(a <= b for a, b in pairwise(times))
    assert all(t.utcoffset() == timedelta(hours=8) for t in times)
    assert '+08:00"' in two_hours[0].encode().decode()
    assert times[0] >= START
    assert times[-1] < START + TWO_HOURS


def test_a_utc_start_still_emits_local_time(guiyang: CityPack) -> None:
    start = START.astimezone(ZoneInfo("UTC"))

    readings = run(guiyang, 7, timedelta(minutes=5), start=start)

    assert readings
    assert all(r.event_time.utcoffset() == timedelta(hours=8) for r in readings)


def test_naive_start_is_refused(guiyang: CityPack) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CitySimulator(guiyang, 1, datetime(2026, 7, 1, 8, 0), "calm")  # noqa: DTZ001 - the point of the test


def worst_level_by_sensor(pack: CityPack, readings: list[Reading]) -> dict[str, str]:
    order = ("ok", "watch", "warning", "alarm")
    worst: dict[str, str] = defaultdict(lambda: "ok")
    for reading in readings:
        if reading.type == REPORT_TYPE:
            continue  # a call, not a sensor
        spec = pack.sensors[reading.sensor_id]
        level = assess(spec.type, spec.params, reading.values).level
        if order.index(level) > order.index(worst[reading.sensor_id]):
            worst[reading.sensor_id] = level
    return dict(worst)


def test_calm_day_raises_no_alarm(guiyang: CityPack) -> None:
    """Every sensor outside buildings, the landmarks' devices, and every tenth generated building's (which share
    one model and differ only in their normal pressures): a day of the whole city took 46 s."""
    landmarks = landmarks_only(guiyang)
    sampled = {b for b in guiyang.buildings if b not in landmarks.buildings and int(b.split("-")[1]) % 10 == 1}
    played = replace(
        guiyang,
        sensors={s.id: s for s in guiyang.sensors.values() if s.id in landmarks.sensors or s.building_id in sampled},
    )
    assert len(sampled) >= 25
    worst = worst_level_by_sensor(played, run(played, 7, timedelta(hours=24), "calm"))

    alarms = sorted(sid for sid, level in worst.items() if level == "alarm")
    assert alarms == []


@pytest.fixture(scope="module")
def demo_worst(guiyang: CityPack) -> dict[str, str]:
    landmarks = landmarks_only(guiyang)  # the demo's incidents are all on landmarks (see scenario_incidents)
    return worst_level_by_sensor(landmarks, run(landmarks, 7, timedelta(hours=12), "demo"))


@pytest.mark.parametrize(
    "sensor_type",
    [
        pytest.param("fire.camera", id="camera"),
        pytest.param("fire.smoke_detector", id="smoke-detector"),
        pytest.param("river.gauge", id="gauge"),
        pytest.param("grid.line", id="line"),
    ],
)
def test_demo_scenario_drives_each_domain_to_alarm(
    guiyang: CityPack, demo_worst: dict[str, str], sensor_type: str
) -> None:
    alarmed = [
        sid for sid, level in demo_worst.items() if level == "alarm" and guiyang.sensors[sid].type == sensor_type
    ]

    assert alarmed, f"no {sensor_type} reached alarm in 12 h of the demo scenario"


def test_demo_incidents_target_real_sensors(guiyang: CityPack) -> None:
    incidents = scenario_incidents(guiyang, "demo")

    assert incidents
    assert {i.sensor_id for i in incidents} <= set(guiyang.sensors)
    assert scenario_incidents(guiyang, "calm") == []


def test_unknown_scenario_is_refused(guiyang: CityPack) -> None:
    with pytest.raises(ValueError, match="nope"):
        scenario_incidents(guiyang, "nope")


def test_the_drought_scenario_is_warned_at_least_72_hours_ahead_on_every_gauge(guiyang: CityPack) -> None:
    """The exhibition's headline, on the product's own scenario as the show plays it (warm: its four days of gauge
    history first, ``simulator.show.WarmSimulator``): replayed through the consumers' processor in event time,
    every gauge raises a drought warning at least 72 h before its first reading below drought_low."""
    gauges_only = replace(guiyang, sensors={s.id: s for s in guiyang.sensors_of_type("river.gauge")})
    drought = find_scenario(guiyang.root, "drought")
    assert drought is not None and drought.history is not None
    start = datetime(2026, 7, 1, tzinfo=UTC)
    simulator = WarmSimulator(gauges_only, 7, start, "drought", history=drought.history)
    _, first_warning, first_below = replay_gauges(gauges_only, simulator, start + timedelta(days=12))

    assert sorted(first_below) == sorted(gauges_only.sensors), "every gauge should fall below its drought level"
    leads_h = {g: (first_below[g] - first_warning[g]).total_seconds() / 3600 for g in first_below if g in first_warning}
    assert sorted(leads_h) == sorted(first_below), f"gauges never warned: {set(first_below) - set(leads_h)}"
    assert min(leads_h.values()) >= 72.0, leads_h


def test_the_demo_fire_is_one_confirmed_incident_that_the_cameras_saw_minutes_before_the_first_call(
    guiyang: CityPack,
) -> None:
    """The exhibition's fire, replayed through the consumers' processor in event time (the landmarks: the
    generated buildings have no part in it, and a flush per reading of the whole city took 80 s)."""
    guiyang = landmarks_only(guiyang)
    start = datetime(2026, 7, 1, tzinfo=UTC)
    clock = ManualClock(start)
    settings = Settings()
    processor = Processor(guiyang, ProcessorConfig(settings.partitions), clock)
    processor.assign(range(settings.partitions))
    messages = MessageFactory(settings)
    calls = 0
    flushed = start
    for reading in CitySimulator(guiyang, 7, start, "demo").until(start + timedelta(hours=2, minutes=30)):
        clock.set(reading.event_time)
        calls += reading.type == REPORT_TYPE
        processor.process(messages.reading(reading))
        if reading.event_time - flushed >= timedelta(seconds=10):  # a flush every 10 s of event time
            processor.drain()
            flushed = reading.event_time
    assert calls == len(DEMO_FIRE.call_after_s) == 2
    (incident,) = processor.incidents.incidents()
    building = guiyang.buildings[DEMO_FIRE.building_id]
    assert (incident["lat"], incident["lon"]) == (building.lat, building.lon)
    assert incident["confirmed_by"] == "two_sources"
    assert incident["camera_lead_min"] >= 5
    seen_by = [s["id"] for s in incident["sources"] if s["kind"] == "camera"]
    assert seen_by == [c.id for c in cameras_seeing(guiyang, building.lon, building.lat)] == ["CAM-11", "CAM-01"]
    first = {k: datetime.fromisoformat(v) for k, v in incident["timeline"].items()}
    assert first["first_camera"] < first["confirmed"] < first["first_call"] < first["first_detector"]


def test_the_demo_drains_a_hospitals_sprinkler_below_its_minimum(demo_worst: dict[str, str]) -> None:
    """Below the minimum at the most remote head is a warning of the sensor (``docs/risk.md``) and takes the
    hospital's readiness to "not ready" (``consumers.fire.readiness``)."""
    assert demo_worst[DEMO_SPRINKLER_LOSS] == "warning"
