"""Publishes simulated readings in (scaled) real time: the simulator process and the embedded thread.

With ``CITYOPS_CLOCK=simulated`` each batch of readings is preceded by a clock tick on every input partition,
so that consumers know the simulated "now" without trusting any sensor's clock (``consumers.contract.ClockTick``).
A simulator that starts on topics an earlier run left ahead of the wall clock carries on from their newest event
time (``resume_point``), so a second run does not send readings the consumers must refuse as late.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from consumers.clock import Clock
from consumers.contract import ClockTick, parse_event_time, topic_suffix
from consumers.settings import Settings
from consumers.transport import Producer, TopicPartition, Transport, topic_specs
from consumers.transport.base import caught_up
from simulator.model import CitySimulator

TAIL_RECORDS = 64
"""How far back from each input partition's end ``resume_point`` looks for the newest event time."""


def newest_event_time(settings: Settings, transport: Transport) -> datetime | None:
    """The newest event time in the last records of every input partition (None on empty topics)."""
    transport.ensure_topics(topic_specs(settings))
    tps = [TopicPartition(topic, p) for topic in settings.topics.inputs for p in range(settings.partitions)]
    reader = transport.reader(tps)
    newest: datetime | None = None
    try:
        ends = reader.end_offsets()
        reader.seek({tp: max(0, end - TAIL_RECORDS) for tp, end in ends.items()})
        while not caught_up(reader, ends):
            batch = reader.poll(0.5, 5000)
            for message in batch:
                try:
                    t = parse_event_time(json.loads(message.value or b"null").get("event_time"))
                except (ValueError, AttributeError):
                    continue  # not a reading of ours: the consumers dead-letter it, we only look for a time
                if isinstance(t, datetime) and (newest is None or t > newest):
                    newest = t
            if not batch:
                break
    finally:
        reader.close()
    return newest


def resume_point(settings: Settings, transport: Transport, wall_now: datetime) -> datetime:
    """Where simulated time starts: now, or just after the newest event time already in the topics."""
    newest = newest_event_time(settings, transport)
    if newest is None or newest <= wall_now:
        return wall_now
    return newest.astimezone(UTC) + timedelta(seconds=1)


log = logging.getLogger(__name__)


class SimulatorRunner:
    """Emits every reading whose event time has come on ``clock`` (a ``ScaledClock`` at demo speed)."""

    def __init__(self, settings: Settings, transport: Transport, simulator: CitySimulator, clock: Clock) -> None:
        self.settings = settings
        self.transport = transport
        self.simulator = simulator
        self.clock = clock
        self.sent = 0

    def publish_until(self, producer: Producer, end: datetime) -> int:
        """Send every reading before ``end`` keyed by district; returns how many, all acknowledged.

        With the simulated clock, a tick at ``end`` goes first to every input partition."""
        if self.settings.clock == "simulated":
            tick = ClockTick(end, self.settings.sim_speed).encode()
            for topic in self.settings.topics.inputs:
                for partition in range(self.settings.partitions):
                    producer.send(topic, tick, key=None, partition=partition)
        n = 0
        for reading in self.simulator.until(end):
            topic = self.settings.topics.for_domain(topic_suffix(reading.type))
            producer.send(topic, reading.encode(), key=reading.district.encode())
            n += 1
        producer.flush()
        self.sent += n
        return n

    def run(self, stop: threading.Event, tick_s: float = 0.2) -> None:
        self.transport.ensure_topics(topic_specs(self.settings))
        producer = self.transport.producer()
        log.info("simulator started at %s, speed %gx", self.simulator.start.isoformat(), self.settings.sim_speed)
        try:
            while not stop.is_set():
                started = time.monotonic()
                self.publish_until(producer, self.clock.now())
                stop.wait(max(0.0, tick_s - (time.monotonic() - started)))
        finally:
            producer.close()
