"""The transport contract: the few operations the product needs from a log, whoever implements it.

Kept deliberately small (produce, group-consume with commit, read partitions from the beginning) so that
the in-memory transport can honour exactly the same semantics as Kafka: per-partition order, offsets,
committed positions, and compaction for state topics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

Headers = Sequence[tuple[str, bytes]]


@dataclass(frozen=True, slots=True, order=True)
class TopicPartition:
    """One partition of one topic."""

    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class Message:
    """A record as read from the log, with its coordinates."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int = 0
    headers: Headers = field(default_factory=tuple)

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic to create if missing. Compacted topics keep the latest record per key."""

    name: str
    partitions: int
    compacted: bool = False


class TransportError(RuntimeError):
    """The log refused an operation (delivery failed, topic misconfigured)."""


class Producer(Protocol):
    """Sends records; ``flush`` returns only once every record sent before it is durably acknowledged.

    A ``best_effort`` record (a dead letter) that the log refuses for good, because it is too large for it, is
    logged with its coordinates and dropped instead of failing the flush: it must never stop a partition.
    ``close(timeout_s=0)`` abandons whatever is still unacknowledged (after a failed flush).
    """

    def send(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None = None,
        partition: int | None = None,
        headers: Headers = (),
        best_effort: bool = False,
    ) -> None: ...

    def flush(self, timeout_s: float = 30.0) -> None: ...

    def close(self, timeout_s: float = 10.0) -> None: ...


class RebalanceListener(Protocol):
    """Told when this member of a consumer group loses or gains partitions."""

    def on_revoked(self, partitions: set[TopicPartition]) -> None: ...

    def on_assigned(self, partitions: set[TopicPartition]) -> None: ...


class GroupConsumer(Protocol):
    """A member of a consumer group. Offsets are committed explicitly, never automatically."""

    def poll(self, timeout_s: float, max_records: int) -> list[Message]: ...

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None: ...

    def assignment(self) -> set[TopicPartition]: ...

    def lag(self) -> dict[TopicPartition, int]: ...

    def close(self) -> None: ...


class PartitionReader(Protocol):
    """Reads given partitions from their beginning, outside any group: for restores and read-only views."""

    def poll(self, timeout_s: float, max_records: int) -> list[Message]: ...

    def end_offsets(self) -> dict[TopicPartition, int]: ...

    def positions(self) -> dict[TopicPartition, int]: ...

    def seek(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Read on from these offsets (to look at the tail of a partition without reading all of it)."""
        ...

    def close(self) -> None: ...


class Transport(Protocol):
    """Factory for the clients above, bound to one cluster (or one in-memory broker)."""

    def ensure_topics(self, specs: Iterable[TopicSpec]) -> None: ...

    def partition_count(self, topic: str) -> int: ...

    def producer(self) -> Producer: ...

    def group_consumer(
        self, topics: Sequence[str], group_id: str, listener: RebalanceListener, client_id: str
    ) -> GroupConsumer: ...

    def reader(self, partitions: Iterable[TopicPartition]) -> PartitionReader: ...

    def close(self) -> None: ...


def caught_up(reader: PartitionReader, targets: Mapping[TopicPartition, int]) -> bool:
    """True once the reader has reached ``targets`` (end offsets taken earlier) on every partition."""
    positions = reader.positions()
    return all(positions.get(tp, 0) >= end for tp, end in targets.items())
