"""Building readiness: which faults weigh how much, a fault that clears clears, silence is unknown, and a
fault's age survives a restart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.fire.readiness import DEDUCTIONS, DeviceStatus, readiness
from consumers.processor import Processor, ProcessorConfig
from consumers.settings import Settings
from consumers.testing import HEALTHY_BUILDING_DEVICE, MessageFactory
from consumers.transport.base import Message

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
HEALTHY = HEALTHY_BUILDING_DEVICE


def ok(device_id: str, device_type: str) -> DeviceStatus:
    return DeviceStatus(device_id, device_type, None, None, True, False)


def building(*faults: tuple[str, str]) -> list[DeviceStatus]:
    devices = [
        ok(t, t) for t in ("fire.sprinkler", "fire.hydrant", "fire.alarm_panel", "fire.extinguisher", "fire.fire_door")
    ]
    at = {t: f for t, f in faults}
    return [DeviceStatus(d.id, d.type, at.get(d.type), 0.0 if d.type in at else None, True, False) for d in devices]


def test_a_hospital_without_sprinkler_pressure_is_worse_than_an_office_with_a_door_open() -> None:
    hospital = readiness("hospital", building(("fire.sprinkler", "below_minimum")))
    office = readiness("office", building(("fire.fire_door", "open")))
    assert (hospital.score, hospital.state) == (40.0, "not_ready")
    assert (office.score, office.state) == (94.0, "ready")
    assert hospital.points == (("fire.sprinkler", 60.0),)  # 40 points, weighed 1.5 for a hospital


FAULTS = sorted(DEDUCTIONS)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["hospital", "care_home", "school", "office", "mall", "warehouse"]),
    faults=st.lists(st.sampled_from(FAULTS), max_size=5, unique_by=lambda f: f[0]),
    more=st.sampled_from(FAULTS),
)
def test_another_fault_never_makes_a_building_more_ready(
    kind: str, faults: list[tuple[str, str]], more: tuple[str, str]
) -> None:
    """A fault on a device that had none, or a worse fault on one that had one."""
    had = dict(faults).get(more[0])
    assume(had is None or DEDUCTIONS[more] >= DEDUCTIONS[(more[0], had)])
    before = readiness(kind, building(*faults))
    after = readiness(kind, building(*[f for f in faults if f[0] != more[0]], more))
    assert after.score is not None and before.score is not None
    assert after.score <= before.score
    assert ["ready", "degraded", "not_ready"].index(after.state) >= ["ready", "degraded", "not_ready"].index(
        before.state
    )


def test_a_building_whose_sprinkler_is_silent_is_unknown_not_ready() -> None:
    devices = building()
    devices[0] = DeviceStatus("spr", "fire.sprinkler", None, None, True, True)
    r = readiness("school", devices)
    assert (r.score, r.state, r.silent) == (None, "unknown", ("spr",))


def processor(pack: CityPack, clock: ManualClock) -> Processor:
    p = Processor(pack, ProcessorConfig(partitions=6), clock)
    p.assign(range(6))
    return p


def report(pack: CityPack, building_id: str, at: datetime, **faulty: dict[str, float | str]) -> list[Reading]:
    """Every device of the building, healthy unless named (by device id suffix, e.g. ``SPR``)."""
    out = []
    for device_id in pack.buildings[building_id].device_ids:
        spec = pack.sensors[device_id]
        suffix = device_id.removeprefix(f"{building_id}-").replace("-", "_")
        out.append(Reading(spec.type, device_id, spec.district, at, faulty.get(suffix, HEALTHY[spec.type])))
    return out


def published(changes: list[tuple[bytes, bytes | None]], key: str) -> dict | None:
    docs = [json.loads(v) for k, v in changes if k == key.encode() and v is not None]
    return docs[-1] if docs else None


def test_a_fault_is_listed_with_its_start_and_clears_when_the_pressure_comes_back(pack: CityPack) -> None:
    clock = ManualClock(T0)
    p = processor(pack, clock)
    factory = MessageFactory(Settings())
    for m in factory.readings(report(pack, "B-02", T0)):
        p.process(m)
    first = published(p.drain().state, "building:B-02")
    assert first is not None and first["state"] == "ready" and first["faults"] == []
    for minutes in (5, 10, 15):
        clock.set(T0 + timedelta(minutes=minutes))
        for m in factory.readings(report(pack, "B-02", T0 + timedelta(minutes=minutes), SPR={"pressure_mpa": 0.01})):
            p.process(m)
    doc = published(p.drain().state, "building:B-02")
    assert doc is not None and doc["state"] == "not_ready"
    assert doc["faults"] == [
        {
            "device": "B-02-SPR",
            "type": "fire.sprinkler",
            "fault": "below_minimum",
            "since": "2026-07-01T08:05:00+00:00",
            "points": 60.0,
        }
    ]
    district = published(p.drain().state, "district:" + pack.buildings["B-02"].district)
    assert district is None  # nothing changed since: nothing published
    clock.set(T0 + timedelta(minutes=20))
    for m in factory.readings(report(pack, "B-02", T0 + timedelta(minutes=20))):
        p.process(m)
    changes = p.drain().state
    cleared = published(changes, "building:B-02")
    assert cleared is not None and cleared["state"] == "ready" and cleared["faults"] == []
    summary = published(changes, "district:520102")
    assert summary is not None and summary["readiness"]["counts"]["ready"] >= 1


def test_silent_devices_make_their_building_unknown(pack: CityPack) -> None:
    clock = ManualClock(T0)
    p = processor(pack, clock)
    factory = MessageFactory(Settings())
    for m in factory.readings(report(pack, "B-02", T0)):
        p.process(m)
    p.drain()
    clock.set(T0 + timedelta(hours=1))  # every device three intervals and more silent
    doc = published(p.drain().state, "building:B-02")
    assert doc is not None and (doc["state"], doc["readiness"]) == ("unknown", None)
    assert set(doc["silent"]) >= {"B-02-SPR", "B-02-HYD", "B-02-PANEL"}


def test_a_faults_age_survives_a_restart(pack: CityPack) -> None:
    clock = ManualClock(T0)
    p = processor(pack, clock)
    factory = MessageFactory(Settings())
    changelog = []
    for minutes in range(0, 120, 5):  # two hours with the hydrant low: longer than the windows' hour
        clock.set(T0 + timedelta(minutes=minutes))
        for m in factory.readings(report(pack, "B-02", T0 + timedelta(minutes=minutes), HYD={"pressure_mpa": 0.05})):
            p.process(m)
        changelog += p.drain().changelog
    restarted = processor(pack, clock)
    restarted.restore(Message("changelog", part, i, k, v) for i, (k, v, part) in enumerate(changelog))
    doc = published(restarted.drain().state, "building:B-02")
    assert doc is not None
    assert [(f["device"], f["since"]) for f in doc["faults"]] == [("B-02-HYD", "2026-07-01T08:00:00+00:00")]
