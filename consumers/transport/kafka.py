"""The ``Transport`` over Apache Kafka with kafka-python.

Choices that the product's guarantees rest on:
- producers use ``acks='all'`` with idempotence (kafka-python's default), and ``flush`` raises if any
  record sent since the last flush failed, so offsets are never committed past unpublished state;
- group members use the range assignor, which gives one member the same partition numbers of every
  co-partitioned input topic (all of a district's records meet in one process);
- auto-commit is off: the runner commits after its state is published;
- every client call that waits on the broker has a bound (seconds, not kafka-python's minutes), and every
  kafka-python error leaves this module as ``TransportError``, so the runner can tell "the broker is away"
  from a bug and wait the outage out.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from kafka.admin import KafkaAdminClient
from kafka.consumer import KafkaConsumer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.errors import KafkaError, MessageSizeTooLargeError, TopicAlreadyExistsError
from kafka.producer import KafkaProducer
from kafka.structs import OffsetAndMetadata
from kafka.structs import TopicPartition as KafkaTP

from consumers.kafka_security import KafkaSecurity
from consumers.transport.base import (
    Headers,
    Message,
    RebalanceListener,
    TopicPartition,
    TopicSpec,
    TransportError,
)
from consumers.transport.kafka_login import LoginGuard

log = logging.getLogger(__name__)

METADATA_WAIT_S = 30.0
REQUEST_TIMEOUT_MS = 10_000
MAX_BLOCK_MS = 10_000
RECONNECT_BACKOFF_MAX_MS = 2000
"""kafka-python backs off reconnecting up to 30 s by default: a broker back after an outage went unused that long."""
MAX_REQUEST_BYTES = 1024 * 1024
"""The broker's default ``message.max.bytes``: a record the broker would refuse is refused here, at ``send``."""

P = ParamSpec("P")
R = TypeVar("R")


def translated(call: Callable[P, R]) -> Callable[P, R]:
    """Re-raise kafka-python's errors as ``TransportError`` (the runner's signal to back off and retry)."""

    @functools.wraps(call)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return call(*args, **kwargs)
        except TransportError:
            raise
        except (KafkaError, OSError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    return wrapper


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
    """Keeps the futures of records in flight so that ``flush`` can prove they all landed.

    Only while they are in flight: at each send, the futures the broker has answered from the oldest on are let go
    (a failed one kept for ``flush`` to report). Kept until the flush, a future holds its batch and the broker's
    answer: a simulator that fell behind on a loaded machine sent one tick's backlog of 150,000 records and held
    100 MB of them (tracemalloc, 2026-12-07), and its resident memory grew in steps it never gave back.
    """

    def __init__(self, bootstrap: str, client_id: str, client_config: Mapping[str, Any] | None = None) -> None:
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
            **(client_config or {}),
            client_id=client_id,
            acks="all",
            linger_ms=5,
            batch_size=256 * 1024,
            max_request_size=MAX_REQUEST_BYTES,
            max_block_ms=MAX_BLOCK_MS,
            request_timeout_ms=REQUEST_TIMEOUT_MS,
            delivery_timeout_ms=30_000,
        )
        self._in_flight: deque[tuple[Any, bool, Headers]] = deque()
        self._answered_failed: list[tuple[Any, bool, Headers]] = []

    @translated
    def send(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None = None,
        partition: int | None = None,
        headers: Headers = (),
        best_effort: bool = False,
    ) -> None:
        try:
            future = self._producer.send(topic, value=value, key=key, partition=partition, headers=list(headers))
        except MessageSizeTooLargeError as exc:
            if not best_effort:
                raise
            _log_dropped(topic, headers, exc)
            return
        in_flight = self._in_flight
        in_flight.append((future, best_effort, headers))
        while in_flight[0][0].is_done:  # the oldest answered: forget it, or keep it for the flush if it failed
            answered = in_flight.popleft()
            if answered[0].failed():
                self._answered_failed.append(answered)
            if not in_flight:
                break

    @property
    def in_flight(self) -> int:
        """Records sent and not yet known to have been answered by the broker (or failed, not yet reported)."""
        return len(self._in_flight) + len(self._answered_failed)

    @translated
    def flush(self, timeout_s: float = 30.0) -> None:
        self._producer.flush(timeout=timeout_s)
        failed = []
        for future, best_effort, headers in (*self._answered_failed, *self._in_flight):
            if not future.failed():
                continue
            if best_effort and isinstance(future.exception, MessageSizeTooLargeError):
                _log_dropped("dead letter", headers, future.exception)
            else:
                failed.append(future.exception)
        pending = sum(1 for f, _, _ in self._in_flight if not f.is_done)
        self._in_flight.clear()
        self._answered_failed.clear()
        if failed:
            raise TransportError(f"{len(failed)} records were not delivered: {failed[0]!r}")
        if pending:
            raise TransportError(f"{pending} records still unacknowledged after {timeout_s} s")

    def close(self, timeout_s: float = 10.0) -> None:
        try:
            self._producer.close(timeout=timeout_s)
        except KafkaError as exc:
            log.warning("producer did not close cleanly: %s", exc)


def _log_dropped(topic: str, headers: Headers, exc: BaseException) -> None:
    """A dead letter the broker will never take: its coordinates go to the log so that it can be found."""
    where = {k: v.decode(errors="replace") for k, v in headers if k in ("dlq.topic", "dlq.partition", "dlq.offset")}
    log.error("dropped a %s record the broker refuses (%s): %s", topic, exc, where)


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
        client_config: Mapping[str, Any] | None = None,
    ) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
            **(client_config or {}),
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            partition_assignment_strategy=(RangePartitionAssignor,),
            max_poll_interval_ms=600_000,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
            request_timeout_ms=30_000,
        )
        # Know every topic's partitions before joining: a leader that assigns while its metadata is still
        # empty hands out nothing and rejoins at once, and kafka-python 3.0 was seen to stall in that rejoin.
        deadline = time.monotonic() + METADATA_WAIT_S
        while not all(self._consumer.partitions_for_topic(t) for t in topics):
            if time.monotonic() > deadline:
                raise TransportError(f"no partition metadata for {list(topics)} after {METADATA_WAIT_S:g} s")
            time.sleep(0.1)
        self._consumer.subscribe(topics=list(topics), listener=_ListenerBridge(listener))

    @translated
    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        return [_message(r) for records in batches.values() for r in records]

    @translated
    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        if offsets:
            self._consumer.commit(
                {_theirs(tp): OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()}, timeout_ms=REQUEST_TIMEOUT_MS
            )

    def assignment(self) -> set[TopicPartition]:
        return {_ours(tp) for tp in self._consumer.assignment()}

    @translated
    def lag(self) -> dict[TopicPartition, int]:
        out = {}
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is not None:
                out[_ours(tp)] = max(0, high - self._consumer.position(tp))
        return out

    def close(self) -> None:
        try:
            self._consumer.close()
        except KafkaError as exc:
            log.warning("consumer did not close cleanly: %s", exc)


class KafkaReader:
    """Manually assigned consumer (no group) that starts at the beginning of each partition."""

    def __init__(
        self,
        bootstrap: str,
        partitions: Iterable[TopicPartition],
        client_id: str,
        client_config: Mapping[str, Any] | None = None,
    ) -> None:
        self._tps = [_theirs(tp) for tp in partitions]
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
            **(client_config or {}),
            client_id=client_id,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=REQUEST_TIMEOUT_MS,
        )
        self._consumer.assign(self._tps)
        self._consumer.seek_to_beginning(*self._tps)

    @translated
    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        return [_message(r) for records in batches.values() for r in records]

    @translated
    def end_offsets(self) -> dict[TopicPartition, int]:
        return {_ours(tp): o for tp, o in self._consumer.end_offsets(self._tps, timeout_ms=REQUEST_TIMEOUT_MS).items()}

    @translated
    def positions(self) -> dict[TopicPartition, int]:
        return {_ours(tp): self._consumer.position(tp, timeout_ms=REQUEST_TIMEOUT_MS) for tp in self._tps}

    @translated
    def seek(self, offsets: Mapping[TopicPartition, int]) -> None:
        for tp, offset in offsets.items():
            self._consumer.seek(_theirs(tp), offset)

    def close(self) -> None:
        self._consumer.close()


class KafkaTransport:
    """Creates kafka-python clients for one cluster; all of them get the same ``security`` (TLS, SASL) config."""

    def __init__(self, bootstrap: str, client_id: str = "cityops", *, security: KafkaSecurity | None = None) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.security = security or KafkaSecurity()
        self._client_config = self.security.client_config()
        self._login = LoginGuard(bootstrap, self.security)

    @translated
    def _admin(self) -> KafkaAdminClient:
        with self._login.connecting():
            return KafkaAdminClient(
                bootstrap_servers=self.bootstrap,
                client_id=f"{self.client_id}-admin",
                reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
                **self._client_config,
            )

    @translated
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

    @translated
    def partition_count(self, topic: str) -> int:
        admin = self._admin()
        try:
            for t in admin.describe_topics([topic]):
                if t["name"] == topic and t["partitions"]:
                    return len(t["partitions"])
        finally:
            admin.close()
        raise TransportError(f"unknown topic {topic}")

    @translated
    def producer(self) -> KafkaProducerAdapter:
        with self._login.connecting():
            return KafkaProducerAdapter(self.bootstrap, self.client_id, self._client_config)

    @translated
    def group_consumer(
        self, topics: Sequence[str], group_id: str, listener: RebalanceListener, client_id: str
    ) -> KafkaGroupConsumer:
        with self._login.connecting():
            return KafkaGroupConsumer(self.bootstrap, topics, group_id, listener, client_id, self._client_config)

    @translated
    def reader(self, partitions: Iterable[TopicPartition]) -> KafkaReader:
        with self._login.connecting():
            return KafkaReader(self.bootstrap, partitions, f"{self.client_id}-reader", self._client_config)

    def close(self) -> None:
        return None
