"""kafka-python's producer adapter on the real broker: what it holds between two flushes."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from consumers.settings import Settings
from consumers.transport import TopicPartition, TopicSpec, open_transport
from consumers.transport.kafka import KafkaProducerAdapter

pytestmark = pytest.mark.kafka


def test_records_the_broker_answered_are_let_go_before_the_flush(kafka_settings: Settings) -> None:
    """A producer that sends for a long time without a flush (a simulator catching up after it fell behind) holds
    only the records still in flight, not every record since its last flush; the flush still proves all landed."""
    transport = open_transport(replace(kafka_settings, client_id="in-flight"))
    topic = f"{kafka_settings.topics.prefix}.in-flight"
    transport.ensure_topics([TopicSpec(topic, 3)])
    producer = transport.producer()
    assert isinstance(producer, KafkaProducerAdapter)
    sent = 0
    for i in range(20_000):
        producer.send(topic, b"x" * 100, key=str(i % 50).encode())
        sent += 1
    deadline = time.monotonic() + 60
    while producer.in_flight > 100 and time.monotonic() < deadline:  # keep sending, as a catching-up producer does
        producer.send(topic, b"y", key=b"k")
        sent += 1
        time.sleep(0.01)
    assert producer.in_flight <= 100, f"{producer.in_flight} of {sent} records held without a flush"
    producer.flush()
    reader = transport.reader([TopicPartition(topic, p) for p in range(3)])
    ends = reader.end_offsets()
    reader.close()
    assert sum(ends.values()) == sent
    producer.close()
