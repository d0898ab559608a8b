"""Read-only view of the ``city.state`` topic, tailed by a background thread in each web worker.

The only state the dashboard shares between users. Readers get an immutable snapshot; the tailing thread
swaps in a new snapshot per batch (copy-on-write), so a request never sees a half-applied batch and no
lock is held while a callback renders.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from consumers.settings import Settings
from consumers.transport import TopicPartition, Transport

log = logging.getLogger(__name__)

CONSUMER_SILENT_AFTER_S = 300.0


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    """All entities of the state topic at one moment. ``version`` grows with every applied batch."""

    entities: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    version: int = 0
    updated_wall: float | None = None
    caught_up: bool = False
    # Wall time at which the newest event time last moved forward: when telemetry stops, this stops,
    # even though consumers keep publishing their status every second.
    data_wall: float | None = None

    def data_age(self, now_wall: float) -> float | None:
        """Seconds since the picture last received newer telemetry (None before any)."""
        return None if self.data_wall is None else now_wall - self.data_wall

    def of_kind(self, kind: str) -> dict[str, Mapping[str, Any]]:
        prefix = kind + ":"
        return {k.removeprefix(prefix): v for k, v in self.entities.items() if k.startswith(prefix)}

    def district(self, code: str) -> Mapping[str, Any] | None:
        return self.entities.get(f"district:{code}")

    def sensor(self, sensor_id: str) -> Mapping[str, Any] | None:
        return self.entities.get(f"sensor:{sensor_id}")

    def live_consumers(self, now_wall: float) -> list[Mapping[str, Any]]:
        """Consumers that reported recently; a crashed one drops out after five minutes."""
        out = []
        for doc in self.of_kind("consumer").values():
            try:
                age = now_wall - datetime.fromisoformat(doc["updated_at"]).timestamp()
            except (KeyError, TypeError, ValueError):
                continue
            if age <= CONSUMER_SILENT_AFTER_S:
                out.append({**doc, "age_s": round(age, 1)})
        return sorted(out, key=lambda d: str(d.get("id")))

    def last_event_time(self) -> str | None:
        """The newest event time any consumer has seen (ISO 8601), the 'last update' of the picture."""
        marks = [str(d["watermark"]) for d in self.of_kind("consumer").values() if d.get("watermark")]
        return max(marks, key=datetime.fromisoformat, default=None)


class StateView:
    """Tails the state topic from its beginning and keeps the latest record per key."""

    def __init__(self, settings: Settings, transport: Transport) -> None:
        self._settings = settings
        self._transport = transport
        self._snapshot = StateSnapshot()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.errors = 0

    @property
    def snapshot(self) -> StateSnapshot:
        return self._snapshot

    def start(self) -> StateView:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="state-view", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait_until(self, predicate: Any, timeout_s: float) -> bool:
        """Block until ``predicate(snapshot)`` holds (used at start-up and in tests)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate(self._snapshot):
                return True
            time.sleep(0.05)
        return bool(predicate(self._snapshot))

    def _run(self) -> None:
        topic = self._settings.topics.state
        while not self._stop.is_set():
            try:
                partitions = self._transport.partition_count(topic)
                reader = self._transport.reader([TopicPartition(topic, p) for p in range(partitions)])
                break
            except Exception:  # noqa: BLE001 - the topic may not exist yet; retry, never kill the web worker
                log.info("waiting for %s", topic)
                self._stop.wait(1.0)
        else:
            return
        ends = reader.end_offsets()
        entities: dict[str, Mapping[str, Any]] = {}
        try:
            while not self._stop.is_set():
                batch = reader.poll(0.5, 5000)
                caught_up = self._snapshot.caught_up or all(
                    pos >= ends.get(tp, 0) for tp, pos in reader.positions().items()
                )
                if not batch:
                    if caught_up and not self._snapshot.caught_up:
                        self._swap(entities, caught_up)
                    continue
                entities = dict(entities)
                for message in batch:
                    key = (message.key or b"").decode(errors="replace")
                    if message.value is None:
                        entities.pop(key, None)
                        continue
                    try:
                        entities[key] = MappingProxyType(json.loads(message.value))
                    except (UnicodeDecodeError, json.JSONDecodeError):
                        self.errors += 1
                        log.warning("unreadable state record %s", key)
                self._swap(entities, caught_up)
        finally:
            reader.close()

    def _swap(self, entities: dict[str, Mapping[str, Any]], caught_up: bool) -> None:
        previous = self._snapshot
        snapshot = StateSnapshot(MappingProxyType(entities), previous.version + 1, time.time(), caught_up)
        newest, before = snapshot.last_event_time(), previous.last_event_time()
        advanced = newest is not None and (
            before is None or datetime.fromisoformat(newest) > datetime.fromisoformat(before)
        )
        self._snapshot = replace(snapshot, data_wall=snapshot.updated_wall if advanced else previous.data_wall)
