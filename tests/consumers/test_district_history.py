"""A district's risk over the day: the worst of each five minutes, bounded to 24 hours, kept through a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.district_history import KEEP_S, MAX_STEPS, STEP_S, RiskHistory
from consumers.processor import Processor, ProcessorConfig
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message

T0 = 1_782_892_800.0  # 2026-07-01T08:00:00Z, a step's start


def test_each_step_keeps_its_worst_score_and_is_written_once_when_it_is_over() -> None:
    h = RiskHistory()
    for dt, risk in ((0, 10.0), (60, 70.0), (120, 20.0)):
        h.observe("520102", T0 + dt, risk, None)
    assert h.drain({"520102": 0}) == ([], [])  # the step is still open
    h.observe("520102", T0 + STEP_S, 5.0, 1.0)
    ((_, value, partition),) = h.drain({"520102": 4})[0]
    doc = orjson.loads(value or b"{}")
    assert partition == 4 and doc["risk"] == [70.0] and doc["t"] == ["2026-07-01T08:00:00+00:00"]
    assert h.drain({"520102": 4}) == ([], [])  # nothing new until the next step is over


def test_the_history_is_a_day_long_and_no_longer() -> None:
    h = RiskHistory()
    for i in range(MAX_STEPS + 50):
        h.observe("520102", T0 + i * STEP_S, float(i % 100), None)
    doc = h.doc("520102")
    assert len(doc["t"]) <= MAX_STEPS and doc["e"][-1] - doc["e"][0] <= KEEP_S


def test_a_restarted_consumer_keeps_the_days_history(pack: CityPack) -> None:
    start = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    clock = ManualClock(start)
    p = Processor(pack, ProcessorConfig(partitions=6), clock)
    p.assign(range(6))
    factory = MessageFactory(Settings())
    gauge = pack.sensors["NM-01"]
    log: list[Message] = []
    for minutes, stage in ((0, 1.2), (6, 3.5), (12, 1.2)):
        at = start + timedelta(minutes=minutes)
        clock.set(at)
        reading = Reading(gauge.type, gauge.id, gauge.district, at, {"stage_m": stage, "rain_mm_h": 0.0})
        p.process(factory.reading(reading))
        changes = p.drain()
        log += [Message("c", part, len(log), k, v) for k, v, part in changes.changelog]
    published = p.risk_history.doc(gauge.district)
    assert len(published["risk"]) == 2 and published["risk"][1] >= 60  # 08:00 calm, 08:05 in flood warning
    again = Processor(pack, ProcessorConfig(partitions=6), clock)
    again.restore(log)
    assert again.risk_history.doc(gauge.district) == published
