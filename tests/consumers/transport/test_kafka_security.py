"""Every kafka-python client the transport makes gets the same security options (no broker needed)."""

from __future__ import annotations

from typing import Any

import pytest

import consumers.transport.kafka as kafka_module
from consumers.kafka_security import KafkaSecurity, Secret
from consumers.settings import Settings
from consumers.transport import open_transport
from consumers.transport.base import TopicPartition
from consumers.transport.kafka import KafkaTransport

SCRAM = KafkaSecurity("SASL_PLAINTEXT", "SCRAM-SHA-256", "cityops-web", Secret("pw"))


class FakeClient:
    """Stands in for KafkaProducer, KafkaConsumer and KafkaAdminClient: records how it was made."""

    made: list[dict[str, Any]]

    def __init__(self, **config: Any) -> None:
        self.made.append(config)

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    monkeypatch.setattr(FakeClient, "made", made, raising=False)
    for name in ("KafkaProducer", "KafkaConsumer", "KafkaAdminClient"):
        monkeypatch.setattr(kafka_module, name, FakeClient)
    return made


class NoListener:
    def on_assigned(self, partitions: set[TopicPartition]) -> None: ...

    def on_revoked(self, partitions: set[TopicPartition]) -> None: ...


def test_producer_group_consumer_reader_and_admin_all_sign_in(made: list[dict[str, Any]]) -> None:
    transport = KafkaTransport("k1:9094", client_id="web", security=SCRAM)
    transport.producer()
    transport.group_consumer(["t.river"], "g", NoListener(), "web-1")
    transport.reader([TopicPartition("t.state", 0)])
    transport._admin()
    assert len(made) == 4
    for config in made:
        assert config["bootstrap_servers"] == "k1:9094"
        assert config["security_protocol"] == "SASL_PLAINTEXT"
        assert config["sasl_mechanism"] == "SCRAM-SHA-256"
        assert config["sasl_plain_username"] == "cityops-web" and config["sasl_plain_password"] == "pw"


def test_the_old_two_argument_form_stays_plaintext(made: list[dict[str, Any]]) -> None:
    KafkaTransport("k1:9092", client_id="test").producer()
    assert made[0]["security_protocol"] == "PLAINTEXT" and "sasl_mechanism" not in made[0]


def test_open_transport_passes_the_settings_security() -> None:
    transport = open_transport(Settings(kafka_bootstrap_servers="k1:9094", kafka_security=SCRAM))
    assert isinstance(transport, KafkaTransport) and transport.security is SCRAM
