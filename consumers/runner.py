"""The consumer process: the I/O loop around ``Processor``.

Order of effects per flush, which is what makes delivery at-least-once and state exactly-once:
dead letters, changelog and state records are sent, the producer is flushed (all acknowledged), and only
then are the input offsets committed. A crash before the commit redelivers records whose effect is
already in the changelog; the restored states carry the offsets they reflect, so the processor skips them.

On assignment the runner rebuilds the state of its partitions from the compacted changelog (same
partition numbers as the inputs), publishing its progress as a ``consumer:<id>`` record in the state
topic, which the dashboard shows.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from consumers.citypack import CityPack
from consumers.clock import Clock
from consumers.processor import DeadLetter, Processor, ProcessorConfig
from consumers.settings import Settings
from consumers.transport import TopicPartition, Transport, topic_specs
from consumers.transport.base import Message, caught_up

log = logging.getLogger(__name__)

MAX_POLL_RECORDS = 2000
MAX_UNFLUSHED_RECORDS = 20_000
ABANDONED_STATUS_AFTER_S = 3600.0
"""A ``consumer:<id>`` status not updated for this long belongs to a member that died without closing (a
running member republishes its status every few seconds; the dashboard already hides it after five minutes)."""


def deadletter_headers(message: Message, reason_code: str, reason: str) -> list[tuple[str, bytes]]:
    """Where the record came from and why it was refused, beside its untouched original bytes."""
    return [
        ("dlq.reason.code", reason_code.encode()),
        ("dlq.reason", reason.encode()),
        ("dlq.topic", message.topic.encode()),
        ("dlq.partition", str(message.partition).encode()),
        ("dlq.offset", str(message.offset).encode()),
        ("dlq.timestamp_ms", str(message.timestamp_ms).encode()),
    ]


def abandoned_statuses(records: Iterable[Message], now_wall: float, older_than_s: float) -> list[bytes]:
    """Keys of ``consumer:<id>`` status records whose latest version is older than ``older_than_s``.

    Why: a consumer that is killed (OOM, kill -9, a lost host) cannot remove its own status, and its id has its
    process id in it, so every crash would leave one key in the compacted state topic for ever. An unreadable
    status is abandoned too: nothing can show it.
    """
    latest: dict[bytes, bytes | None] = {}
    for message in records:
        if message.key is not None and message.key.startswith(b"consumer:"):
            latest[message.key] = message.value
    abandoned = []
    for key, value in latest.items():
        if value is None:
            continue
        try:
            updated = datetime.fromisoformat(json.loads(value)["updated_at"]).timestamp()
        except (ValueError, KeyError, TypeError):
            updated = -math.inf
        if now_wall - updated > older_than_s:
            abandoned.append(key)
    return sorted(abandoned)


def default_client_id(settings: Settings) -> str:
    return f"{settings.client_id}-{socket.gethostname()}-{os.getpid()}"


class ConsumerRunner:
    """One member of the consumer group, with its processor and producer."""

    def __init__(
        self,
        settings: Settings,
        transport: Transport,
        pack: CityPack,
        clock: Clock,
        client_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.client_id = client_id or default_client_id(settings)
        self.processor = Processor(
            pack,
            ProcessorConfig(
                partitions=settings.partitions,
                future_tolerance_s=settings.future_tolerance_s,
                allowed_lateness_s=settings.allowed_lateness_s,
            ),
            clock,
        )
        self.phase = "starting"
        self.restore_done = 0
        self.restore_total = 0
        self._positions: dict[TopicPartition, int] = {}
        self._to_restore: set[int] = set()
        self._unflushed = 0
        self._last_flush = time.monotonic()
        self._producer = transport.producer()
        self._consumer: Any = None
        self.ready = threading.Event()

    # -- lifecycle ------------------------------------------------------------------------------------

    def open(self) -> None:
        """Create the topics if needed, clear abandoned status records, and join the group; partitions arrive
        with the first poll."""
        self.transport.ensure_topics(topic_specs(self.settings))
        self.remove_abandoned_statuses()
        self._consumer = self.transport.group_consumer(
            self.settings.topics.inputs, self.settings.consumer_group, self, self.client_id
        )
        log.info("consumer %s joined group %s", self.client_id, self.settings.consumer_group)

    def close(self) -> None:
        """Flush and commit, leave the group (handing partitions over), and remove our status record."""
        self.flush()
        self._consumer.close()
        self._producer.send(self.settings.topics.state, None, key=f"consumer:{self.client_id}".encode())
        self._producer.flush()
        self._producer.close()

    def remove_abandoned_statuses(self) -> int:
        """Tombstone the status records of members that died without closing (see ``abandoned_statuses``).

        Done once at start: a member that crashed is usually restarted, and the restart cleans up after it. Reads
        the state topic once; it is compacted, so that is about one record per sensor, district and consumer.
        """
        t = self.settings.topics
        reader = self.transport.reader([TopicPartition(t.state, p) for p in range(self.settings.partitions)])
        try:
            targets = reader.end_offsets()
            records: list[Message] = []
            while not caught_up(reader, targets):
                records += [m for m in reader.poll(0.5, 5000) if m.offset < targets[m.tp]]
        finally:
            reader.close()
        keys = abandoned_statuses(records, time.time(), ABANDONED_STATUS_AFTER_S)
        for key in keys:
            self._producer.send(t.state, None, key=key)
        if keys:
            self._producer.flush()
            log.info("removed %d abandoned consumer status records: %s", len(keys), b", ".join(keys).decode())
        return len(keys)

    def run(self, stop: threading.Event) -> None:
        self.open()
        try:
            while not stop.is_set():
                self.step(timeout_s=0.2)
        finally:
            self.close()

    def step(self, timeout_s: float) -> int:
        """One poll and, when due, one flush. Returns how many records were polled."""
        batch = self._consumer.poll(timeout_s, MAX_POLL_RECORDS)
        if self._to_restore:
            # Newly assigned partitions are rebuilt here, outside the rebalance callback (which runs on the
            # client's I/O loop and must return promptly), and before any of their records is processed.
            numbers = sorted(self._to_restore)
            self._to_restore.clear()
            self.restore(numbers)
            self.processor.assign(numbers)
            self.phase = "running"
            self.ready.set()
        for message in batch:
            outcome = self.processor.process(message)
            if isinstance(outcome, DeadLetter):
                code, reason = outcome.rejection.code, outcome.rejection.detail
                log.debug("dead-lettered %s/%d@%d: %s", message.topic, message.partition, message.offset, reason)
                self._producer.send(
                    self.settings.topics.deadletter,
                    message.value,
                    key=message.key,
                    partition=message.partition,
                    headers=deadletter_headers(message, code, reason),
                )
            self._positions[message.tp] = message.offset + 1
        self._unflushed += len(batch)
        due = time.monotonic() - self._last_flush >= self.settings.flush_interval_s
        if due or self._unflushed >= MAX_UNFLUSHED_RECORDS:
            self.flush()
        return len(batch)

    def flush(self, commit: bool = True) -> None:
        """Publish changed state, wait for acknowledgement, then commit the inputs it reflects."""
        changes = self.processor.drain()
        for key, value, partition in changes.changelog:
            self._producer.send(self.settings.topics.changelog, value, key=key, partition=partition)
        for key, value in changes.state:
            self._producer.send(self.settings.topics.state, value, key=key)
        self._publish_status(phase=self.phase)
        self._producer.flush()
        if commit and self._positions and self._consumer is not None:
            self._consumer.commit(dict(self._positions))
        self._unflushed = 0
        self._last_flush = time.monotonic()

    # -- rebalance ------------------------------------------------------------------------------------

    def on_revoked(self, partitions: set[TopicPartition]) -> None:
        """Publish what we have for the partitions before another member takes them over.

        Offsets are not committed here: the callback runs on the client's I/O loop, where a synchronous
        commit cannot complete. The new owner restores the changelog, whose offsets make the records it
        is sent again count as replays.
        """
        numbers = {tp.partition for tp in partitions}
        log.info("partitions revoked: %s", sorted(numbers))
        self.flush(commit=False)
        self.processor.revoke(numbers)
        self._to_restore -= numbers
        for tp in list(self._positions):
            if tp in partitions:
                del self._positions[tp]

    def on_assigned(self, partitions: set[TopicPartition]) -> None:
        """Note the new partitions; ``step`` restores them before processing their records."""
        numbers = {tp.partition for tp in partitions} - self.processor.owned
        log.info("partitions assigned: %s", sorted(numbers))
        self._to_restore |= numbers
        if numbers:
            self.phase = "restoring"

    def restore(self, partition_numbers: list[int]) -> None:
        """Read the changelog partitions to their current end, reporting progress as we go."""
        self.phase = "restoring"
        tps = [TopicPartition(self.settings.topics.changelog, p) for p in partition_numbers]
        if not tps:
            return
        reader = self.transport.reader(tps)
        try:
            targets = reader.end_offsets()
            self.restore_total = sum(targets.values())
            self.restore_done = 0
            last_report = 0.0
            self._publish_status(phase="restoring")
            while not caught_up(reader, targets):
                batch = [m for m in reader.poll(0.5, 5000) if m.offset < targets[m.tp]]
                self.processor.restore(batch)
                self.restore_done = sum(min(pos, targets[tp]) for tp, pos in reader.positions().items())
                if time.monotonic() - last_report > 0.5:
                    last_report = time.monotonic()
                    log.info("restoring: %d/%d changelog records", self.restore_done, self.restore_total)
                    self._publish_status(phase="restoring")
                    self._producer.flush()
            log.info("restored %d sensors from %d changelog records", len(self.processor.sensors), self.restore_total)
        finally:
            reader.close()

    # -- status ---------------------------------------------------------------------------------------

    def status(self, phase: str) -> dict[str, Any]:
        lag: Mapping[TopicPartition, int] = {}
        if self._consumer is not None and phase == "running":
            lag = self._consumer.lag()
        p = self.processor
        return {
            "kind": "consumer",
            "id": self.client_id,
            "phase": phase,
            "restore": {"done": self.restore_done, "total": self.restore_total},
            "partitions": sorted(p.owned),
            "consumed": dict(p.consumed),
            "deadlettered": dict(p.deadlettered),
            "deadlettered_total": sum(p.deadlettered.values()),
            "replayed": p.replayed,
            "sensors": len(p.sensors),
            "lag": {f"{tp.topic}/{tp.partition}": n for tp, n in sorted(lag.items())},
            "lag_total": sum(lag.values()) if lag else None,
            "watermark": None if p.watermark is None else datetime.fromtimestamp(p.watermark, UTC).isoformat(),
            "updated_at": datetime.now(UTC).isoformat(),
        }

    def _publish_status(self, phase: str) -> None:
        doc = self.status(phase)
        self._producer.send(
            self.settings.topics.state,
            json.dumps(doc, separators=(",", ":")).encode(),
            key=f"consumer:{self.client_id}".encode(),
        )
