"""Incidents through the processor: a fire seen by cameras, then detectors, then a call, becomes one incident in
the published state; calls that cannot be placed are dead-lettered; a restart takes nothing twice."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.processor import Accepted, DeadLetter, Processor, ProcessorConfig, Replayed
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def bearing(pack: CityPack, camera_id: str, lon: float, lat: float) -> float:
    cam = pack.sensors[camera_id]
    dx = (lon - cam.lon) * math.cos(math.radians(lat))
    return round(math.degrees(math.atan2(dx, lat - cam.lat)) % 360.0, 1)


def fire_at_b01(pack: CityPack, start: datetime = T0) -> list[Reading]:
    """A fire at the Provincial People's Hospital, minute by minute from ``start`` (08:00): CAM-01 sees smoke at
    08:02, CAM-11 at 08:04, the hospital's smoke detector alarms at 08:09, its heat detector at 08:11, and the
    first call comes at 08:13."""
    b = pack.buildings["B-01"]
    out = []
    for minute in range(0, 16):
        at = start + timedelta(minutes=minute)
        for cam, sees_at in (("CAM-01", 2), ("CAM-11", 4)):
            c = 0.05 if minute < sees_at else min(0.95, 0.62 + 0.05 * (minute - sees_at))
            values = (
                {"smoke_confidence": c}
                if c < 0.6
                else {"smoke_confidence": c, "smoke_bearing_deg": bearing(pack, cam, b.lon, b.lat)}
            )
            out.append(Reading("fire.camera", cam, "520103", at, values))
        out.append(
            Reading(
                "fire.smoke_detector", "B-01-SMK-1", "520103", at, {"obscuration_pct_per_m": 0.1 if minute < 9 else 4.0}
            )
        )
        out.append(
            Reading("fire.heat_detector", "B-01-HEAT-1", "520103", at, {"temperature_c": 24.0 if minute < 11 else 70.0})
        )
    call = {"lat": b.lat + 0.0004, "lon": b.lon - 0.0003, "text": "<b>Smoke</b> from the east wing"}
    out.append(Reading("fire.citizen_report", "119-0042", "520103", start + timedelta(minutes=13), call))
    return sorted(out, key=lambda r: r.event_time)


def processor(pack: CityPack) -> Processor:
    p = Processor(pack, ProcessorConfig(partitions=6), ManualClock(T0 + timedelta(minutes=16)))
    p.assign(range(6))
    return p


def incidents(state: list[tuple[bytes, bytes | None]]) -> dict[str, dict]:
    return {k.decode(): json.loads(v) for k, v in state if k.startswith(b"incident:") and v is not None}


def test_a_fire_seen_by_two_cameras_then_detectors_then_a_call_is_one_confirmed_incident(pack: CityPack) -> None:
    p = processor(pack)
    factory = MessageFactory(Settings())
    for message in factory.readings(fire_at_b01(pack)):
        assert isinstance(p.process(message), Accepted)
    published = incidents(p.drain().state)
    assert len(published) == 1
    (incident,) = published.values()
    assert incident["state"] == "confirmed"
    assert incident["confirmed_by"] == "two_sources"
    assert incident["basis"] == "detectors"
    assert (incident["lat"], incident["lon"]) == pytest.approx((pack.buildings["B-01"].lat, pack.buildings["B-01"].lon))
    at = {k: datetime.fromisoformat(v) for k, v in incident["timeline"].items()}
    assert at == {
        "first_camera": T0 + timedelta(minutes=2),
        "confirmed": T0 + timedelta(minutes=5),  # the second camera's second frame (08:04, 08:05): two sources
        "first_detector": T0 + timedelta(minutes=9),
        "first_call": T0 + timedelta(minutes=13),
    }
    assert incident["camera_lead_min"] == 11.0
    assert [s["id"] for s in incident["sources"]] == ["CAM-01", "CAM-11", "B-01-SMK-1", "B-01-HEAT-1", "119-0042"]
    assert incident["calls"][0]["text"] == "<b>Smoke</b> from the east wing"  # as said; the page escapes it


def test_before_the_detectors_the_two_cameras_bearings_place_it_within_150_m(pack: CityPack) -> None:
    p = processor(pack)
    factory = MessageFactory(Settings())
    for message in factory.readings(r for r in fire_at_b01(pack) if r.event_time < T0 + timedelta(minutes=9)):
        p.process(message)
    (incident,) = incidents(p.drain().state).values()
    b = pack.buildings["B-01"]
    assert incident["basis"] == "cameras_crossing"
    north_m = (incident["lat"] - b.lat) * 110_574
    east_m = (incident["lon"] - b.lon) * 111_320 * math.cos(math.radians(b.lat))
    assert math.hypot(north_m, east_m) < 150  # the bearings are rounded to 0.1°


def call(
    pack: CityPack, lat: float, lon: float, district: str = "520103", call_id: str = "119-9", **extra: object
) -> Reading:
    return Reading("fire.citizen_report", call_id, district, T0, {"lat": lat, "lon": lon, **extra})


@pytest.mark.parametrize(
    ("where", "code"),
    [
        ((31.23, 121.47), "outside_city"),  # Shanghai
        ((26.44, 106.66), "district_mismatch"),  # in Huaxi, said to be in Yunyan
    ],
)
def test_a_call_that_cannot_be_placed_is_dead_lettered_and_the_valid_ones_around_it_are_kept(
    pack: CityPack, where: tuple[float, float], code: str
) -> None:
    p = processor(pack)
    factory = MessageFactory(Settings())
    b = pack.buildings["B-01"]
    outcomes = [
        p.process(factory.reading(call(pack, b.lat, b.lon, call_id="119-1"))),
        p.process(factory.reading(call(pack, *where, call_id="119-2"))),
        p.process(factory.reading(call(pack, b.lat, b.lon, call_id="119-3"))),
    ]
    assert isinstance(outcomes[0], Accepted) and isinstance(outcomes[2], Accepted)
    assert isinstance(outcomes[1], DeadLetter) and outcomes[1].rejection.code == code
    (incident,) = incidents(p.drain().state).values()
    assert [c["id"] for c in incident["calls"]] == ["119-1", "119-3"]


def test_the_same_call_sent_twice_is_one_call_and_a_call_for_an_unknown_district_is_refused(pack: CityPack) -> None:
    p = processor(pack)
    factory = MessageFactory(Settings())
    b = pack.buildings["B-01"]
    assert isinstance(p.process(factory.reading(call(pack, b.lat, b.lon))), Accepted)
    again = p.process(factory.reading(call(pack, b.lat, b.lon)))
    assert isinstance(again, DeadLetter) and again.rejection.code == "duplicate"
    nowhere = p.process(factory.raw("city.fire", call(pack, b.lat, b.lon, "999999").encode(), b"999999"))
    assert isinstance(nowhere, DeadLetter) and nowhere.rejection.code == "unknown_district"


def test_after_a_restart_the_redelivered_records_are_not_taken_twice(pack: CityPack) -> None:
    """The consumer restores from the changelog and is sent again everything after the last commit, some of it
    already in the restored state: the incident comes out as if nothing had happened."""
    readings = fire_at_b01(pack)
    factory = MessageFactory(Settings())
    messages = factory.readings(readings)
    whole = processor(pack)
    for m in messages:
        whole.process(m)
    expected = incidents(whole.drain().state)

    first = processor(pack)
    changelog: list[tuple[bytes, bytes | None, int]] = []
    half = len(messages) * 2 // 3
    for m in messages[:half]:
        first.process(m)
    changelog += first.drain().changelog
    second = processor(pack)
    second.restore(Message("changelog", part, i, key, value) for i, (key, value, part) in enumerate(changelog))
    outcomes = [second.process(m) for m in messages[half // 2 :]]  # redelivered from well before the flush
    assert any(isinstance(o, Replayed) for o in outcomes)
    assert incidents(second.drain().state) == expected
