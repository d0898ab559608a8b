"""The ``Transport`` contract on the real broker, once per Kafka client of the product (kafka-python, confluent-kafka).

The same promises ``test_memory.py`` checks for the in-memory transport, here through Kafka: keys land on the
partitions the Java client picks, order, offsets, headers and explicit partitions are kept, a group member resumes
from its commits and gets again what it did not commit, lag is reported, a reader reads from the beginning, knows
its positions and the ends and can look at a partition's tail, topics are created once (the state ones compacted)
and a wrong partition count is refused, and a dead letter the broker would refuse is dropped, not a failed flush.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from consumers.settings import Settings
from consumers.transport import Message, TopicPartition, TopicSpec, Transport, open_transport
from consumers.transport.base import TransportError, caught_up
from consumers.transport.memory import default_partition
from tests.conftest import both_clients

pytestmark = [pytest.mark.kafka, both_clients]
PARTITIONS = 6


class Recorder:
    def __init__(self) -> None:
        self.assigned: list[set[TopicPartition]] = []
        self.revoked: list[set[TopicPartition]] = []

    def on_assigned(self, partitions: set[TopicPartition]) -> None:
        self.assigned.append(partitions)

    def on_revoked(self, partitions: set[TopicPartition]) -> None:
        self.revoked.append(partitions)


@pytest.fixture
def transport(kafka_settings: Settings) -> Transport:
    return open_transport(replace(kafka_settings, client_id="contract"))


@pytest.fixture
def topic(kafka_settings: Settings, transport: Transport) -> str:
    name = f"{kafka_settings.topics.prefix}.contract"
    transport.ensure_topics([TopicSpec(name, PARTITIONS)])
    return name


def consume(consumer: object, want: int, timeout_s: float = 60) -> list[Message]:
    got: list[Message] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < want and time.monotonic() < deadline:
        got += consumer.poll(0.5, 1000)  # type: ignore[attr-defined]
    return got


def produce(transport: Transport, topic: str, n: int, start: int = 0) -> list[tuple[bytes, bytes]]:
    producer = transport.producer()
    sent = [(f"district-{i % 13}".encode(), f"value-{i}".encode()) for i in range(start, start + n)]
    try:
        for key, value in sent:
            producer.send(topic, value, key=key)
        producer.flush()
    finally:
        producer.close()
    return sent


@pytest.fixture
def group(kafka_settings: Settings) -> str:
    return f"{kafka_settings.consumer_group}-contract"


def test_keys_land_on_the_java_clients_partitions_in_order_with_their_offsets(
    transport: Transport, topic: str, group: str
) -> None:
    sent = produce(transport, topic, 200)
    consumer = transport.group_consumer([topic], group, Recorder(), "contract-1")
    try:
        got = consume(consumer, len(sent))
    finally:
        consumer.close()
    assert sorted((m.key, m.value) for m in got) == sorted(sent)
    for m in got:
        assert m.key is not None and m.partition == default_partition(m.key, PARTITIONS), m
    for p in range(PARTITIONS):
        mine = [m for m in got if m.partition == p]
        assert [m.offset for m in mine] == list(range(len(mine)))  # in order, dense
        assert [m.value for m in mine] == [v for k, v in sent if default_partition(k, PARTITIONS) == p]
        assert all(m.timestamp_ms > 0 for m in mine)


def test_explicit_partition_headers_and_tombstones_are_kept(transport: Transport, topic: str) -> None:
    producer = transport.producer()
    producer.send(topic, b"v", key=b"k", partition=4, headers=[("dlq.reason", b"why"), ("empty", b"")])
    producer.send(topic, None, key=b"k", partition=4)
    producer.flush()
    producer.close()
    reader = transport.reader([TopicPartition(topic, 4)])
    try:
        got = consume(reader, 2)
    finally:
        reader.close()
    assert [(m.partition, m.offset, m.key, m.value) for m in got] == [(4, 0, b"k", b"v"), (4, 1, b"k", None)]
    assert list(got[0].headers) == [("dlq.reason", b"why"), ("empty", b"")]


def test_a_member_resumes_from_its_commits_and_gets_again_what_it_did_not_commit(
    transport: Transport, topic: str, group: str
) -> None:
    produce(transport, topic, 60)
    first = Recorder()
    consumer = transport.group_consumer([topic], group, first, "contract-1")
    try:
        got = consume(consumer, 60)
        assert len(got) == 60
        assert first.assigned and first.assigned[-1] == {TopicPartition(topic, p) for p in range(PARTITIONS)}
        assert consumer.assignment() == first.assigned[-1]
        # Commit all but the last record of partition 0's; the uncommitted one comes back to the next member.
        last = {m.tp: m.offset for m in got}
        commit = {tp: o + 1 for tp, o in last.items()}
        p0 = TopicPartition(topic, 0)
        if p0 in commit:
            commit[p0] -= 1
        consumer.commit(commit)
    finally:
        consumer.close()
    produce(transport, topic, 12, start=60)
    consumer = transport.group_consumer([topic], group, Recorder(), "contract-2")
    try:
        again = consume(consumer, 12 + (1 if p0 in last else 0))
        time.sleep(1.0)
        again += consumer.poll(0.5, 1000)
    finally:
        consumer.close()
    values = sorted(m.value or b"" for m in again)
    expected = sorted([f"value-{i}".encode() for i in range(60, 72)] + ([] if p0 not in last else [b""]))
    if p0 in last:
        redelivered = [m for m in again if m.tp == p0 and m.offset == last[p0]]
        assert len(redelivered) == 1, again
        values.remove(redelivered[0].value or b"")
        expected.remove(b"")
    assert values == expected


def test_lag_is_what_the_member_has_not_read(transport: Transport, topic: str, group: str) -> None:
    produce(transport, topic, 60)
    consumer = transport.group_consumer([topic], group, Recorder(), "contract-1")
    try:
        got = consume(consumer, 60)
        assert len(got) == 60
        deadline = time.monotonic() + 10
        while True:
            lag = consumer.lag()
            fetched = {m.tp for m in got}
            if fetched <= set(lag) or time.monotonic() > deadline:
                break
            consumer.poll(0.2, 1000)
        assert {tp: lag[tp] for tp in fetched} == dict.fromkeys(fetched, 0)
    finally:
        consumer.close()


def test_a_reader_reads_from_the_beginning_and_knows_its_positions_and_the_ends(
    transport: Transport, topic: str
) -> None:
    sent = produce(transport, topic, 90)
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    per_partition = {tp: sum(1 for k, _ in sent if default_partition(k, PARTITIONS) == tp.partition) for tp in tps}
    reader = transport.reader(tps)
    try:
        ends = reader.end_offsets()
        assert ends == per_partition
        assert reader.positions() == dict.fromkeys(tps, 0)  # nothing read yet, empty partitions included
        got: list[Message] = []
        deadline = time.monotonic() + 60
        while not caught_up(reader, ends) and time.monotonic() < deadline:
            got += reader.poll(0.5, 1000)
        assert len(got) == 90 and reader.positions() == ends
        # The tail of each partition: seek back two records and read only those.
        reader.seek({tp: max(0, end - 2) for tp, end in ends.items()})
        assert reader.positions() == {tp: max(0, end - 2) for tp, end in ends.items()}
        tail = consume(reader, sum(min(2, end) for end in ends.values()), timeout_s=30)
        assert sorted((m.partition, m.offset) for m in tail) == sorted(
            (tp.partition, o) for tp, end in ends.items() for o in range(max(0, end - 2), end)
        )
    finally:
        reader.close()


def test_an_empty_topic_is_caught_up_at_once(transport: Transport, topic: str) -> None:
    reader = transport.reader([TopicPartition(topic, p) for p in range(PARTITIONS)])
    try:
        ends = reader.end_offsets()
        assert set(ends.values()) == {0} and caught_up(reader, ends)
        assert reader.poll(0.5, 100) == []
    finally:
        reader.close()


@pytest.fixture
def admin(kafka_bootstrap: str) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    yield client
    client.close()


def test_topics_are_created_once_compacted_where_asked_and_a_wrong_partition_count_is_refused(
    transport: Transport, kafka_settings: Settings, admin: KafkaAdminClient
) -> None:
    log, state = f"{kafka_settings.topics.prefix}.log", f"{kafka_settings.topics.prefix}.kept"
    specs = [TopicSpec(log, 3), TopicSpec(state, 3, compacted=True)]
    transport.ensure_topics(specs)
    transport.ensure_topics(specs)  # idempotent
    assert transport.partition_count(log) == transport.partition_count(state) == 3
    configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in (log, state)])
    # Only what differs from the broker's defaults is listed (``delete`` is the default policy).
    policy = {
        name: entries.get("cleanup.policy", {"value": "delete"})["value"] for name, entries in configs["topic"].items()
    }
    assert policy == {log: "delete", state: "compact"}
    with pytest.raises(TransportError, match="has 3 partitions, expected 6"):
        transport.ensure_topics([TopicSpec(log, 6)])
    with pytest.raises(TransportError, match="unknown topic"):
        transport.partition_count(f"{kafka_settings.topics.prefix}.nothing")


def test_a_dead_letter_too_large_for_the_broker_is_dropped_and_any_other_record_fails(
    transport: Transport, topic: str
) -> None:
    producer = transport.producer()
    try:
        too_large = b"x" * (2 * 1024 * 1024)
        producer.send(topic, too_large, key=b"k", best_effort=True, headers=[("dlq.topic", b"t.fire")])
        producer.send(topic, b"small", key=b"k")
        producer.flush()  # the dead letter is dropped and logged; the rest is delivered
        with pytest.raises(TransportError):  # refused at once, as kafka-python and librdkafka both check the size
            producer.send(topic, too_large, key=b"k")
    finally:
        producer.close(timeout_s=0)
    reader = transport.reader([TopicPartition(topic, default_partition(b"k", PARTITIONS))])
    try:
        assert [m.value for m in consume(reader, 1, timeout_s=20)] == [b"small"]
    finally:
        reader.close()
