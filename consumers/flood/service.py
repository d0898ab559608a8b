"""The flood service: reads every river gauge's view from ``city.state``, publishes the flood picture back to it.

Why a service of its own and not a domain inside the consumer group: a flood's depths need every gauge of a river
at once (the wave from upstream, the overflow interpolated between gauges), and the consumers are partitioned by
district, so no one of them sees a whole river. ``city.state`` does (every web worker reads all of it), so the
service reads it the same way, outside any group, from the beginning: a restart rebuilds everything from Kafka
(the gauges' latest views, and its own last picture for the closure times and the missions' changes). Several
copies may run: each computes the same picture from the same views, and the compacted topic keeps the last.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from consumers.citypack import CityPack
from consumers.flood.network import RoadNetwork
from consumers.flood.picture import PICTURE_KEY, FloodModel
from consumers.settings import Settings
from consumers.transport.base import TopicPartition, Transport, TransportError, caught_up

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 1.0
"""At most one picture a second of wall time: at 600× a gauge reports every 0.1 s, and one picture costs tens of
milliseconds of routing and evacuation."""


class FloodService:
    """Tails ``city.state`` for river gauges; computes and publishes ``flood:picture`` when one of them changed."""

    def __init__(self, settings: Settings, transport: Transport, pack: CityPack, network: RoadNetwork) -> None:
        self.settings = settings
        self.transport = transport
        self.model = FloodModel(pack, network)
        self.gauge_ids = frozenset(s.id for s in pack.sensors_of_type("river.gauge"))
        self.gauges: dict[str, Mapping[str, Any]] = {}
        self.published = 0
        self.last_picture: dict[str, Any] | None = None

    def observe(self, key: str, value: bytes | None) -> bool:
        """Take one ``city.state`` record; True when it changed a gauge."""
        if key == PICTURE_KEY and value is not None and self.published == 0:
            try:
                earlier = orjson.loads(value)
            except ValueError:
                earlier = None
            if isinstance(earlier, dict):
                self.model.restore(earlier)
            else:
                log.warning("unreadable %s on the state topic: starting without its closure times", PICTURE_KEY)
            return False
        if not key.startswith("sensor:") or key[7:] not in self.gauge_ids:
            return False
        if value is None:
            return self.gauges.pop(key[7:], None) is not None
        try:
            doc = orjson.loads(value)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            log.warning("unreadable gauge view %s on the state topic: left out of the flood picture", key[:100])
            return False
        before = self.gauges.get(key[7:])
        self.gauges[key[7:]] = doc
        return before is None or before.get("event_time") != doc.get("event_time")

    def picture(self) -> dict[str, Any] | None:
        """The picture for the gauges seen so far, at the newest gauge's event time; None before any gauge."""
        times = [
            datetime.fromisoformat(doc["event_time"]).timestamp()
            for doc in self.gauges.values()
            if isinstance(doc.get("event_time"), str)
        ]
        if not times:
            return None
        return self.model.update(self.gauges, max(times))

    def run(self, stop: threading.Event) -> None:
        topic = self.settings.topics.state
        while not stop.is_set():
            try:
                reader = self.transport.reader(
                    [TopicPartition(topic, p) for p in range(self.transport.partition_count(topic))]
                )
                ends = reader.end_offsets()
                break
            except TransportError as exc:
                log.info("flood service waiting for %s: %s", topic, exc)
                stop.wait(1.0)
        else:
            return
        producer = self.transport.producer()
        ready = False
        dirty = False
        last = 0.0
        try:
            while not stop.is_set():
                try:
                    batch = reader.poll(0.5, 5000)
                except TransportError as exc:
                    log.warning("flood service: state topic unreadable: %s", exc)
                    stop.wait(1.0)
                    continue
                for message in batch:
                    key = (message.key or b"").decode(errors="replace")
                    dirty = self.observe(key, message.value) or dirty
                ready = ready or caught_up(reader, ends)
                if ready and dirty and time.monotonic() - last >= MIN_INTERVAL_S:
                    last = time.monotonic()
                    picture = self.picture()
                    dirty = False
                    if picture is None:
                        continue
                    producer.send(topic, orjson.dumps(picture), key=PICTURE_KEY.encode())
                    producer.flush()
                    self.published += 1
                    self.last_picture = picture
        finally:
            reader.close()
            producer.close()
