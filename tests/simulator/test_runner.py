"""The simulator's publishing loop: clock records ahead of readings, and carrying on where earlier runs left
the topics, so that a second run is not refused as late (issue 7)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import ClockTick, Reading, decode
from consumers.settings import Settings, SettingsError
from consumers.transport import TopicPartition, topic_specs
from consumers.transport.memory import MemoryTransport
from simulator.__main__ import simulate, simulator_for
from simulator.model import CitySimulator
from simulator.runner import SimulatorRunner, resume_point

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def everything(transport: MemoryTransport, settings: Settings, topic: str) -> list:
    reader = transport.reader([TopicPartition(topic, p) for p in range(settings.partitions)])
    return reader.poll(0.0, 1_000_000)


def test_each_batch_starts_with_a_clock_record_on_every_input_partition(settings: Settings, pack: CityPack) -> None:
    transport = MemoryTransport()
    transport.ensure_topics(topic_specs(settings))
    runner = SimulatorRunner(settings, transport, CitySimulator(pack, 7, T0), ManualClock(T0))
    sent = runner.publish_until(transport.producer(), T0 + timedelta(minutes=10))
    assert sent > 0
    for topic in settings.topics.inputs:
        records = everything(transport, settings, topic)
        per_partition: dict[int, list] = {}
        for m in records:
            per_partition.setdefault(m.partition, []).append(decode(m.value))
        assert sorted(per_partition) == list(range(settings.partitions))
        for decoded in per_partition.values():
            assert decoded[0] == ClockTick(T0 + timedelta(minutes=10), settings.sim_speed)
            assert all(isinstance(d, Reading) and d.event_time < T0 + timedelta(minutes=10) for d in decoded[1:])


def test_on_the_wall_clock_no_clock_records_are_sent(settings: Settings, pack: CityPack) -> None:
    wall = replace(settings, clock="wall", sim_speed=1.0)
    transport = MemoryTransport()
    transport.ensure_topics(topic_specs(wall))
    SimulatorRunner(wall, transport, CitySimulator(pack, 7, T0), ManualClock(T0)).publish_until(
        transport.producer(), T0 + timedelta(minutes=10)
    )
    decoded = [decode(m.value) for t in wall.topics.inputs for m in everything(transport, wall, t)]
    assert decoded and all(isinstance(d, Reading) for d in decoded)


def test_a_second_run_carries_on_from_the_newest_event_time_in_the_topics(settings: Settings, pack: CityPack) -> None:
    transport = MemoryTransport()
    transport.ensure_topics(topic_specs(settings))
    wall_now = datetime.now(UTC).replace(microsecond=0)
    assert resume_point(settings, transport, wall_now) == wall_now  # empty topics: start now
    ahead = wall_now + timedelta(hours=5)  # a 60x run of five minutes left the topics five hours ahead
    SimulatorRunner(settings, transport, CitySimulator(pack, 7, wall_now), ManualClock(wall_now)).publish_until(
        transport.producer(), ahead
    )
    start = resume_point(settings, transport, wall_now)
    assert ahead - timedelta(minutes=10) < start <= ahead + timedelta(seconds=1)


def test_the_simulator_refuses_a_fast_clock_against_consumers_on_the_wall_clock(
    settings: Settings, pack: CityPack
) -> None:
    wall = replace(settings, clock="wall", sim_speed=60.0, kafka_bootstrap_servers="127.0.0.1:1")
    with pytest.raises(SettingsError, match="CITYOPS_CLOCK=simulated"):
        simulate(wall, pack, threading.Event())


def test_the_simulator_process_starts_a_scenario_with_history_warm_on_fresh_topics_only(pack: CityPack) -> None:
    """``python -m simulator`` with the drought: four days of gauge readings before its start on empty topics (so its
    warnings can come 72 h ahead, as in the embedded show); none when it resumes on topics that have them."""
    start = datetime(2026, 7, 1, 6, tzinfo=UTC)
    settings = replace(Settings(), sim_scenario="drought")
    fresh = simulator_for(settings, pack, start, fresh=True)
    first = next(iter(fresh.until(start + timedelta(hours=1))))
    assert first.type == "river.gauge" and first.event_time <= start - timedelta(hours=95)
    resumed = simulator_for(settings, pack, start, fresh=False)
    assert min(r.event_time for r in resumed.until(start + timedelta(minutes=30))) >= start
