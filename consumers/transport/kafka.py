"""The ``Transport`` over Apache Kafka with kafka-python.

Choices that the product's guarantees rest on:
- producers use ``acks='all'`` with idempotence (kafka-python's default), and ``flush`` raises if any
  record sent since the last flush failed, so offsets are never committed past unpublished state;
- group members use the range assignor, which gives one member the same partition numbers of every
  co-partitioned input topic (all of a district's records meet in one process);
- auto-commit is off: the runner commits after its state is published.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kafka.admin import KafkaAdminClient
from kafka.consumer import KafkaConsumer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.errors import TopicAlreadyExistsError
from kafka.producer import KafkaProducer
from kafka.structs import OffsetAndMetadata
from kafka.structs import TopicPartition as KafkaTP

from consumers.transport.base import (
    Headers,
    Message,
    RebalanceListener,
    TopicPartition,
    TopicSpec,
    TransportError,
)

log = logging.getLogger(__name__)

METADATA_WAIT_S = 30.0


def _ours(tp: Any) -> TopicPartition:
    return TopicPartition(tp.topic, tp.partition)


def _theirs(tp: TopicPartition) -> KafkaTP:
    return KafkaTP(tp.topic, tp.partition)


def _message(record: Any) -> Message:
    return Message(
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        record.timestamp,
        tuple(record.headers or ()),
    )


class KafkaProducerAdapter:
    """Keeps the futures of records in flight so that ``flush`` can prove they all landed."""

    def __init__(self, bootstrap: str, client_id: str) -> None:
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            acks="all",
            linger_ms=5,
            batch_size=256 * 1024,
            max_request_size=8 * 1024 * 1024,
        )
        self._in_flight: list[Any] = []

    def send(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None = None,
        partition: int | None = None,
        headers: Headers = (),
    ) -> None:
        self._in_flight.append(
            self._producer.send(topic, value=value, key=key, partition=partition, headers=list(headers))
        )

    def flush(self, timeout_s: float = 30.0) -> None:
        self._producer.flush(timeout=timeout_s)
        failed = [f.exception for f in self._in_flight if f.failed()]
        pending = sum(1 for f in self._in_flight if not f.is_done)
        self._in_flight.clear()
        if failed:
            raise TransportError(f"{len(failed)} records were not delivered: {failed[0]!r}")
        if pending:
            raise TransportError(f"{pending} records still unacknowledged after {timeout_s} s")

    def close(self) -> None:
        self._producer.close(timeout=10)


class _ListenerBridge(ConsumerRebalanceListener):
    def __init__(self, listener: RebalanceListener) -> None:
        self._listener = listener

    def on_partitions_revoked(self, revoked: Any) -> None:
        self._listener.on_revoked({_ours(tp) for tp in revoked})

    def on_partitions_assigned(self, assigned: Any) -> None:
        self._listener.on_assigned({_ours(tp) for tp in assigned})


class KafkaGroupConsumer:
    """A group member with manual commits."""

    def __init__(
        self,
        bootstrap: str,
        topics: Sequence[str],
        group_id: str,
        listener: RebalanceListener,
        client_id: str,
    ) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            partition_assignment_strategy=(RangePartitionAssignor,),
            max_poll_interval_ms=600_000,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
        )
        # Know every topic's partitions before joining: a leader that assigns while its metadata is still
        # empty hands out nothing and rejoins at once, and kafka-python 3.0 was seen to stall in that rejoin.
        deadline = time.monotonic() + METADATA_WAIT_S
        while not all(self._consumer.partitions_for_topic(t) for t in topics):
            if time.monotonic() > deadline:
                raise TransportError(f"no partition metadata for {list(topics)} after {METADATA_WAIT_S:g} s")
            time.sleep(0.1)
        self._consumer.subscribe(topics=list(topics), listener=_ListenerBridge(listener))

    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        return [_message(r) for records in batches.values() for r in records]

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        if offsets:
            self._consumer.commit({_theirs(tp): OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})

    def assignment(self) -> set[TopicPartition]:
        return {_ours(tp) for tp in self._consumer.assignment()}

    def lag(self) -> dict[TopicPartition, int]:
        out = {}
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is not None:
                out[_ours(tp)] = max(0, high - self._consumer.position(tp))
        return out

    def close(self) -> None:
        self._consumer.close()


class KafkaReader:
    """Manually assigned consumer (no group) that starts at the beginning of each partition."""

    def __init__(self, bootstrap: str, partitions: Iterable[TopicPartition], client_id: str) -> None:
        self._tps = [_theirs(tp) for tp in partitions]
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._consumer.assign(self._tps)
        self._consumer.seek_to_beginning(*self._tps)

    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        return [_message(r) for records in batches.values() for r in records]

    def end_offsets(self) -> dict[TopicPartition, int]:
        return {_ours(tp): o for tp, o in self._consumer.end_offsets(self._tps).items()}

    def positions(self) -> dict[TopicPartition, int]:
        return {_ours(tp): self._consumer.position(tp) for tp in self._tps}

    def close(self) -> None:
        self._consumer.close()


class KafkaTransport:
    """Creates kafka-python clients for one cluster."""

    def __init__(self, bootstrap: str, client_id: str = "cityops") -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id

    def _admin(self) -> KafkaAdminClient:
        return KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=f"{self.client_id}-admin")

    def ensure_topics(self, specs: Iterable[TopicSpec]) -> None:
        """Create missing topics; refuse to run on existing ones whose partition count breaks co-partitioning."""
        specs = list(specs)
        admin = self._admin()
        try:
            existing = {t["name"]: len(t["partitions"]) for t in admin.describe_topics()}
            missing = {
                spec.name: {
                    "num_partitions": spec.partitions,
                    "replication_factor": -1,
                    "configs": {"cleanup.policy": "compact"} if spec.compacted else {},
                }
                for spec in specs
                if spec.name not in existing
            }
            if missing:
                try:
                    admin.create_topics(missing, wait_for_metadata=True)
                except TopicAlreadyExistsError:
                    log.info("topics were created concurrently by another process")
            wrong = [
                f"{s.name} has {existing[s.name]} partitions, expected {s.partitions}"
                for s in specs
                if s.name in existing and existing[s.name] != s.partitions
            ]
            if wrong:
                raise TransportError("; ".join(wrong) + " (set CITYOPS_PARTITIONS to match)")
        finally:
            admin.close()

    def partition_count(self, topic: str) -> int:
        admin = self._admin()
        try:
            for t in admin.describe_topics([topic]):
                if t["name"] == topic and t["partitions"]:
                    return len(t["partitions"])
        finally:
            admin.close()
        raise TransportError(f"unknown topic {topic}")

    def producer(self) -> KafkaProducerAdapter:
        return KafkaProducerAdapter(self.bootstrap, self.client_id)

    def group_consumer(
        self, topics: Sequence[str], group_id: str, listener: RebalanceListener, client_id: str
    ) -> KafkaGroupConsumer:
        return KafkaGroupConsumer(self.bootstrap, topics, group_id, listener, client_id)

    def reader(self, partitions: Iterable[TopicPartition]) -> KafkaReader:
        return KafkaReader(self.bootstrap, partitions, f"{self.client_id}-reader")

    def close(self) -> None:
        return None
