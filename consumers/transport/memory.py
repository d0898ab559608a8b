"""In-process stand-in for Kafka: the embedded default's transport (the SQLite of this project).

It keeps Kafka's contract where the product relies on it: keyed records land in the partition Kafka's
default partitioner would choose (murmur2), order holds within a partition, offsets only grow, a consumer
group resumes from its committed offsets, and compacted topics keep the latest record per key. Logs are
bounded (retention by count and by bytes, compaction by key) so the embedded demo runs for days in flat memory.

Like a broker, it keeps its own copy of every record, of exactly the record's size: a producer's buffer may be
much larger than what it holds (orjson 3.12+ returns bytes with at least 4 KiB allocated, whatever their length),
and a log that kept the producer's objects would hold twenty times the bytes of its records (measured: 1.2 GiB
instead of about 300 MiB after a simulated week of the embedded default).

One member per consumer group: the embedded product runs a single consumer. Splitting partitions across
members is Kafka's job and is tested against the real broker.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kafka.partitioner.default import murmur2

from consumers.transport.base import (
    Headers,
    Message,
    RebalanceListener,
    TopicPartition,
    TopicSpec,
    TransportError,
)

DEFAULT_RETENTION_RECORDS = 20_000
DEFAULT_RETENTION_BYTES = 8 * 2**20
"""Per partition, like Kafka's ``retention.bytes``: what bounds a log of large records (a dead-letter topic fed 64 KiB
poison records would otherwise keep 20,000 of them, 1.3 GB a partition)."""
RECORD_OVERHEAD_BYTES = 240
"""What a retained record costs beyond its key, value and headers (the ``Message``, its offset and timestamp, the
bytes objects' headers and the log's list slots; measured with tracemalloc), counted against ``retention_bytes``."""


def default_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's Java and Python clients choose for a key (so both transports agree)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def owned_bytes(data: bytes | None) -> bytes | None:
    """A copy of ``data`` that owns exactly its length (``bytes(data)`` would return ``data`` itself)."""
    return None if data is None else memoryview(data).tobytes()


def record_size(message: Message) -> int:
    """What a retained record costs, as counted against ``retention_bytes``."""
    size = RECORD_OVERHEAD_BYTES + len(message.key or b"") + len(message.value or b"")
    for name, value in message.headers:
        size += len(name) + len(value)
    return size


@dataclass(slots=True)
class _PartitionLog:
    """One partition: records with increasing (not necessarily contiguous) offsets."""

    compacted: bool
    retention: int
    retention_bytes: int = DEFAULT_RETENTION_BYTES
    offsets: list[int] = field(default_factory=list)
    records: list[Message] = field(default_factory=list)
    size: int = 0
    """The bytes the log holds, as ``record_size`` counts them (computed again when needed, not kept per record)."""
    next_offset: int = 0
    compacted_size: int = 0
    compacted_bytes: int = 0

    def append(self, message: Message) -> None:
        size = record_size(message)
        self.offsets.append(message.offset)
        self.records.append(message)
        self.size += size
        self.next_offset = message.offset + 1
        if self.compacted:
            # Compact when the log has doubled since the last compaction, in records or in bytes (amortised O(1)).
            if len(self.records) > max(2 * self.compacted_size, 1024) or self.size > max(
                2 * self.compacted_bytes, self.retention_bytes // 8
            ):
                self._compact()
        elif len(self.records) > self.retention + self.retention // 10 or (
            self.size > self.retention_bytes + self.retention_bytes // 10
        ):
            self._trim()

    def _trim(self) -> None:
        """Delete the oldest records down to both bounds, always keeping the newest record.

        In steps of a tenth of a bound, as Kafka deletes whole segments: deleting from the front of a list on every
        append would cost O(n) each time."""
        records = self.records
        drop = max(0, len(records) - self.retention)
        size = self.size - sum(record_size(m) for m in records[:drop])
        while size > self.retention_bytes and drop < len(records) - 1:
            size -= record_size(records[drop])
            drop += 1
        self.size = size
        del self.offsets[:drop]
        del records[:drop]

    def _compact(self) -> None:
        """Keep the latest record per key, and the partition's last record so the end offset stays readable.

        Tombstones go at the first compaction after them (Kafka keeps them ``delete.retention.ms`` longer)."""
        latest: dict[bytes | None, int] = {}
        for i, message in enumerate(self.records):
            latest[message.key] = i
        last = len(self.records) - 1
        kept = sorted(i for i in latest.values() if self.records[i].value is not None or i == last)
        self.records = [self.records[i] for i in kept]
        self.offsets = [self.offsets[i] for i in kept]
        self.size = sum(record_size(m) for m in self.records)
        self.compacted_size = len(kept)
        self.compacted_bytes = self.size

    def read(self, position: int, limit: int) -> list[Message]:
        start = bisect.bisect_left(self.offsets, position)
        return self.records[start : start + limit]


class MemoryBroker:
    """All topics of one embedded deployment, shared by its producers and consumers (thread-safe)."""

    def __init__(
        self, retention_records: int = DEFAULT_RETENTION_RECORDS, retention_bytes: int = DEFAULT_RETENTION_BYTES
    ) -> None:
        if retention_records < 1 or retention_bytes < 1:
            raise ValueError("retention needs room for at least one record")
        self._retention = retention_records
        self._retention_bytes = retention_bytes
        self._logs: dict[str, list[_PartitionLog]] = {}
        self._names: dict[str, str] = {}
        """Each topic's name, one object shared by all its records (producers build the name afresh per send)."""
        self._committed: dict[str, dict[TopicPartition, int]] = {}
        self._members: dict[str, object] = {}
        self._cond = threading.Condition()

    def ensure_topics(self, specs: Iterable[TopicSpec]) -> None:
        with self._cond:
            for spec in specs:
                existing = self._logs.get(spec.name)
                if existing is not None:
                    if len(existing) != spec.partitions:
                        raise TransportError(
                            f"topic {spec.name} has {len(existing)} partitions, expected {spec.partitions}"
                        )
                    continue
                self._logs[spec.name] = [
                    _PartitionLog(spec.compacted, self._retention, self._retention_bytes)
                    for _ in range(spec.partitions)
                ]
                self._names[spec.name] = spec.name

    def partition_count(self, topic: str) -> int:
        with self._cond:
            return len(self._topic(topic))

    def retained(self) -> dict[str, tuple[int, int]]:
        """Per topic, the records it holds and their bytes as ``record_size`` counts them (for benchmarks)."""
        with self._cond:
            return {
                name: (sum(len(log.records) for log in logs), sum(log.size for log in logs))
                for name, logs in self._logs.items()
            }

    def _topic(self, topic: str) -> list[_PartitionLog]:
        try:
            return self._logs[topic]
        except KeyError:
            raise TransportError(f"unknown topic {topic}") from None

    def append(
        self, topic: str, value: bytes | None, key: bytes | None, partition: int | None, headers: Headers
    ) -> None:
        with self._cond:
            logs = self._topic(topic)
            if partition is None:
                partition = default_partition(key, len(logs)) if key is not None else 0
            if not 0 <= partition < len(logs):
                raise TransportError(f"{topic} has no partition {partition}")
            log = logs[partition]
            log.append(
                Message(
                    self._names[topic],
                    partition,
                    log.next_offset,
                    owned_bytes(key),
                    owned_bytes(value),
                    int(time.time() * 1000),
                    tuple((name, owned_bytes(v) or b"") for name, v in headers) if headers else (),
                )
            )
            self._cond.notify_all()

    def read(self, positions: Mapping[TopicPartition, int], max_records: int) -> list[Message]:
        out: list[Message] = []
        for tp, position in sorted(positions.items()):
            if len(out) >= max_records:
                break
            out.extend(self._logs[tp.topic][tp.partition].read(position, max_records - len(out)))
        return out

    def wait_read(self, positions: Mapping[TopicPartition, int], max_records: int, timeout_s: float) -> list[Message]:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                out = self.read(positions, max_records)
                remaining = deadline - time.monotonic()
                if out or remaining <= 0:
                    return out
                self._cond.wait(remaining)

    def end_offsets(self, partitions: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        with self._cond:
            return {tp: self._logs[tp.topic][tp.partition].next_offset for tp in partitions}

    def partitions_of(self, topics: Sequence[str]) -> set[TopicPartition]:
        with self._cond:
            return {TopicPartition(t, p) for t in topics for p in range(len(self._topic(t)))}

    def committed(self, group_id: str) -> dict[TopicPartition, int]:
        with self._cond:
            return dict(self._committed.get(group_id, {}))

    def commit(self, group_id: str, offsets: Mapping[TopicPartition, int]) -> None:
        with self._cond:
            self._committed.setdefault(group_id, {}).update(offsets)

    def join(self, group_id: str, member: object) -> None:
        with self._cond:
            if self._members.get(group_id) not in (None, member):
                raise TransportError(
                    f"group {group_id} already has a member: the in-memory transport runs one consumer "
                    "per group; use Kafka to split partitions across processes"
                )
            self._members[group_id] = member

    def leave(self, group_id: str, member: object) -> None:
        with self._cond:
            if self._members.get(group_id) is member:
                del self._members[group_id]


class MemoryProducer:
    """Appends straight into the broker: every send is acknowledged when it returns."""

    def __init__(self, broker: MemoryBroker) -> None:
        self._broker = broker

    def send(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None = None,
        partition: int | None = None,
        headers: Headers = (),
        best_effort: bool = False,
    ) -> None:
        self._broker.append(topic, value, key, partition, headers)

    def flush(self, timeout_s: float = 30.0) -> None:
        return None

    def close(self, timeout_s: float = 10.0) -> None:
        return None


class MemoryGroupConsumer:
    """The single member of a group: owns every partition of its topics, resumes from committed offsets."""

    def __init__(self, broker: MemoryBroker, topics: Sequence[str], group_id: str, listener: RebalanceListener) -> None:
        self._broker = broker
        self._group_id = group_id
        self._topics = tuple(topics)
        self._listener = listener
        self._positions: dict[TopicPartition, int] | None = None
        broker.join(group_id, self)

    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        if self._positions is None:
            assigned = self._broker.partitions_of(self._topics)
            committed = self._broker.committed(self._group_id)
            self._positions = {tp: committed.get(tp, 0) for tp in assigned}
            self._listener.on_assigned(set(assigned))
        batch = self._broker.wait_read(self._positions, max_records, timeout_s)
        for message in batch:
            self._positions[message.tp] = message.offset + 1
        return batch

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        self._broker.commit(self._group_id, offsets)

    def assignment(self) -> set[TopicPartition]:
        return set(self._positions or ())

    def lag(self) -> dict[TopicPartition, int]:
        if self._positions is None:
            return {}
        ends = self._broker.end_offsets(self._positions)
        return {tp: max(0, ends[tp] - pos) for tp, pos in self._positions.items()}

    def close(self) -> None:
        if self._positions is not None:
            self._listener.on_revoked(set(self._positions))
        self._broker.leave(self._group_id, self)


class MemoryReader:
    """Reads partitions from the beginning, outside any group."""

    def __init__(self, broker: MemoryBroker, partitions: Iterable[TopicPartition]) -> None:
        self._broker = broker
        self._positions = dict.fromkeys(partitions, 0)

    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        batch = self._broker.wait_read(self._positions, max_records, timeout_s)
        for message in batch:
            self._positions[message.tp] = message.offset + 1
        return batch

    def end_offsets(self) -> dict[TopicPartition, int]:
        return self._broker.end_offsets(self._positions)

    def positions(self) -> dict[TopicPartition, int]:
        return dict(self._positions)

    def seek(self, offsets: Mapping[TopicPartition, int]) -> None:
        for tp, offset in offsets.items():
            if tp in self._positions:
                self._positions[tp] = offset

    def close(self) -> None:
        return None


class MemoryTransport:
    """The ``Transport`` over one ``MemoryBroker``."""

    def __init__(self, broker: MemoryBroker | None = None) -> None:
        self.broker = broker or MemoryBroker()

    def ensure_topics(self, specs: Iterable[TopicSpec]) -> None:
        self.broker.ensure_topics(specs)

    def partition_count(self, topic: str) -> int:
        return self.broker.partition_count(topic)

    def producer(self) -> MemoryProducer:
        return MemoryProducer(self.broker)

    def group_consumer(
        self, topics: Sequence[str], group_id: str, listener: RebalanceListener, client_id: str
    ) -> MemoryGroupConsumer:
        return MemoryGroupConsumer(self.broker, topics, group_id, listener)

    def reader(self, partitions: Iterable[TopicPartition]) -> MemoryReader:
        return MemoryReader(self.broker, partitions)

    def close(self) -> None:
        return None
