"""The consumer process against the real Kafka broker: what crosses Kafka is tested through Kafka.

Records are produced by a plain kafka-python producer (any client would do), the consumers run as real
``python -m consumers`` processes where process boundaries matter (kill, restart, two members), and the
state is read back through the dashboard's own ``StateView``. Every test runs once per Kafka client of the
product (``CITYOPS_KAFKA_CLIENT``: kafka-python and confluent-kafka), consumers and state view alike.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka.consumer import KafkaConsumer
from kafka.producer import KafkaProducer

from consumers.citypack import CityPack
from consumers.clock import SystemClock
from consumers.contract import Reading
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import Transport
from dashboard.state_view import StateSnapshot, StateView
from tests.conftest import both_clients

pytestmark = [pytest.mark.kafka, both_clients]
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOW = datetime.now(UTC).replace(microsecond=0)
LOG_DIR = Path(tempfile.mkdtemp(prefix="cityops-consumers-"))


def gauge_json(pack: CityPack, sensor_id: str, stage: float, at: datetime) -> bytes:
    spec = pack.sensors[sensor_id]
    return Reading("river.gauge", spec.id, spec.district, at, {"stage_m": stage}).encode()


def send(producer: KafkaProducer, topic: str, key: str, value: bytes) -> None:
    producer.send(topic, key=key.encode(), value=value).get(timeout=30)


def wait_for(view: StateView, predicate: Callable[[StateSnapshot], bool], what: str, timeout_s: float = 60) -> None:
    if not view.wait_until(predicate, timeout_s):
        s = view.snapshot
        consumers = {k: (d.get("phase"), d.get("partitions")) for k, d in s.of_kind("consumer").items()}
        raise AssertionError(
            f"timed out after {timeout_s} s waiting for {what}; view version {s.version}, "
            f"{len(s.entities)} entities, caught up {s.caught_up}, consumers {consumers}"
        )


def stage_of(snapshot: StateSnapshot, sensor_id: str) -> Any:
    doc = snapshot.sensor(sensor_id)
    return None if doc is None else doc["values"].get("stage_m")


def test_a_record_from_a_plain_client_shows_up_in_the_state(
    kafka_settings: Settings, pack: CityPack, producer: KafkaProducer, view: StateView, runner_thread: ConsumerRunner
) -> None:
    spec = pack.sensors["NM-03"]
    send(producer, kafka_settings.topics.river, spec.district, gauge_json(pack, "NM-03", 3.6, NOW))
    wait_for(view, lambda s: stage_of(s, "NM-03") == 3.6, "NM-03 at 3.6 m")
    snapshot = view.snapshot
    assert snapshot.sensor("NM-03")["level"] == "warning"
    district = snapshot.district(spec.district)
    assert district is not None and district["worst_sensor"] == "NM-03" and district["risk"] >= 60


def test_a_bad_record_is_dead_lettered_with_its_reason_and_the_next_good_one_is_processed(
    kafka_settings: Settings,
    kafka_bootstrap: str,
    pack: CityPack,
    producer: KafkaProducer,
    view: StateView,
    runner_thread: ConsumerRunner,
) -> None:
    spec = pack.sensors["NM-03"]
    bad = json.dumps(
        {
            "schema": 1,
            "type": "river.gauge",
            "sensor_id": "NM-03",
            "district": spec.district,
            "event_time": NOW.isoformat(),
            "stage_m": -50,
        }
    ).encode()
    send(producer, kafka_settings.topics.river, spec.district, bad)
    send(producer, kafka_settings.topics.river, spec.district, gauge_json(pack, "NM-03", 1.3, NOW))
    wait_for(view, lambda s: stage_of(s, "NM-03") == 1.3, "the good record after the bad one")

    dlq = KafkaConsumer(
        kafka_settings.topics.deadletter,
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=20_000,
    )
    try:
        record = next(iter(dlq))
    finally:
        dlq.close()
    headers = dict(record.headers)
    assert record.value == bad
    assert headers["dlq.reason.code"] == b"out_of_range"
    assert b"stage_m=-50" in headers["dlq.reason"]
    assert headers["dlq.topic"] == kafka_settings.topics.river.encode() and headers["dlq.offset"] == b"0"


def consumer_process(settings: Settings, client_id: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": str(settings.kafka_bootstrap_servers),
        "CITYOPS_TOPIC_PREFIX": settings.topics.prefix,
        "CITYOPS_CONSUMER_GROUP": settings.consumer_group,
        "CITYOPS_CLIENT_ID": client_id,
        "CITYOPS_FLUSH_INTERVAL_S": "0.2",
        "CITYOPS_KAFKA_CLIENT": settings.kafka_client,
    }
    log = open(LOG_DIR / f"{client_id}.log", "wb")  # noqa: SIM115 - the process owns it until it exits
    return subprocess.Popen([sys.executable, "-m", "consumers"], cwd=REPO, env=env, stdout=log, stderr=log)


def consumer_docs(snapshot: StateSnapshot, prefix: str) -> list[dict[str, Any]]:
    return [dict(d) for k, d in snapshot.of_kind("consumer").items() if k.startswith(prefix)]


def test_a_killed_consumer_is_restarted_and_rebuilds_the_same_state(
    kafka_settings: Settings, pack: CityPack, producer: KafkaProducer, view: StateView
) -> None:
    spec = pack.sensors["NM-04"]
    first = consumer_process(kafka_settings, "victim")
    try:
        for i in range(6):
            at = NOW - timedelta(minutes=30) + timedelta(minutes=5 * i)
            send(producer, kafka_settings.topics.river, spec.district, gauge_json(pack, "NM-04", 1.0 + i / 10, at))
        wait_for(
            view,
            lambda s: (s.sensor("NM-04") or {}).get("stats", {}).get("stage_m", {}).get("n") == 6,
            "six samples in NM-04's window",
        )
        before = dict(view.snapshot.sensor("NM-04") or {})
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    second = consumer_process(kafka_settings, "phoenix")
    try:
        send(producer, kafka_settings.topics.river, spec.district, gauge_json(pack, "NM-04", 1.6, NOW))
        wait_for(view, lambda s: stage_of(s, "NM-04") == 1.6, "the restarted consumer to process a new record", 90)
        after = view.snapshot.sensor("NM-04") or {}
        # Same history as before the kill, plus the one new sample: nothing lost, nothing counted twice.
        assert after["stats"]["stage_m"]["n"] == before["stats"]["stage_m"]["n"] + 1 == 7
        assert after["stats"]["stage_m"]["min"] == before["stats"]["stage_m"]["min"] == 1.0
        phoenix = consumer_docs(view.snapshot, "phoenix")
        assert phoenix and phoenix[0]["restore"]["total"] > 0
        assert phoenix[0]["restore"]["done"] == phoenix[0]["restore"]["total"]
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0, (LOG_DIR / "phoenix.log").read_text()[-3000:]


def test_two_consumer_processes_split_the_partitions(
    kafka_settings: Settings, pack: CityPack, producer: KafkaProducer, view: StateView
) -> None:
    members = [consumer_process(kafka_settings, f"member-{i}") for i in range(2)]
    try:

        def split(s: StateSnapshot) -> bool:
            # Each member reports its own partitions; after the rebalance they cover all, each exactly once.
            docs = consumer_docs(s, "member-")
            owned = [set(d["partitions"]) for d in docs if d["phase"] == "running"]
            return (
                len(owned) == 2
                and all(owned)
                and owned[0].isdisjoint(owned[1])
                and owned[0] | owned[1] == set(range(kafka_settings.partitions))
            )

        wait_for(view, split, "the two members to split the partitions between them", 90)

        # Every district's records are handled by exactly one of them, and all of them are handled.
        for code in pack.districts:
            spec = pack.sensors_in_district(code)[0]
            body = {
                "schema": 1,
                "type": spec.type,
                "sensor_id": spec.id,
                "district": code,
                "event_time": NOW.isoformat(),
            }
            body.update(_normal_values(spec.type))
            send(producer, _topic(kafka_settings, spec.type), code, json.dumps(body).encode())
        wait_for(
            view,
            lambda s: all(s.sensor(pack.sensors_in_district(c)[0].id) for c in pack.districts),
            "one sensor of every district",
            60,
        )
    finally:
        for m in members:
            m.send_signal(signal.SIGTERM)
        for m in members:
            m.wait(timeout=60)


def _topic(settings: Settings, sensor_type: str) -> str:
    return settings.topics.for_domain(sensor_type.split(".", 1)[0])


def _normal_values(sensor_type: str) -> dict[str, Any]:
    return {
        "river.gauge": {"stage_m": 1.0},
        "fire.camera": {"smoke_confidence": 0.05},
        "fire.smoke_detector": {"obscuration_pct_per_m": 0.05},
        "fire.heat_detector": {"temperature_c": 22.0},
        "fire.sprinkler": {"pressure_mpa": 0.3},
        "fire.hydrant": {"pressure_mpa": 0.3},
        "fire.extinguisher": {"status": "ok"},
        "fire.alarm_panel": {"status": "normal"},
        "fire.fire_door": {"status": "closed"},
        "grid.line": {"conductor_temp_c": 35.0, "current_a": 200.0, "ambient_temp_c": 20.0, "wind_m_s": 2.0},
    }[sensor_type]


def test_a_starting_consumer_removes_the_status_left_by_one_that_was_killed(
    kafka_settings: Settings, kafka_transport: Transport, pack: CityPack, producer: KafkaProducer, view: StateView
) -> None:
    """A member killed two hours ago left its status in the compacted state topic; the next member to start
    tombstones it, so status keys do not pile up over days of restarts. A recent status is left alone."""
    wall = datetime.now(UTC)
    for client_id, updated in (("killed-long-ago", wall - timedelta(hours=2)), ("busy-elsewhere", wall)):
        doc = {"kind": "consumer", "id": client_id, "updated_at": updated.isoformat()}
        send(producer, kafka_settings.topics.state, f"consumer:{client_id}", json.dumps(doc).encode())
    wait_for(view, lambda s: len(s.of_kind("consumer")) == 2, "both statuses in the view")

    runner = ConsumerRunner(kafka_settings, kafka_transport, pack, SystemClock(), client_id="next-member")
    runner.open()
    try:
        wait_for(view, lambda s: s.entities.get("consumer:killed-long-ago") is None, "the abandoned status to go")
        assert view.snapshot.entities.get("consumer:busy-elsewhere") is not None
    finally:
        runner.close()


def test_a_partition_that_stays_with_its_member_across_a_rebalance_is_not_rebuilt(
    kafka_settings: Settings, kafka_transport: Transport, pack: CityPack, producer: KafkaProducer, view: StateView
) -> None:
    """Issue 7: a rebalance right after a restart made a member rebuild its whole changelog again (9 minutes)."""
    first = ConsumerRunner(kafka_settings, kafka_transport, pack, SystemClock(), client_id="rebalance-a")
    second = ConsumerRunner(kafka_settings, kafka_transport, pack, SystemClock(), client_id="rebalance-b")
    stops = {first.client_id: threading.Event(), second.client_id: threading.Event()}
    threads = {
        r.client_id: threading.Thread(target=r.run, args=(stops[r.client_id],), daemon=True) for r in (first, second)
    }
    gauges = pack.sensors_of_type("river.gauge")
    try:
        threads[first.client_id].start()
        for spec in gauges:
            send(producer, kafka_settings.topics.river, spec.district, gauge_json(pack, spec.id, 1.0, NOW))
        wait_for(view, lambda s: all(stage_of(s, g.id) == 1.0 for g in gauges), "every gauge at 1.0 m")
        assert first.restores == Counter(range(6))

        threads[second.client_id].start()  # joins: the group rebalances, every partition is revoked first
        wait_for(
            view,
            lambda s: all(
                (doc := s.entities.get(f"consumer:{r.client_id}")) and doc["phase"] == "running" and doc["partitions"]
                for r in (first, second)
            ),
            "both members running with partitions",
        )
        kept = set(first.processor.owned)
        assert kept and len(kept) < 6
        assert all(first.restores[p] == 1 for p in kept), first.restores  # kept, not rebuilt
        assert all(
            first.processor.sensors[g.id].values == {"stage_m": 1.0} for g in gauges if g.id in first.processor.sensors
        )
        # Records after the rebalance land on top of the kept state.
        for spec in gauges:
            send(
                producer,
                kafka_settings.topics.river,
                spec.district,
                gauge_json(pack, spec.id, 1.1, NOW + timedelta(seconds=30)),
            )
        wait_for(view, lambda s: all(stage_of(s, g.id) == 1.1 for g in gauges), "every gauge at 1.1 m")
        windows = {
            g.id: first.processor.sensors[g.id].windows["stage_m"].values
            for g in gauges
            if g.id in first.processor.sensors
        }
        assert windows and all(values == [1.0, 1.1] for values in windows.values()), windows
    finally:
        for r in (second, first):
            stops[r.client_id].set()
            threads[r.client_id].join(timeout=60)
