"""The runner's I/O contract on the in-memory transport: publish, dead-letter, commit, restart and rebuild.

The same scenarios run against the real broker in ``test_runner_kafka.py``.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.runner import ConsumerRunner, abandoned_statuses
from consumers.settings import Settings
from consumers.transport import TopicPartition, topic_specs
from consumers.transport.base import Message, Producer, TransportError
from consumers.transport.memory import MemoryTransport

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def read_all(transport: MemoryTransport, topic: str, partitions: int) -> list:
    reader = transport.reader([TopicPartition(topic, p) for p in range(partitions)])
    out, batch = [], reader.poll(0.0, 100_000)
    while batch:
        out.extend(batch)
        batch = reader.poll(0.0, 100_000)
    return out


def latest_state(transport: MemoryTransport, settings: Settings) -> dict[str, dict]:
    """The state topic as compaction would leave it: the latest value per key, tombstoned keys gone."""
    state: dict[str, dict] = {}
    for m in read_all(transport, settings.topics.state, settings.partitions):
        if m.value is None:
            state.pop(m.key.decode(), None)
        else:
            state[m.key.decode()] = json.loads(m.value)
    return state


def start(settings: Settings, transport: MemoryTransport, pack: CityPack, clock: ManualClock) -> ConsumerRunner:
    transport.ensure_topics(topic_specs(settings))
    runner = ConsumerRunner(settings, transport, pack, clock, client_id="test")
    runner.open()
    return runner


def send_gauge(transport: MemoryTransport, settings: Settings, pack: CityPack, stage: float, minutes: int) -> None:
    spec = pack.sensors["NM-02"]
    reading = Reading("river.gauge", spec.id, spec.district, T0 + timedelta(minutes=minutes), {"stage_m": stage})
    # A sensor gateway's own producer: it reaches the log even while the consumer's cannot (FlakyBroker).
    MemoryTransport.producer(transport).send(settings.topics.river, reading.encode(), key=spec.district.encode())


def test_bad_record_goes_to_the_dead_letter_topic_with_its_bytes_reason_and_origin(
    settings: Settings, pack: CityPack
) -> None:
    transport, clock = MemoryTransport(), ManualClock(T0)
    runner = start(settings, transport, pack, clock)
    district = pack.sensors["NM-02"].district.encode()
    send_gauge(transport, settings, pack, 1.0, 0)
    transport.producer().send(settings.topics.river, b'{"schema": 1, "broken', key=district)
    send_gauge(transport, settings, pack, 1.4, 5)
    runner.step(timeout_s=0.1)
    runner.flush()

    (dead,) = read_all(transport, settings.topics.deadletter, settings.partitions)
    headers = dict(dead.headers)
    assert dead.value == b'{"schema": 1, "broken' and dead.key == district
    assert headers["dlq.reason.code"] == b"malformed_json"
    assert headers["dlq.topic"] == settings.topics.river.encode()
    assert int(headers["dlq.offset"]) == 1
    state = latest_state(transport, settings)
    assert state["sensor:NM-02"]["values"]["stage_m"] == 1.4
    assert state["consumer:test"]["deadlettered"] == {"malformed_json": 1}
    committed = transport.broker.committed(settings.consumer_group)
    assert sum(committed.values()) == 3


def test_a_restarted_consumer_rebuilds_its_state_from_the_changelog(settings: Settings, pack: CityPack) -> None:
    transport, clock = MemoryTransport(), ManualClock(T0)
    first = start(settings, transport, pack, clock)
    clock.set(T0 + timedelta(minutes=20))
    for i in range(5):
        send_gauge(transport, settings, pack, 1.0 + i / 10, 5 * i)
    first.step(timeout_s=0.1)
    first.flush()
    before = first.processor.sensors["NM-02"].view()
    first.close()

    second = start(settings, transport, pack, clock)
    clock.set(T0 + timedelta(minutes=25))
    send_gauge(transport, settings, pack, 2.0, 25)
    second.step(timeout_s=0.1)
    second.flush()
    after = second.processor.sensors["NM-02"]
    assert second.restore_total > 0 and second.restore_done == second.restore_total
    # The window continues where the first process left off: old samples plus the new one.
    assert after.windows["stage_m"].values == [1.0, 1.1, 1.2, 1.3, 1.4, 2.0]
    assert before["stats"]["stage_m"]["n"] == 5 and after.view()["stats"]["stage_m"]["n"] == 6
    assert second.processor.replayed == 0  # committed offsets mean nothing is delivered twice here


def _status(client_id: str, updated: datetime) -> bytes:
    return json.dumps({"kind": "consumer", "id": client_id, "updated_at": updated.isoformat()}).encode()


def test_only_statuses_not_updated_for_an_hour_are_abandoned() -> None:
    now = datetime(2026, 7, 1, 12, tzinfo=UTC)
    records = [
        Message("state", 0, 0, b"consumer:crashed", _status("crashed", now - timedelta(hours=3))),
        Message("state", 1, 0, b"consumer:alive", _status("alive", now - timedelta(seconds=5))),
        Message("state", 2, 0, b"consumer:restarted", _status("restarted", now - timedelta(hours=3))),
        Message("state", 2, 1, b"consumer:restarted", _status("restarted", now - timedelta(minutes=1))),
        Message("state", 3, 0, b"consumer:closed", _status("closed", now - timedelta(hours=3))),
        Message("state", 3, 1, b"consumer:closed", None),
        Message("state", 4, 0, b"consumer:garbled", b"{not json"),
        Message("state", 5, 0, b"sensor:NM-01", _status("not a consumer", now - timedelta(days=3))),
    ]
    assert abandoned_statuses(records, now.timestamp(), 3600.0) == [b"consumer:crashed", b"consumer:garbled"]


def test_a_starting_consumer_removes_the_status_of_one_that_died_without_closing(
    settings: Settings, pack: CityPack
) -> None:
    transport, clock = MemoryTransport(), ManualClock(T0)
    transport.ensure_topics(topic_specs(settings))
    producer = transport.producer()
    wall = datetime.now(UTC)
    producer.send(settings.topics.state, _status("killed", wall - timedelta(hours=2)), key=b"consumer:killed")
    producer.send(settings.topics.state, _status("other", wall), key=b"consumer:other")

    runner = start(settings, transport, pack, clock)
    runner.step(timeout_s=0.1)
    runner.flush()

    state = latest_state(transport, settings)
    assert "consumer:killed" not in state
    assert "consumer:other" in state and "consumer:test" in state


class FlakyProducer:
    """A memory producer behind a switch: while the broker is "down", nothing sent is kept and flush fails,
    as kafka-python's flush does when no broker acknowledges."""

    def __init__(self, inner: Producer, broker: FlakyBroker) -> None:
        self.inner, self.broker, self.held = inner, broker, []

    def send(self, topic, value, key=None, partition=None, headers=(), best_effort=False) -> None:
        self.held.append((topic, value, key, partition, headers))

    def flush(self, timeout_s: float = 30.0) -> None:
        if self.broker.down:
            self.held.clear()
            raise TransportError("KafkaTimeoutError: no broker acknowledged")
        for topic, value, key, partition, headers in self.held:
            self.inner.send(topic, value, key=key, partition=partition, headers=headers)
        self.held.clear()

    def close(self, timeout_s: float = 10.0) -> None:
        self.held.clear()


class FlakyBroker(MemoryTransport):
    """The in-memory transport with an outage switch on its producers (consumers and readers stay up)."""

    down = False

    def producer(self) -> FlakyProducer:  # type: ignore[override]
        if self.down:
            raise TransportError("NoBrokersAvailable")
        return FlakyProducer(super().producer(), self)


def test_a_broker_outage_is_waited_out_with_state_kept_and_nothing_committed_or_lost(
    settings: Settings, pack: CityPack
) -> None:
    transport, clock = FlakyBroker(), ManualClock(T0 + timedelta(minutes=30))
    runner = start(settings, transport, pack, clock)
    district = pack.sensors["NM-02"].district.encode()
    send_gauge(transport, settings, pack, 1.0, 0)
    runner.step(timeout_s=0.1)
    runner.flush()
    committed_before = dict(transport.broker.committed(settings.consumer_group))

    transport.down = True
    send_gauge(transport, settings, pack, 1.2, 5)
    MemoryTransport.producer(transport).send(settings.topics.river, b"not json", key=district)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while runner.failed_attempts < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runner.failed_attempts >= 4 and runner.broker_unreachable_since is not None
    assert thread.is_alive(), "the consumer must not exit while the broker is away"
    assert transport.broker.committed(settings.consumer_group) == committed_before
    assert runner.processor.sensors["NM-02"].values == {"stage_m": 1.2}  # state kept in memory

    transport.down = False
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and latest_state(transport, settings).get("sensor:NM-02", {}).get("values") != {
        "stage_m": 1.2
    }:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    state = latest_state(transport, settings)
    assert state["sensor:NM-02"]["values"] == {"stage_m": 1.2}
    (dead,) = read_all(transport, settings.topics.deadletter, settings.partitions)
    assert dead.value == b"not json"  # the dead letter held through the outage was delivered afterwards
    assert sum(transport.broker.committed(settings.consumer_group).values()) == 3
    assert runner.broker_unreachable_since is None and runner.outages == 1


def test_a_consumer_that_has_caught_up_publishes_at_once_not_at_the_end_of_its_flush_interval(pack: CityPack) -> None:
    """A minute's flush interval batches a backlog; a reading that arrives when there is no backlog is visible
    within a fraction of a second all the same."""
    settings = Settings(flush_interval_s=60.0)
    transport, clock = MemoryTransport(), ManualClock(T0 + timedelta(minutes=1))
    runner = start(settings, transport, pack, clock)
    runner.step(timeout_s=0.0)
    runner.flush()
    send_gauge(transport, settings, pack, 1.7, 0)
    deadline = time.monotonic() + 10
    while "sensor:NM-02" not in latest_state(transport, settings) and time.monotonic() < deadline:
        runner.step(timeout_s=0.05)
    # Within the ten seconds waited, where the flush interval alone would have taken a minute.
    assert latest_state(transport, settings)["sensor:NM-02"]["values"]["stage_m"] == 1.7
