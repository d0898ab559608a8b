"""Alarms in the processor: raised from what it publishes, acted on through ``city.actions`` records, and the same
after a restart from the changelog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from consumers.alarms.actions import Action
from consumers.alarms.lifecycle import CLEAR_HOLD_S
from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.processor import Accepted, Changes, DeadLetter, Processor, ProcessorConfig, Replayed
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message
from tests.consumers.fire.test_book import fire_at_b01

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
SETTINGS = Settings()
ACTIONS = SETTINGS.topics.actions


def processor(pack: CityPack, clock: ManualClock) -> Processor:
    p = Processor(pack, ProcessorConfig(partitions=6, actions_topic=ACTIONS), clock)
    p.assign(range(6))
    return p


def stage(pack: CityPack, factory: MessageFactory, minutes: float, metres: float) -> Message:
    g = pack.sensors["NM-01"]
    t = T0 + timedelta(minutes=minutes)
    return factory.reading(Reading(g.type, g.id, g.district, t, {"stage_m": metres, "rain_mm_h": 0.0}))


def act(
    factory: MessageFactory, kind: str, alarm: str, n: int, role: str = "operator", key: str | None = None
) -> Message:
    shelve_s = 3600.0 if kind == "shelve" else 0.0
    action = Action(kind, alarm, f"act-{n}", "li.wei", role, "127.0.0.1 web", T0.isoformat(), "crew sent", shelve_s)
    return factory.raw(ACTIONS, action.encode(), (key or alarm.rpartition("-")[0]).encode())


def alarms(changes: Changes) -> dict[str, dict | None]:
    return {k.decode(): None if v is None else orjson.loads(v) for k, v in changes.alarms}


def test_a_flood_raises_an_alarm_an_operator_acknowledges_and_a_restart_keeps_both(pack: CityPack) -> None:
    clock = ManualClock(T0)
    p = processor(pack, clock)
    factory = MessageFactory(SETTINGS)
    log: list[Message] = []  # the changelog as the broker keeps it

    def flush() -> Changes:
        changes = p.drain()
        log.extend(Message("city.changelog", part, len(log), k, v) for k, v, part in changes.changelog)
        return changes

    p.process(stage(pack, factory, 0, 1.2))
    assert alarms(flush()) == {}
    clock.set(T0 + timedelta(minutes=5))
    p.process(stage(pack, factory, 5, 3.5))
    ((key, alarm),) = alarms(flush()).items()
    assert key == "alarm:520111-1" and alarm["state"] == "active" and alarm["severity"] == "warning"
    assert alarm["entity"] == "sensor:NM-01" and alarm["domain"] == "river" and "flood warning" in alarm["reason"]

    ack = act(factory, "ack", "520111-1", 1)
    assert p.process(ack) == Accepted("act-1")
    published = alarms(flush())["alarm:520111-1"]
    assert published is not None and published["ack"]["by"] == "li.wei" and published["ack"]["comment"] == "crew sent"

    # The same record again (redelivered after a crash before the commit) is recognised; the same action sent
    # again (a second click) is refused; a viewer's and a mis-keyed action are refused with their reasons.
    assert p.process(ack) == Replayed("act-1")
    again = p.process(act(factory, "ack", "520111-1", 1))
    assert isinstance(again, DeadLetter) and again.rejection.detail == "action act-1 was already applied"
    viewer = p.process(act(factory, "ack", "520111-1", 2, role="viewer"))
    assert isinstance(viewer, DeadLetter) and viewer.rejection.code == "not_allowed"
    mis_keyed = p.process(act(factory, "comment", "520111-1", 3, key="520102"))
    assert isinstance(mis_keyed, DeadLetter) and mis_keyed.rejection.code == "key_mismatch"
    unknown = p.process(act(factory, "ack", "520111-77", 4))
    assert isinstance(unknown, DeadLetter) and unknown.rejection.code == "refused"
    assert "520111-77 is not known" in unknown.rejection.detail
    flush()

    restarted = processor(pack, clock)
    restarted.revoke(range(6))
    restarted.restore(log)
    restarted.assign(range(6))
    republished = alarms(restarted.drain())["alarm:520111-1"]
    assert (
        republished
        == alarms(Changes([], [], [(b"alarm:520111-1", orjson.dumps(p.alarms.alarms()[0]))]))["alarm:520111-1"]
    )
    assert republished is not None and republished["ack"]["by"] == "li.wei"
    assert restarted.process(ack) == Replayed("act-1")

    # Back under the warning level, and out of the river model's own hold: cleared once it has stayed there for
    # the alarm's hold, and shelving it is refused then.
    minutes = 10
    while restarted.sensors["NM-01"].assessment.level != "ok":
        minutes += 15
        assert minutes < 48 * 60, restarted.sensors["NM-01"].assessment
        clock.set(T0 + timedelta(minutes=minutes))
        restarted.process(stage(pack, factory, minutes, 1.2))
        assert alarms(restarted.drain()).get("alarm:520111-1", {"state": "active"})["state"] == "active"
    clock.set(T0 + timedelta(minutes=minutes, seconds=CLEAR_HOLD_S))
    cleared = alarms(restarted.drain())["alarm:520111-1"]
    assert cleared is not None and cleared["state"] == "cleared"
    late = restarted.process(act(factory, "shelve", "520111-1", 5))
    assert isinstance(late, DeadLetter) and "cleared at" in late.rejection.detail


def test_one_fire_is_one_alarm_to_answer_its_cameras_and_detectors_are_grouped_under_the_incident(
    pack: CityPack,
) -> None:
    clock = ManualClock(T0)
    p = processor(pack, clock)
    factory = MessageFactory(SETTINGS)
    published: dict[str, dict] = {}
    for reading in fire_at_b01(pack, T0):
        clock.set(reading.event_time)
        assert isinstance(p.process(factory.reading(reading)), Accepted)
        published.update({k: v for k, v in alarms(p.drain()).items() if v is not None})
    by_entity = {a["entity"]: a for a in published.values() if a["state"] == "active"}
    (incident,) = [e for e in by_entity if e.startswith("incident:")]
    assert by_entity[incident]["severity"] == "alarm" and by_entity[incident]["group"] is None
    sources = {e: a["group"] for e, a in by_entity.items() if e.startswith("sensor:")}
    assert set(sources) >= {"sensor:CAM-01", "sensor:CAM-11", "sensor:B-01-SMK-1", "sensor:B-01-HEAT-1"}
    assert set(sources.values()) == {incident}, sources
    camera = by_entity["sensor:CAM-01"]
    whats = [e["what"] for e in camera["trail"]]
    assert whats[0] == "raised" and ("grouped" in whats or camera["trail"][0].get("group") == incident), whats
