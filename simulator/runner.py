"""Publishes simulated readings in (scaled) real time: the simulator process and the embedded thread."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from consumers.clock import Clock
from consumers.contract import topic_suffix
from consumers.settings import Settings
from consumers.transport import Producer, Transport, topic_specs
from simulator.model import CitySimulator

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
        """Send every reading before ``end`` keyed by district; returns how many, all acknowledged."""
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
