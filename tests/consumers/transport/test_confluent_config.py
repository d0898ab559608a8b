"""The confluent-kafka transport's clients get the settings' security as librdkafka's options (no broker needed)."""

from __future__ import annotations

from pathlib import Path

from consumers.kafka_security import KafkaSecurity, Secret
from consumers.settings import Settings
from consumers.transport import open_transport
from consumers.transport.confluent import ConfluentTransport, client_config

SCRAM = KafkaSecurity("SASL_SSL", "SCRAM-SHA-512", "cityops-web", Secret("pw"))


def test_sasl_and_tls_become_librdkafka_options() -> None:
    assert client_config(SCRAM) == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "cityops-web",
        "sasl.password": "pw",
        "ssl.ca.location": "probe",  # no CA file: the system's trust store, as kafka-python
        "ssl.endpoint.identification.algorithm": "https",
    }


def test_client_certificates_and_a_hostname_check_turned_off() -> None:
    security = KafkaSecurity(
        "SSL",
        ssl_cafile=Path("/ca.pem"),
        ssl_certfile=Path("/client.pem"),
        ssl_keyfile=Path("/client.key"),
        ssl_key_password=Secret("kp"),
        ssl_check_hostname=False,
    )
    assert client_config(security) == {
        "security.protocol": "SSL",
        "ssl.ca.location": "/ca.pem",
        "ssl.endpoint.identification.algorithm": "none",
        "ssl.certificate.location": "/client.pem",
        "ssl.key.location": "/client.key",
        "ssl.key.password": "kp",
    }


def test_plaintext_is_the_default() -> None:
    assert client_config(KafkaSecurity()) == {"security.protocol": "PLAINTEXT"}


def test_open_transport_chooses_confluent_by_the_setting_and_passes_the_security() -> None:
    transport = open_transport(
        Settings(kafka_bootstrap_servers="k1:9094", kafka_security=SCRAM, kafka_client="confluent")
    )
    assert isinstance(transport, ConfluentTransport) and transport.security is SCRAM
    assert transport._config("web")["sasl.username"] == "cityops-web"
