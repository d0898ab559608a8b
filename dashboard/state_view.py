"""Read-only view of the ``city.state`` and ``city.alarms`` topics, tailed by a background thread in each web worker.

The only state the dashboard shares between users. Readers get an immutable snapshot; the tailing thread
swaps in a new snapshot per batch (copy-on-write), so a request never sees a half-applied batch and no
lock is held while a callback renders.

Besides the entities, a snapshot carries what an honest freshness display needs: the newest event time of any
sensor it holds; the wall time at which a consumer last published a sensor reading newer than the one before
(the record's Kafka timestamp, so that records read back at start-up count as old as they are, and a sensor
republished only because it went stale does not count at all); and since when the broker has not answered
this worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

import orjson

from consumers.runner import ABANDONED_STATUS_AFTER_S
from consumers.settings import Settings
from consumers.transport import TopicPartition, Transport
from consumers.transport.base import TransportError
from dashboard.sensor_trail import SensorTrails

log = logging.getLogger(__name__)

CONSUMER_LOST_MIN_S = 10.0
CONSUMER_LOST_INTERVALS = 5
"""A consumer publishes its status every flush; one that has not for five flush intervals (and at least ten
seconds) is *lost*: it may be dead, and the partitions it held may have no owner."""
BROKER_PROBE_INTERVAL_S = 3.0
"""How often the tailing thread asks the broker for end offsets: polling alone cannot tell a quiet topic from a
broker that has gone away."""


def consumer_lost_after_s(doc: Mapping[str, Any]) -> float:
    try:
        interval = float(doc.get("flush_interval_s") or 1.0)
    except (TypeError, ValueError):
        interval = 1.0
    return max(CONSUMER_LOST_MIN_S, CONSUMER_LOST_INTERVALS * interval)


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    """All entities of the state topic at one moment. ``version`` grows with every applied batch."""

    entities: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    version: int = 0
    updated_wall: float | None = None
    caught_up: bool = False
    # Wall time (Kafka record timestamp) of the newest sensor record that carried a newer reading: when
    # telemetry stops, this stops, even though consumers keep publishing their status every second.
    data_wall: float | None = None
    newest_data_t: float | None = None
    """Newest event time of any sensor in the view (epoch seconds): the time of the last good data."""
    broker_unreachable_since: float | None = None
    _kinds: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Every entity by kind and id, built at the first ``of_kind``: a map update asks for eight kinds, and each
    used to scan all of the entities (2,800 in Guiyang)."""

    def data_age(self, now_wall: float) -> float | None:
        """Seconds since the picture last received newer telemetry (None if none arrived since start-up)."""
        return None if self.data_wall is None else now_wall - self.data_wall

    def of_kind(self, kind: str) -> dict[str, Mapping[str, Any]]:
        """The entities ``<kind>:<id>`` as ``{id: document}`` (a copy: the caller may change it)."""
        kinds = self._kinds
        if not kinds and self.entities:
            index: dict[str, dict[str, Mapping[str, Any]]] = {}
            for key, doc in self.entities.items():
                name, sep, entity_id = key.partition(":")
                if sep:
                    index.setdefault(name, {})[entity_id] = doc
            kinds.update(index)  # one C call under the GIL: another thread sees all of it or none
        return dict(kinds.get(kind, {}))

    def district(self, code: str) -> Mapping[str, Any] | None:
        return self.entities.get(f"district:{code}")

    def sensor(self, sensor_id: str) -> Mapping[str, Any] | None:
        return self.entities.get(f"sensor:{sensor_id}")

    def consumers(self, now_wall: float) -> list[Mapping[str, Any]]:
        """Consumers heard from in the last hour, each with ``age_s`` and ``lost`` (silent for several flushes)."""
        out = []
        for doc in self.of_kind("consumer").values():
            try:
                age = now_wall - datetime.fromisoformat(doc["updated_at"]).timestamp()
            except (KeyError, TypeError, ValueError):
                continue
            if age <= ABANDONED_STATUS_AFTER_S:  # a lost member is listed until a starting one tombstones it
                out.append({**doc, "age_s": round(age, 1), "lost": age > consumer_lost_after_s(doc)})
        return sorted(out, key=lambda d: str(d.get("id")))

    def live_consumers(self, now_wall: float) -> list[Mapping[str, Any]]:
        """Consumers that reported within a few flush intervals."""
        return [c for c in self.consumers(now_wall) if not c["lost"]]


class StateView:
    """Tails the state and alarms topics from their beginning and keeps the latest record per key (the alarms'
    keys, ``alarm:<id>``, are their own)."""

    def __init__(self, settings: Settings, transport: Transport) -> None:
        self._settings = settings
        self._transport = transport
        self._snapshot = StateSnapshot()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.errors = 0
        self.trails = SensorTrails()
        """The last hour of readings of sensors that publish no history of their own (``dashboard.sensor_trail``)."""

    @property
    def snapshot(self) -> StateSnapshot:
        return self._snapshot

    @property
    def transport(self) -> Transport:
        return self._transport

    def start(self) -> StateView:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="state-view", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def rebind(self, transport: Transport) -> None:
        """Follow another transport (the exhibition's director starts a fresh one per run): stop tailing, forget the
        snapshot and trails, and tail the new transport from its beginning. Safe for readers (the tail thread is
        joined before anything is cleared; a snapshot already taken stays whole); calls must not overlap (the
        director makes them one at a time)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            if self._thread.is_alive():
                raise RuntimeError("the state view's tail thread did not stop: not rebinding")
        self._transport = transport
        self.trails = SensorTrails()
        self._snapshot = StateSnapshot(version=self._snapshot.version + 1)  # a new version: screens redraw
        self._stop = threading.Event()
        self._thread = None
        self.start()

    def wait_until(self, predicate: Any, timeout_s: float) -> bool:
        """Block until ``predicate(snapshot)`` holds (used at start-up and in tests)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate(self._snapshot):
                return True
            time.sleep(0.05)
        return bool(predicate(self._snapshot))

    def _run(self) -> None:
        topics = (self._settings.topics.state, self._settings.topics.alarms)
        while not self._stop.is_set():
            try:
                tps = [TopicPartition(t, p) for t in topics for p in range(self._transport.partition_count(t))]
                reader = self._transport.reader(tps)
                ends = reader.end_offsets()
                break
            except Exception as exc:  # noqa: BLE001 - no broker or no topic yet; retry, never kill the web worker
                log.info("waiting for %s: %s", " and ".join(topics), exc)
                if isinstance(exc, TransportError):
                    self._broker_reachable(False)
                self._stop.wait(1.0)
        else:
            return
        self._broker_reachable(True)
        entities: dict[str, Mapping[str, Any]] = {}
        next_probe = time.monotonic() + BROKER_PROBE_INTERVAL_S
        try:
            while not self._stop.is_set():
                try:
                    batch = reader.poll(0.5, 5000)
                    if time.monotonic() >= next_probe:
                        next_probe = time.monotonic() + BROKER_PROBE_INTERVAL_S
                        reader.end_offsets()
                        self._broker_reachable(True)
                    caught_up = self._snapshot.caught_up or all(
                        pos >= ends.get(tp, 0) for tp, pos in reader.positions().items()
                    )
                except TransportError as exc:
                    log.warning("state topic unreadable, broker unreachable? %s", exc)
                    self._broker_reachable(False)
                    self._stop.wait(1.0)
                    continue
                if batch:
                    self._broker_reachable(True)
                if not batch:
                    if caught_up and not self._snapshot.caught_up:
                        self._swap(entities, caught_up)
                    continue
                entities = dict(entities)
                newest: float | None = None
                published: float | None = None
                for message in batch:
                    key = (message.key or b"").decode(errors="replace")
                    if message.value is None:
                        entities.pop(key, None)
                        continue
                    try:
                        doc = orjson.loads(message.value)  # a new worker parses all of city.state
                    except ValueError:
                        doc = None
                    if isinstance(doc, dict):
                        before = entities.get(key)
                        entities[key] = MappingProxyType(doc)
                        if key.startswith("sensor:"):
                            self.trails.observe(key[7:], doc)
                            t = _event_epoch(doc.get("event_time"))
                            if t is not None and (newest is None or t > newest):
                                newest = t
                            was = None if before is None else _event_epoch(before.get("event_time"))
                            if t is not None and (was is None or t > was) and message.timestamp_ms > 0:
                                stamp = message.timestamp_ms / 1000
                                published = stamp if published is None else max(published, stamp)
                    else:
                        self.errors += 1
                        log.warning("unreadable state record %s", key[:100])
                self._swap(entities, caught_up, newest, published)
        finally:
            reader.close()

    def _broker_reachable(self, reachable: bool) -> None:
        since = self._snapshot.broker_unreachable_since
        if reachable and since is not None:
            log.info("broker reachable again")
            self._snapshot = replace(self._snapshot, broker_unreachable_since=None, version=self._snapshot.version + 1)
        elif not reachable and since is None:
            self._snapshot = replace(
                self._snapshot, broker_unreachable_since=time.time(), version=self._snapshot.version + 1
            )

    def _swap(
        self,
        entities: dict[str, Mapping[str, Any]],
        caught_up: bool,
        batch_newest: float | None = None,
        batch_published: float | None = None,
    ) -> None:
        previous = self._snapshot
        now = time.time()
        newest = previous.newest_data_t
        if batch_newest is not None and (newest is None or batch_newest > newest):
            newest = batch_newest
        data_wall = previous.data_wall
        if batch_published is not None and (data_wall is None or batch_published > data_wall):
            data_wall = batch_published
        self._snapshot = replace(
            previous,
            entities=MappingProxyType(entities),
            version=previous.version + 1,
            updated_wall=now,
            caught_up=caught_up,
            newest_data_t=newest,
            data_wall=data_wall,
        )


def _event_epoch(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None
