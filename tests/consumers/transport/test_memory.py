"""The in-memory transport keeps Kafka's contract: partitioning, order, offsets, groups, compaction, retention."""

from __future__ import annotations

import pytest
from kafka.partitioner.default import murmur2

from consumers.transport.base import Message, TopicPartition, TopicSpec, TransportError, caught_up
from consumers.transport.memory import MemoryBroker, MemoryTransport, default_partition

GUIYANG_DISTRICTS = [
    "520102",
    "520103",
    "520111",
    "520112",
    "520113",
    "520115",
    "520121",
    "520122",
    "520123",
    "520181",
]


class Listener:
    """Records the rebalance callbacks it receives."""

    def __init__(self) -> None:
        self.events: list[tuple[str, set[TopicPartition]]] = []

    def on_assigned(self, partitions: set[TopicPartition]) -> None:
        self.events.append(("assigned", set(partitions)))

    def on_revoked(self, partitions: set[TopicPartition]) -> None:
        self.events.append(("revoked", set(partitions)))


def make_transport(*specs: TopicSpec, retention_records: int = 200_000) -> MemoryTransport:
    transport = MemoryTransport(MemoryBroker(retention_records=retention_records))
    transport.ensure_topics(specs)
    return transport


def drain(consumer: object, max_records: int = 100_000) -> list[Message]:
    """Everything available now (timeout 0: never waits)."""
    out: list[Message] = []
    while True:
        batch = consumer.poll(0, max_records)  # type: ignore[attr-defined]
        if not batch:
            return out
        out.extend(batch)


@pytest.mark.parametrize(
    ("key", "java_murmur2"),
    [
        # Kafka's own test vectors for org.apache.kafka.common.utils.Utils.murmur2 (signed Java ints).
        pytest.param(b"21", -973932308, id="21"),
        pytest.param(b"foobar", -790332482, id="foobar"),
        pytest.param(b"a-little-bit-long-string", -985981536, id="long"),
        pytest.param(b"a-little-bit-longer-string", -1486304829, id="longer"),
        pytest.param(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971, id="longest"),
        pytest.param(b"abc", 479470107, id="abc"),
    ],
)
@pytest.mark.parametrize("partitions", [1, 3, 6, 7, 12])
def test_default_partition_matches_the_java_client(key: bytes, java_murmur2: int, partitions: int) -> None:
    # Java: Utils.toPositive(Utils.murmur2(key)) % numPartitions
    assert default_partition(key, partitions) == (java_murmur2 & 0x7FFFFFFF) % partitions


@pytest.mark.parametrize("district", GUIYANG_DISTRICTS)
def test_district_keys_partition_like_kafka_python(district: str) -> None:
    key = district.encode()

    assert default_partition(key, 6) == (murmur2(key) & 0x7FFFFFFF) % 6


def test_district_keys_land_in_their_default_partition() -> None:
    transport = make_transport(TopicSpec("fire", 6))
    producer = transport.producer()
    for district in GUIYANG_DISTRICTS:
        producer.send("fire", b"reading", key=district.encode())

    messages = drain(transport.reader(TopicPartition("fire", p) for p in range(6)))

    assert len(messages) == len(GUIYANG_DISTRICTS)
    for message in messages:
        assert message.key is not None
        assert message.partition == default_partition(message.key, 6)
    assert len({m.partition for m in messages}) > 1


def test_order_and_offsets_within_a_partition() -> None:
    transport = make_transport(TopicSpec("river", 3))
    producer = transport.producer()
    for i in range(30):
        producer.send("river", str(i).encode(), key=GUIYANG_DISTRICTS[i % 3].encode())

    messages = drain(transport.reader(TopicPartition("river", p) for p in range(3)))

    assert len(messages) == 30
    for p in range(3):
        in_partition = [m for m in messages if m.partition == p]
        assert [m.offset for m in in_partition] == list(range(len(in_partition)))
        values = [int(m.value or b"") for m in in_partition]
        assert values == sorted(values)


def test_explicit_partition_and_headers_are_kept() -> None:
    transport = make_transport(TopicSpec("grid", 2))
    transport.producer().send("grid", b"v", key=b"k", partition=1, headers=[("source", b"sim")])

    (message,) = drain(transport.reader([TopicPartition("grid", 0), TopicPartition("grid", 1)]))

    assert (message.partition, message.offset, message.key, message.value) == (1, 0, b"k", b"v")
    assert tuple(message.headers) == (("source", b"sim"),)


def test_group_consumer_resumes_from_committed_offsets() -> None:
    transport = make_transport(TopicSpec("fire", 2))
    producer = transport.producer()
    for i in range(10):
        producer.send("fire", f"a{i}".encode(), partition=i % 2)
    first_listener = Listener()
    consumer = transport.group_consumer(["fire"], "ops", first_listener, "c1")

    first = consumer.poll(0, 4)
    consumer.commit({m.tp: m.offset + 1 for m in first})
    consumer.close()
    for i in range(4):
        producer.send("fire", f"b{i}".encode(), partition=i % 2)
    second_listener = Listener()
    consumer = transport.group_consumer(["fire"], "ops", second_listener, "c2")
    rest = drain(consumer)

    everything = {(m.partition, m.offset) for m in first + rest}
    assert len(first) == 4
    assert len(rest) == 10
    assert not {(m.partition, m.offset) for m in first} & {(m.partition, m.offset) for m in rest}
    assert everything == {(p, o) for p in range(2) for o in range(7)}
    all_partitions = {TopicPartition("fire", 0), TopicPartition("fire", 1)}
    assert first_listener.events == [("assigned", all_partitions), ("revoked", all_partitions)]
    assert second_listener.events == [("assigned", all_partitions)]
    assert consumer.assignment() == all_partitions
    assert consumer.lag() == {tp: 0 for tp in all_partitions}


def test_uncommitted_records_are_delivered_again() -> None:
    transport = make_transport(TopicSpec("fire", 1))
    transport.producer().send("fire", b"x")
    consumer = transport.group_consumer(["fire"], "ops", Listener(), "c1")
    assert len(drain(consumer)) == 1
    consumer.close()

    again = transport.group_consumer(["fire"], "ops", Listener(), "c2")

    assert [m.value for m in drain(again)] == [b"x"]


def test_group_consumer_reports_lag() -> None:
    transport = make_transport(TopicSpec("grid", 2))
    producer = transport.producer()
    for i in range(5):
        producer.send("grid", b"v", partition=i % 2)
    consumer = transport.group_consumer(["grid"], "ops", Listener(), "c1")

    consumer.poll(0, 1)

    assert consumer.lag() == {TopicPartition("grid", 0): 2, TopicPartition("grid", 1): 2}


def test_second_member_of_a_group_is_refused() -> None:
    transport = make_transport(TopicSpec("fire", 1))
    transport.group_consumer(["fire"], "ops", Listener(), "c1")

    with pytest.raises(TransportError, match="already has a member"):
        transport.group_consumer(["fire"], "ops", Listener(), "c2")
    other_group = transport.group_consumer(["fire"], "audit", Listener(), "c3")
    assert other_group.poll(0, 10) == []


def test_compacted_topic_keeps_the_latest_value_per_key() -> None:
    transport = make_transport(TopicSpec("state", 1, compacted=True))
    producer = transport.producer()
    keys = [f"sensor:{k}".encode() for k in range(10)]
    for i in range(5000):
        producer.send("state", str(i).encode(), key=keys[i % 10])

    reader = transport.reader([TopicPartition("state", 0)])
    remaining = drain(reader)

    latest: dict[bytes | None, bytes | None] = {}
    for message in remaining:
        latest[message.key] = message.value
    assert latest == {key: str(4990 + k).encode() for k, key in enumerate(keys)}
    assert len(remaining) < 2000
    assert [m.offset for m in remaining] == sorted(m.offset for m in remaining)
    assert reader.end_offsets() == {TopicPartition("state", 0): 5000}
    assert reader.positions() == {TopicPartition("state", 0): 5000}


def test_compaction_drops_deleted_keys() -> None:
    transport = make_transport(TopicSpec("state", 1, compacted=True))
    producer = transport.producer()
    for i in range(3000):
        producer.send("state", b"v", key=f"k{i % 5}".encode())
    producer.send("state", None, key=b"k0")
    for i in range(2000):
        producer.send("state", b"w", key=f"k{1 + i % 4}".encode())

    keys = {m.key for m in drain(transport.reader([TopicPartition("state", 0)])) if m.value is not None}

    assert keys == {b"k1", b"k2", b"k3", b"k4"}


def test_retention_keeps_the_newest_records_with_their_offsets() -> None:
    transport = make_transport(TopicSpec("river", 1), retention_records=100)
    producer = transport.producer()
    for i in range(250):
        producer.send("river", str(i).encode())

    reader = transport.reader([TopicPartition("river", 0)])
    messages = drain(reader)

    # Like Kafka's segment deletion, retention trims in steps: at least the newest 100, at most 10 % more.
    first = messages[0].offset
    assert 140 <= first <= 150
    assert [m.offset for m in messages] == list(range(first, 250))
    assert [m.value for m in messages] == [str(i).encode() for i in range(first, 250)]
    assert reader.end_offsets() == {TopicPartition("river", 0): 250}


def test_reader_positions_follow_what_it_has_read() -> None:
    transport = make_transport(TopicSpec("fire", 2))
    producer = transport.producer()
    for i in range(6):
        producer.send("fire", b"v", partition=i % 2)
    tps = [TopicPartition("fire", 0), TopicPartition("fire", 1)]
    reader = transport.reader(tps)
    ends = reader.end_offsets()

    assert ends == {tps[0]: 3, tps[1]: 3}
    assert reader.positions() == {tps[0]: 0, tps[1]: 0}
    assert not caught_up(reader, ends)

    drain(reader)

    assert reader.positions() == ends
    assert caught_up(reader, ends)


def test_empty_topic_reads_nothing() -> None:
    transport = make_transport(TopicSpec("fire", 1))
    reader = transport.reader([TopicPartition("fire", 0)])

    assert reader.poll(0, 10) == []
    assert reader.end_offsets() == {TopicPartition("fire", 0): 0}


def test_producer_to_unknown_topic_raises() -> None:
    transport = make_transport(TopicSpec("fire", 1))

    with pytest.raises(TransportError, match="unknown topic"):
        transport.producer().send("fyre", b"v")


def test_producer_to_missing_partition_raises() -> None:
    transport = make_transport(TopicSpec("fire", 2))

    with pytest.raises(TransportError, match="no partition"):
        transport.producer().send("fire", b"v", partition=2)


def test_ensure_topics_is_idempotent_but_refuses_a_different_partition_count() -> None:
    transport = make_transport(TopicSpec("fire", 6))
    transport.producer().send("fire", b"kept", partition=0)

    transport.ensure_topics([TopicSpec("fire", 6)])
    assert transport.partition_count("fire") == 6
    assert [m.value for m in drain(transport.reader([TopicPartition("fire", 0)]))] == [b"kept"]
    with pytest.raises(TransportError, match="partitions"):
        transport.ensure_topics([TopicSpec("fire", 3)])


def test_partition_count_of_unknown_topic_raises() -> None:
    with pytest.raises(TransportError):
        make_transport().partition_count("nope")


def test_a_retained_record_costs_its_own_bytes_not_its_producers_buffer() -> None:
    """orjson (3.12+) returns bytes with at least 4 KiB allocated whatever their length; a log that kept the producer's
    objects held twenty times its records' bytes (the embedded default: 1.2 GiB after a simulated week)."""
    import tracemalloc

    import orjson

    transport = make_transport(TopicSpec("fire", 1))
    producer = transport.producer()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(2000):  # each encoded as the simulator and the processor do, then dropped by the producer
            producer.send("fire", orjson.dumps({"sensor_id": f"S-{i}", "temperature_c": 21.5}), key=b"520102")
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert held < 2000 * 400  # about 300 bytes a record; the producer's buffers were 4 KiB each
    messages = drain(transport.reader([TopicPartition("fire", 0)]))
    assert [m.offset for m in messages] == list(range(2000))
    assert orjson.loads(messages[-1].value or b"") == {"sensor_id": "S-1999", "temperature_c": 21.5}


def test_retention_by_bytes_bounds_a_log_of_large_records() -> None:
    """A dead-letter topic fed 64 KiB poison records: count alone would keep 20,000 of them a partition."""
    transport = MemoryTransport(MemoryBroker(retention_records=20_000, retention_bytes=2**20))
    transport.ensure_topics([TopicSpec("deadletter", 1)])
    producer = transport.producer()
    for i in range(200):
        producer.send("deadletter", bytes([i % 256]) * 65536, headers=[("reason", b"too_large")])

    messages = drain(transport.reader([TopicPartition("deadletter", 0)]))

    # At most the bound and a tenth (trimmed in steps, as segments are), at least the bound less one record.
    held = sum(len(m.value or b"") for m in messages)
    assert 2**20 - 65536 <= held <= 2**20 * 11 // 10
    first = messages[0].offset
    assert [m.offset for m in messages] == list(range(first, 200))
    assert messages[-1].value == bytes([199]) * 65536
    assert messages[-1].headers == (("reason", b"too_large"),)
    assert transport.broker.retained()["deadletter"][0] == len(messages)


def test_retention_by_bytes_keeps_the_newest_record_even_if_it_alone_is_larger() -> None:
    transport = MemoryTransport(MemoryBroker(retention_bytes=1000))
    transport.ensure_topics([TopicSpec("deadletter", 1)])
    producer = transport.producer()
    for i in range(3):
        producer.send("deadletter", bytes([i]) * 5000)

    messages = drain(transport.reader([TopicPartition("deadletter", 0)]))

    assert [m.offset for m in messages] == [2]
    assert transport.reader([TopicPartition("deadletter", 0)]).end_offsets() == {TopicPartition("deadletter", 0): 3}


def test_compaction_also_runs_when_the_log_doubles_in_bytes() -> None:
    """Few keys with large values (river models of 30-45 KB) must not wait for 1,024 records to be compacted."""
    transport = MemoryTransport(MemoryBroker(retention_bytes=8 * 2**20))
    transport.ensure_topics([TopicSpec("changelog", 1, compacted=True)])
    producer = transport.producer()
    for i in range(500):
        producer.send("changelog", bytes([i % 256]) * 40_000, key=f"river:G-{i % 4}".encode())

    records, held = transport.broker.retained()["changelog"]

    assert held <= 2 * 2**20 + 40_000 + 1000  # compacted at 1 MiB (an eighth of the bound), then when it doubles
    latest = {m.key: m.value for m in drain(transport.reader([TopicPartition("changelog", 0)]))}
    assert latest == {f"river:G-{k}".encode(): bytes([(496 + k) % 256]) * 40_000 for k in range(4)}
    assert records < 60
