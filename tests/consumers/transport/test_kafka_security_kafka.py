"""SASL/SCRAM against the real broker's SASL_PLAINTEXT listener (``KAFKA_SASL_PORT`` in kafka/broker.sh).

The product's own pieces sign in, on both of its Kafka clients (``CITYOPS_KAFKA_CLIENT``): the consumer runner
reads a record a gateway produced over SASL and publishes the state, which the dashboard's ``StateView`` reads back
over SASL. A wrong password stops the consumer process with an error that says so, instead of being waited out like
a broker outage.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka.producer import KafkaProducer

from consumers.citypack import CityPack
from consumers.clock import SystemClock
from consumers.contract import Reading
from consumers.kafka_security import KafkaSecurity
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import open_transport, topic_specs
from dashboard.state_view import StateSnapshot, StateView
from tests.conftest import SaslListener, both_clients

pytestmark = [pytest.mark.kafka, both_clients]
REPO = Path(__file__).resolve().parents[3]


def sasl_env(listener: SaslListener, mechanism: str, password: str) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": listener.bootstrap,
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": mechanism,
        "KAFKA_SASL_USERNAME": listener.username,
        "KAFKA_SASL_PASSWORD": password,
    }


@pytest.fixture
def scram_settings(settings: Settings, kafka_sasl: SaslListener, kafka_client: str) -> Settings:
    security = KafkaSecurity.from_env(sasl_env(kafka_sasl, "SCRAM-SHA-512", kafka_sasl.password))
    return replace(
        settings, kafka_bootstrap_servers=kafka_sasl.bootstrap, kafka_security=security, kafka_client=kafka_client
    )


@pytest.fixture
def gateway(scram_settings: Settings) -> Iterator[KafkaProducer]:
    """A sensor gateway's plain kafka-python producer, signed in with the same options the product uses."""
    p = KafkaProducer(
        bootstrap_servers=scram_settings.kafka_bootstrap_servers, **scram_settings.kafka_security.client_config()
    )
    yield p
    p.close()


def test_over_scram_sha_512_a_record_is_consumed_and_its_state_read_back(
    scram_settings: Settings, pack: CityPack, gateway: KafkaProducer
) -> None:
    transport = open_transport(scram_settings)
    transport.ensure_topics(topic_specs(scram_settings))
    runner = ConsumerRunner(scram_settings, transport, pack, SystemClock(), client_id="sasl-test")
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    view = StateView(scram_settings, transport).start()
    try:
        spec = pack.sensors["NM-03"]
        reading = Reading("river.gauge", spec.id, spec.district, datetime.now(UTC), {"stage_m": 3.6})
        gateway.send(scram_settings.topics.river, key=spec.district.encode(), value=reading.encode()).get(timeout=30)

        def published(snapshot: StateSnapshot) -> bool:
            doc = snapshot.sensor("NM-03")
            return doc is not None and doc["values"].get("stage_m") == 3.6

        assert view.wait_until(published, 60), "NM-03 at 3.6 m never reached the state view over SASL"
        assert view.snapshot.sensor("NM-03")["level"] == "warning"
    finally:
        stop.set()
        thread.join(timeout=30)
        view.stop()


def test_scram_sha_256_signs_in_too(settings: Settings, kafka_sasl: SaslListener, kafka_client: str) -> None:
    security = KafkaSecurity.from_env(sasl_env(kafka_sasl, "SCRAM-SHA-256", kafka_sasl.password))
    sasl = replace(settings, kafka_bootstrap_servers=kafka_sasl.bootstrap, kafka_security=security)
    transport = open_transport(replace(sasl, kafka_client=kafka_client))
    transport.ensure_topics(topic_specs(settings))
    assert transport.partition_count(settings.topics.state) == settings.partitions


def test_a_wrong_password_stops_the_consumer_process_with_a_clear_error(
    settings: Settings, kafka_sasl: SaslListener, kafka_client: str
) -> None:
    wrong = f"wrong-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        **sasl_env(kafka_sasl, "SCRAM-SHA-512", wrong),
        "CITYOPS_TOPIC_PREFIX": settings.topics.prefix,
        "CITYOPS_CONSUMER_GROUP": settings.consumer_group,
        "CITYOPS_KAFKA_CLIENT": kafka_client,
    }
    # kafka-python gives up bootstrapping after 30 s; a process that waits it out for ever would hit the timeout.
    done = subprocess.run(
        [sys.executable, "-m", "consumers"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    said = f"refused the connection over SASL_PLAINTEXT (SCRAM-SHA-512 as {kafka_sasl.username!r})"
    assert said in done.stderr, done.stderr[-3000:]
    assert "check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD" in done.stderr
    assert wrong not in done.stderr + done.stdout
