"""Shared fixtures: the real Guiyang pack, a fresh topic namespace per test, the real broker and Chromium.

Tests that need the broker or the browser skip when run by hand without them, but ``make test`` sets
``CITYOPS_REQUIRE_ALL_TESTS=1`` and then a missing broker or browser fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import pytest
from kafka.producer import KafkaProducer
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from consumers.citypack import CityPack, landmarks_only, load_city_pack
from consumers.clock import SystemClock
from consumers.runner import ConsumerRunner
from consumers.settings import Settings, Topics
from consumers.transport import Transport, open_transport, topic_specs
from dashboard.state_view import StateView
from tests.chromium import chromium_options

REPO = Path(__file__).resolve().parent.parent
GUIYANG = REPO / "assets" / "city" / "guiyang"


@pytest.fixture(scope="session")
def landmark_pack(pack: CityPack) -> CityPack:
    return landmarks_only(pack)


def _unavailable(what: str) -> None:
    if os.environ.get("CITYOPS_REQUIRE_ALL_TESTS") == "1":
        pytest.fail(f"{what} is required by make test but is not available")
    pytest.skip(f"{what} not available (run make test)")


@pytest.fixture(scope="session")
def pack() -> CityPack:
    return load_city_pack(GUIYANG)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded settings with a topic prefix, group and accounts file of their own, so tests never see each
    other's data."""
    tag = uuid.uuid4().hex[:8]
    return replace(
        Settings(),
        topics=Topics(f"t{tag}"),
        consumer_group=f"g{tag}",
        flush_interval_s=0.1,
        users_db=tmp_path / "users.sqlite",
    )


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    bootstrap = os.environ.get("KAFKA_TEST_BOOTSTRAP")
    if not bootstrap:
        _unavailable("the Kafka broker (KAFKA_TEST_BOOTSTRAP)")
    assert bootstrap is not None
    return bootstrap


KAFKA_CLIENTS = ("kafka-python", "confluent")
both_clients = pytest.mark.parametrize("kafka_client", KAFKA_CLIENTS)
"""Runs a broker test once per Kafka client (``CITYOPS_KAFKA_CLIENT``): the transport contract and the runner's
end-to-end tests run on both; the rest of the suite on the default, kafka-python."""


@pytest.fixture
def kafka_client() -> str:
    """The Kafka client of ``kafka_settings`` and ``kafka_transport``; ``@both_clients`` overrides it."""
    return "kafka-python"


@pytest.fixture
def kafka_settings(settings: Settings, kafka_bootstrap: str, kafka_client: str) -> Settings:
    if kafka_client == "confluent":
        try:
            import confluent_kafka  # noqa: F401
        except ImportError:
            _unavailable("confluent-kafka (requirements-dev.txt installs it)")
    return replace(settings, kafka_bootstrap_servers=kafka_bootstrap, kafka_client=kafka_client)


class SaslListener(NamedTuple):
    bootstrap: str
    username: str
    password: str


@pytest.fixture(scope="session")
def kafka_sasl() -> SaslListener:
    """The test broker's SASL_PLAINTEXT listener with SCRAM users (``KAFKA_SASL_PORT`` in kafka/broker.sh)."""
    names = ("KAFKA_TEST_SASL_BOOTSTRAP", "KAFKA_TEST_SASL_USERNAME", "KAFKA_TEST_SASL_PASSWORD")
    values = [os.environ.get(name, "") for name in names]
    if not all(values):
        _unavailable(f"the Kafka broker's SASL listener ({', '.join(names)})")
    return SaslListener(*values)


@pytest.fixture(scope="session")
def chromedriver_path() -> str:
    path = shutil.which("chromedriver")
    if path is None or shutil.which("chromium") is None:
        _unavailable("chromium and chromedriver")
    assert path is not None
    return path


@pytest.fixture
def browser(chromedriver_path: str) -> Iterator[webdriver.Chrome]:
    """Debian's headless Chromium at a wall's size (1920x1080), with a profile of its own and its console kept."""
    driver = new_chromium(chromedriver_path)
    yield driver
    driver.quit()


@pytest.fixture
def second_browser(chromedriver_path: str) -> Iterator[webdriver.Chrome]:
    """Another person's Chromium, with a profile of its own (nothing shared with ``browser``)."""
    driver = new_chromium(chromedriver_path)
    yield driver
    driver.quit()


def new_chromium(chromedriver_path: str) -> webdriver.Chrome:
    options = chromium_options(tempfile.mkdtemp(prefix="cityops-chromium-"))
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for CSP checks
    return webdriver.Chrome(service=Service(chromedriver_path), options=options)


@pytest.fixture
def kafka_transport(kafka_settings: Settings) -> Transport:
    """A transport of ``kafka_client`` on the test broker with this test's topics created."""
    transport = open_transport(replace(kafka_settings, client_id="test"))
    transport.ensure_topics(topic_specs(kafka_settings))
    return transport


@pytest.fixture
def producer(kafka_bootstrap: str) -> Iterator[KafkaProducer]:
    """A plain kafka-python producer: what any sensor gateway would use."""
    p = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    yield p
    p.close()


@pytest.fixture
def view(kafka_settings: Settings, kafka_transport: Transport) -> Iterator[StateView]:
    v = StateView(kafka_settings, kafka_transport).start()
    yield v
    v.stop()


@pytest.fixture
def runner_thread(kafka_settings: Settings, kafka_transport: Transport, pack: CityPack) -> Iterator[ConsumerRunner]:
    """A consumer group member running in this process, stopped (flushed and committed) after the test."""
    runner = ConsumerRunner(kafka_settings, kafka_transport, pack, SystemClock(), client_id="in-test")
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    yield runner
    stop.set()
    thread.join(timeout=30)
