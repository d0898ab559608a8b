"""The kcat command of docs/telemetry.md, run against the real broker: with the partitioner setting the doc
gives, a librdkafka client's record reaches its district's consumer; without it, the record lands in another
partition and is dead-lettered as ``wrong_partition`` instead of silently splitting the district."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import TopicPartition
from consumers.transport.kafka import KafkaTransport
from dashboard.state_view import StateView
from tests.conftest import _unavailable
from tests.consumers.test_runner_kafka import wait_for

pytestmark = pytest.mark.kafka
DOC = Path(__file__).resolve().parents[2] / "docs" / "telemetry.md"


def documented_command() -> str:
    bash = re.findall(r"```bash\n(.*?)\n```", DOC.read_text(), flags=re.DOTALL)
    (command,) = [block for block in bash if "kcat" in block]
    return command


def run_kcat(command: str, settings: Settings, event_time: datetime) -> None:
    assert settings.kafka_bootstrap_servers is not None
    command = (
        command.replace("127.0.0.1:9092", settings.kafka_bootstrap_servers)
        .replace("-t city.fire", f"-t {settings.topics.fire}")
        .replace("2026-07-01T08:00:00+08:00", event_time.isoformat())
    )
    subprocess.run(["bash", "-c", command], check=True, timeout=60, capture_output=True)


def test_the_documented_kcat_command_is_consumed_and_without_its_setting_is_dead_lettered(
    kafka_settings: Settings, kafka_transport: KafkaTransport, runner_thread: ConsumerRunner, view: StateView
) -> None:
    if shutil.which("kcat") is None:
        _unavailable("kcat (apt-get install kcat)")
    command = documented_command()
    assert "-X partitioner=murmur2_random" in command
    first = datetime.now(UTC).replace(microsecond=0)
    run_kcat(command, kafka_settings, first)
    wait_for(
        view,
        lambda s: (s.sensor("CAM-06") or {}).get("event_time") == first.isoformat(),
        "CAM-06's reading sent by kcat",
    )

    later = first + timedelta(seconds=1)
    run_kcat(command.replace(" -X partitioner=murmur2_random", ""), kafka_settings, later)
    reader = kafka_transport.reader(
        [TopicPartition(kafka_settings.topics.deadletter, p) for p in range(kafka_settings.partitions)]
    )
    dead = []
    try:
        for _ in range(120):
            dead += reader.poll(0.5, 100)
            if dead:
                break
    finally:
        reader.close()
    assert len(dead) == 1, dead
    headers = dict(dead[0].headers)
    assert headers["dlq.reason.code"] == b"wrong_partition"
    assert json.loads(dead[0].value)["sensor_id"] == "CAM-06" and dead[0].partition == 4
    assert (view.snapshot.sensor("CAM-06") or {}).get("event_time") == first.isoformat()
