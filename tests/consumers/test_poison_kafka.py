"""The six inputs that once stopped a partition for good (issue 7), through the real broker: each between valid
records of the same partition, one consumer, and every one dead-lettered with its reason while the valid records
around them are applied. Before, each of them crash-looped the consumer on every restart. On both Kafka clients: a
record near the broker's size limit is where clients differ."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kafka.producer import KafkaProducer

from consumers.citypack import CityPack
from consumers.contract import Reading
from consumers.runner import MAX_DEADLETTER_VALUE_BYTES, ConsumerRunner
from consumers.settings import Settings
from consumers.transport import TopicPartition, Transport
from dashboard.state_view import StateView
from tests.conftest import both_clients
from tests.consumers.test_runner_kafka import wait_for
from tests.poison import corpus

pytestmark = [pytest.mark.kafka, both_clients]


def test_every_poison_pill_is_dead_lettered_with_its_reason_and_the_valid_records_around_it_applied(
    kafka_settings: Settings,
    kafka_transport: Transport,
    kafka_bootstrap: str,
    pack: CityPack,
    runner_thread: ConsumerRunner,
    view: StateView,
) -> None:
    camera = pack.sensors["CAM-06"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    poisons = corpus(camera.district, camera.id)
    # A client that may send what the broker accepts (up to its 1 MiB limit), as a misbehaving gateway would.
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, max_request_size=2 * 1024 * 1024)
    try:
        for i, poison in enumerate(poisons):
            good = Reading(
                camera.type, camera.id, camera.district, start + timedelta(minutes=i), {"smoke_confidence": i / 100}
            )
            producer.send(kafka_settings.topics.fire, key=camera.district.encode(), value=good.encode())
            producer.send(kafka_settings.topics.fire, key=poison.key, value=poison.value)
        last = Reading(camera.type, camera.id, camera.district, start + timedelta(minutes=9), {"smoke_confidence": 0.5})
        producer.send(kafka_settings.topics.fire, key=camera.district.encode(), value=last.encode())
        producer.flush(timeout=60)
    finally:
        producer.close()

    wait_for(view, lambda s: (s.sensor(camera.id) or {}).get("values") == {"smoke_confidence": 0.5}, "the last reading")
    stats = view.snapshot.sensor(camera.id)["stats"]["smoke_confidence"]  # type: ignore[index]
    assert stats["n"] == len(poisons) + 1  # every valid record around the poison was applied

    dead: list[Any] = []
    reader = kafka_transport.reader(
        [TopicPartition(kafka_settings.topics.deadletter, p) for p in range(kafka_settings.partitions)]
    )
    try:
        for _ in range(240):
            dead += reader.poll(0.5, 100)
            if len(dead) >= len(poisons):
                break
    finally:
        reader.close()
    headers = [dict(d.headers) for d in dead]
    assert [h["dlq.reason.code"].decode() for h in headers] == [p.code for p in poisons]
    for poison, letter, h in zip(poisons, dead, headers, strict=True):
        assert 0 < len(h["dlq.reason"]) <= 1000, poison.name
        if len(poison.value) > MAX_DEADLETTER_VALUE_BYTES:  # kept in part, and says how long it was
            assert letter.value == poison.value[:MAX_DEADLETTER_VALUE_BYTES]
            assert int(h["dlq.value_truncated_from"]) == len(poison.value)
        else:
            assert letter.value == poison.value, poison.name
    assert runner_thread.processor.deadlettered["internal_error"] == 0
