"""The consumer process: the I/O loop around ``Processor``.

Order of effects per flush, which is what makes delivery at-least-once and state exactly-once:
dead letters, changelog and state records are sent, the producer is flushed (all acknowledged), and only
then are the input offsets committed. A crash before the commit redelivers records whose effect is
already in the changelog; the restored states carry the offsets they reflect, so the processor skips them.

On assignment the runner rebuilds the state of its partitions from the compacted changelog (same
partition numbers as the inputs), publishing its progress as a ``consumer:<id>`` record in the state
topic, which the dashboard shows. A partition that comes back to the same member in a rebalance keeps its
state: only partitions new to this member are rebuilt.

When the broker is unreachable the runner neither exits nor takes more input: it keeps its state and the
records it could not deliver, retries with exponential backoff, and carries on where it was once the broker
answers. Nothing is committed in between, so even a state that is lost (a rebalance while away) is rebuilt
from the changelog and the uncommitted input.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from consumers.citypack import CityPack
from consumers.clock import Clock
from consumers.gc_policy import FlushCollector
from consumers.heap_trim import HeapTrimmer
from consumers.processor import DeadLetter, Processor, ProcessorConfig
from consumers.settings import Settings
from consumers.transport import TopicPartition, Transport, topic_specs
from consumers.transport.base import Headers, Message, Producer, TransportError, caught_up

log = logging.getLogger(__name__)

MAX_POLL_RECORDS = 2000
MAX_UNFLUSHED_RECORDS = 20_000
CAUGHT_UP_FLUSH_GAP_S = 0.2
"""A poll that comes back short means the consumer has caught up with its input: what it holds is then published
after at most this long, not at the end of the flush interval (which only batches the work of a backlog). With a
1-second interval a reading waited half a second on average, a second at worst, before anyone could see it."""
ABANDONED_STATUS_AFTER_S = 3600.0
"""A ``consumer:<id>`` status not updated for this long belongs to a member that died without closing (a
running member republishes its status every flush; the dashboard shows it as lost after a few intervals)."""
MAX_DEADLETTER_VALUE_BYTES = 256 * 1024
MAX_DEADLETTER_KEY_BYTES = 1024
"""A dead letter keeps the original bytes up to these sizes, and says so when it keeps fewer: far below the
broker's default 1 MiB message limit, so a dead letter of any input always fits (a 1,048,400-byte value, or a
600,000-character sensor id, crash-looped the consumer when the copy with headers went over the limit)."""
RETRY_INITIAL_S = 0.5
RETRY_MAX_S = 5.0
RESTORE_STALL_S = 30.0
"""A restore that reads nothing for this long is given up (the broker went away) and retried from the start."""


def _header_text(text: str, limit: int = 1000) -> bytes:
    """Header bytes that always encode (a lone surrogate becomes its escape) and stay small."""
    return text.encode("utf-8", "backslashreplace")[:limit]


def deadletter_headers(message: Message, reason_code: str, reason: str) -> list[tuple[str, bytes]]:
    """Where the record came from and why it was refused, beside its original bytes."""
    return [
        ("dlq.reason.code", _header_text(reason_code, 100)),
        ("dlq.reason", _header_text(reason)),
        ("dlq.topic", _header_text(message.topic, 300)),
        ("dlq.partition", str(message.partition).encode()),
        ("dlq.offset", str(message.offset).encode()),
        ("dlq.timestamp_ms", str(message.timestamp_ms).encode()),
    ]


def deadletter_record(message: Message, reason_code: str, reason: str) -> tuple[bytes | None, bytes | None, Headers]:
    """Value, key and headers of the dead letter for ``message``: the original bytes, cut where they would not fit
    (a ``dlq.value_truncated_from`` / ``dlq.key_truncated_from`` header then gives the original length)."""
    headers = deadletter_headers(message, reason_code, reason)
    value, key = message.value, message.key
    if value is not None and len(value) > MAX_DEADLETTER_VALUE_BYTES:
        headers.append(("dlq.value_truncated_from", str(len(value)).encode()))
        value = value[:MAX_DEADLETTER_VALUE_BYTES]
    if key is not None and len(key) > MAX_DEADLETTER_KEY_BYTES:
        headers.append(("dlq.key_truncated_from", str(len(key)).encode()))
        key = key[:MAX_DEADLETTER_KEY_BYTES]
    return value, key, headers


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


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A record to publish, kept until the broker has acknowledged it."""

    topic: str
    value: bytes | None
    key: bytes | None
    partition: int | None = None
    headers: Headers = ()
    best_effort: bool = False


class ConsumerRunner:
    """One member of the consumer group, with its processor and producer."""

    def __init__(
        self,
        settings: Settings,
        transport: Transport,
        pack: CityPack,
        clock: Clock,
        client_id: str | None = None,
        collector: FlushCollector | None = None,
    ) -> None:
        """``collector``: collect garbage at flushes (``consumers.gc_policy``), as a consumer process of its own
        does; None leaves CPython's automatic collector alone (the embedded default shares its process)."""
        self.settings = settings
        self.collector = collector
        self.heap = HeapTrimmer(settings.heap_trim_every_s)
        self.transport = transport
        self.clock = clock
        self.client_id = client_id or default_client_id(settings)
        self.processor = Processor(
            pack,
            ProcessorConfig(
                partitions=settings.partitions,
                future_tolerance_s=settings.future_tolerance_s,
                allowed_lateness_s=settings.allowed_lateness_s,
                simulated_clock=settings.clock == "simulated",
                actions_topic=settings.topics.actions,
            ),
            clock,
        )
        self.phase = "starting"
        self.restore_done = 0
        self.restore_total = 0
        self.broker_unreachable_since: datetime | None = None
        self.broker_error: str | None = None
        self.outages = 0
        self.failed_attempts = 0
        self.restores: Counter[int] = Counter()
        """How many times each partition was rebuilt from the changelog (kept partitions are not)."""
        self._positions: dict[TopicPartition, int] = {}
        self._to_restore: set[int] = set()
        self._revoked: set[int] = set()
        self._pending: list[Outgoing] = []
        self._delivery_failed = False
        self._unflushed = 0
        self._last_flush = time.monotonic()
        self._producer: Producer | None = None
        self._consumer: Any = None
        self.ready = threading.Event()

    # -- lifecycle ------------------------------------------------------------------------------------

    def open(self) -> None:
        """Create the topics if needed, clear abandoned status records, and join the group; partitions arrive
        with the first poll."""
        self.transport.ensure_topics(topic_specs(self.settings))
        self.remove_abandoned_statuses()
        self._consumer = self.transport.group_consumer(
            self.settings.topics.consumed, self.settings.consumer_group, self, self.client_id
        )
        log.info("consumer %s joined group %s", self.client_id, self.settings.consumer_group)

    def close(self) -> None:
        """Flush and commit, leave the group (handing partitions over), and remove our status record.

        With the broker gone this gives up after one attempt: what was not committed is delivered again to the
        next owner, which rebuilds the state from the changelog, so nothing is lost by leaving.
        """
        try:
            self.flush()
            if self._consumer is not None:
                self._consumer.close()
            self._pending.append(Outgoing(self.settings.topics.state, None, f"consumer:{self.client_id}".encode()))
            self._deliver(with_status=False)
        except TransportError as exc:
            log.warning("closing without publishing everything (broker unreachable: %s)", exc)
        finally:
            if self._producer is not None:
                self._producer.close()
                self._producer = None

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
        self._pending += [Outgoing(t.state, None, key) for key in keys]
        if keys:
            self._deliver(with_status=False)
            log.info("removed %d abandoned consumer status records: %s", len(keys), b", ".join(keys).decode())
        return len(keys)

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop``; a broker outage is waited out (see the module doc), never a reason to exit."""
        delay = RETRY_INITIAL_S
        if self.collector is not None:
            self.collector.start()
        try:
            while not stop.is_set():
                try:
                    if self._consumer is None:
                        self.open()
                    if self._delivery_failed:
                        self.flush()  # what could not be delivered goes out before any new input is taken
                    self.step(timeout_s=0.2)
                except TransportError as exc:
                    self._broker_failed(exc)
                    stop.wait(delay)
                    delay = min(delay * 2, RETRY_MAX_S)
                    continue
                if self.broker_unreachable_since is not None:
                    log.info("broker reachable again after %s", datetime.now(UTC) - self.broker_unreachable_since)
                    self.broker_unreachable_since = None
                delay = RETRY_INITIAL_S
        finally:
            self.close()
            if self.collector is not None:
                self.collector.stop()

    def _broker_failed(self, exc: TransportError) -> None:
        self.failed_attempts += 1
        if self.broker_unreachable_since is None:
            self.broker_unreachable_since = datetime.now(UTC)
            self.outages += 1
            log.warning("broker unreachable, keeping state and retrying: %s", exc)
        else:
            log.info("broker still unreachable (since %s): %s", self.broker_unreachable_since.isoformat(), exc)
        self.broker_error = str(exc)[:300]

    def step(self, timeout_s: float) -> int:
        """One poll and, when due, one flush. Returns how many records were polled."""
        batch = self._consumer.poll(timeout_s, MAX_POLL_RECORDS)
        if self._to_restore:
            # Newly assigned partitions are rebuilt here, outside the rebalance callback (which runs on the
            # client's I/O loop and must return promptly), and before any of their records is processed. They
            # stay in ``_to_restore`` until the restore is complete, so a restore cut short is done again.
            numbers = sorted(self._to_restore)
            self.restore(numbers)
            self._to_restore -= set(numbers)
            self.processor.assign(numbers)
            self.phase = "running"
            self.ready.set()
        for message in batch:
            outcome = self.processor.process(message)
            if isinstance(outcome, DeadLetter):
                code, reason = outcome.rejection.code, outcome.rejection.detail
                log.debug("dead-lettered %s/%d@%d: %s", message.topic, message.partition, message.offset, reason)
                value, key, headers = deadletter_record(message, code, reason)
                self._pending.append(
                    Outgoing(self.settings.topics.deadletter, value, key, message.partition, headers, best_effort=True)
                )
        newest = {(m.topic, m.partition): m for m in batch}  # a poll's records are in offset order per partition
        for message in newest.values():
            self._positions[message.tp] = message.offset + 1
        self._unflushed += len(batch)
        since = time.monotonic() - self._last_flush
        caught_up = len(batch) < MAX_POLL_RECORDS and self._unflushed > 0
        due = since >= self.settings.flush_interval_s or (caught_up and since >= CAUGHT_UP_FLUSH_GAP_S)
        if due or self._unflushed >= MAX_UNFLUSHED_RECORDS:
            self.flush()
        return len(batch)

    def flush(self, commit: bool = True) -> None:
        """Publish changed state, wait for acknowledgement, then commit the inputs it reflects.

        Raises ``TransportError`` when the broker does not acknowledge; the records stay pending and the next
        flush sends them again before anything newer.
        """
        changes = self.processor.drain()
        t = self.settings.topics
        self._pending += [Outgoing(t.changelog, value, key, partition) for key, value, partition in changes.changelog]
        self._pending += [Outgoing(t.state, value, key) for key, value in changes.state]
        self._pending += [Outgoing(t.alarms, value, key) for key, value in changes.alarms]
        self._deliver(with_status=True)
        if commit and self._positions and self._consumer is not None:
            self._consumer.commit(dict(self._positions))
        self._unflushed = 0
        self._last_flush = time.monotonic()
        if self.collector is not None:
            self.collector.after_flush()  # the batch's objects are gone now: little left to scan
        self.heap.after_flush(self.clock.now().timestamp())

    def _deliver(self, with_status: bool) -> None:
        """Send every pending record (and a fresh status) and wait for all acknowledgements.

        After a failure the producer is dropped with whatever it still holds, and a new one resends all pending
        records: a compacted topic keeps the newest of any duplicates, and a dead letter sent twice is harmless.
        """
        try:
            if self._producer is None:
                self._producer = self.transport.producer()
            producer = self._producer
            for r in self._pending:
                producer.send(
                    r.topic, r.value, key=r.key, partition=r.partition, headers=r.headers, best_effort=r.best_effort
                )
            if with_status:
                self._publish_status(producer, phase=self.phase)
            producer.flush()
        except TransportError:
            self._delivery_failed = True
            if self._producer is not None:
                self._producer.close(timeout_s=0)
                self._producer = None
            raise
        self._pending.clear()
        self._delivery_failed = False

    # -- rebalance ------------------------------------------------------------------------------------

    def on_revoked(self, partitions: set[TopicPartition]) -> None:
        """Publish what we have for the partitions before another member may take them over.

        The state is kept until the new assignment is known (``on_assigned``): a rebalance revokes every
        partition first, and most come straight back; rebuilding those from the changelog cost minutes.
        Offsets are not committed here: the callback runs on the client's I/O loop, where a synchronous
        commit cannot complete. A new owner restores the changelog, whose offsets make the records it
        is sent again count as replays.
        """
        numbers = {tp.partition for tp in partitions}
        log.info("partitions revoked: %s", sorted(numbers))
        try:
            self.flush(commit=False)
        except TransportError as exc:
            log.warning("could not publish before the rebalance (%s); the next owner rebuilds from the commit", exc)
        self._revoked |= numbers & self.processor.owned
        self._to_restore -= numbers
        for tp in list(self._positions):
            if tp in partitions:
                del self._positions[tp]

    def on_assigned(self, partitions: set[TopicPartition]) -> None:
        """Keep the state of partitions that came back; ``step`` restores the new ones before their records."""
        numbers = {tp.partition for tp in partitions}
        gone = self._revoked - numbers
        self._revoked.clear()
        if gone:
            self.processor.revoke(gone)
        new = numbers - self.processor.owned
        kept = sorted(numbers - new)
        log.info("partitions assigned: %s (kept %s, to restore %s)", sorted(numbers), kept, sorted(new))
        self._to_restore |= new
        if new:
            self.phase = "restoring"

    def restore(self, partition_numbers: list[int]) -> None:
        """Read the changelog partitions to their current end, reporting progress as we go.

        Starts from nothing for these partitions (a restore cut short by an outage is simply done again), and
        gives up with ``TransportError`` when nothing arrives for ``RESTORE_STALL_S``.
        """
        self.phase = "restoring"
        tps = [TopicPartition(self.settings.topics.changelog, p) for p in partition_numbers]
        if not tps:
            return
        self.processor.revoke(partition_numbers)
        self.restores.update(partition_numbers)
        reader = self.transport.reader(tps)
        try:
            targets = reader.end_offsets()
            self.restore_total = sum(targets.values())
            self.restore_done = 0
            last_report = 0.0
            last_progress = time.monotonic()
            self._deliver(with_status=True)
            while not caught_up(reader, targets):
                batch = [m for m in reader.poll(0.5, 5000) if m.offset < targets[m.tp]]
                self.processor.restore(batch)
                done = sum(min(pos, targets[tp]) for tp, pos in reader.positions().items())
                if done > self.restore_done or batch:
                    last_progress = time.monotonic()
                elif time.monotonic() - last_progress > RESTORE_STALL_S:
                    where = f"{done}/{self.restore_total}"
                    raise TransportError(f"restore read nothing for {RESTORE_STALL_S:g} s at {where}")
                self.restore_done = done
                if time.monotonic() - last_report > 0.5:
                    last_report = time.monotonic()
                    log.info("restoring: %d/%d changelog records", self.restore_done, self.restore_total)
                    self._deliver(with_status=True)
            log.info("restored %d sensors from %d changelog records", len(self.processor.sensors), self.restore_total)
        finally:
            reader.close()

    # -- status ---------------------------------------------------------------------------------------

    def status(self, phase: str) -> dict[str, Any]:
        lag: Mapping[TopicPartition, int] = {}
        if self._consumer is not None and phase == "running":
            lag = self._consumer.lag()
        p = self.processor
        clock: dict[str, Any] = {"mode": self.settings.clock, "now": datetime.fromtimestamp(p.now(), UTC).isoformat()}
        if p.sim_speed is not None:
            clock["speed"] = p.sim_speed
        return {
            "kind": "consumer",
            "id": self.client_id,
            "phase": phase,
            "flush_interval_s": self.settings.flush_interval_s,
            "clock": clock,
            "outages": self.outages,
            "internal_errors": p.internal_errors,
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

    def _publish_status(self, producer: Producer, phase: str) -> None:
        doc = self.status(phase)
        producer.send(
            self.settings.topics.state,
            json.dumps(doc, separators=(",", ":")).encode(),
            key=f"consumer:{self.client_id}".encode(),
        )
