"""Transports: Kafka and an in-memory stand-in behind one small interface (DESIGN principle 1)."""

from __future__ import annotations

from consumers.settings import Settings
from consumers.transport.base import (
    GroupConsumer,
    Message,
    PartitionReader,
    Producer,
    RebalanceListener,
    TopicPartition,
    TopicSpec,
    Transport,
)


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic the product uses. Inputs, changelog and state share one partition count (co-partitioned)."""
    n = settings.partitions
    t = settings.topics
    specs = [TopicSpec(name, n) for name in t.inputs]
    specs.append(TopicSpec(t.changelog, n, compacted=True))
    specs.append(TopicSpec(t.state, n, compacted=True))
    specs.append(TopicSpec(t.deadletter, n))
    specs.append(TopicSpec(t.actions, n))
    specs.append(TopicSpec(t.alarms, n, compacted=True))
    return specs


def open_transport(settings: Settings) -> Transport:
    """Kafka when ``KAFKA_BOOTSTRAP_SERVERS`` is set, otherwise the embedded in-memory broker.

    The Kafka client is kafka-python unless ``CITYOPS_KAFKA_CLIENT=confluent`` (confluent-kafka, optional): each is
    imported only when chosen.
    """
    if settings.embedded:
        from consumers.transport.memory import MemoryTransport

        return MemoryTransport()
    assert settings.kafka_bootstrap_servers is not None
    if settings.kafka_client == "confluent":
        from consumers.transport.confluent import ConfluentTransport

        return ConfluentTransport(
            settings.kafka_bootstrap_servers, client_id=settings.client_id, security=settings.kafka_security
        )
    from consumers.transport.kafka import KafkaTransport

    return KafkaTransport(
        settings.kafka_bootstrap_servers, client_id=settings.client_id, security=settings.kafka_security
    )


__all__ = [
    "GroupConsumer",
    "Message",
    "PartitionReader",
    "Producer",
    "RebalanceListener",
    "TopicPartition",
    "TopicSpec",
    "Transport",
    "open_transport",
    "topic_specs",
]
