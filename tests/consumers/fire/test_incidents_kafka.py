"""Incidents through the real broker: a fire produced by a plain client (cameras, then detectors, then a
citizen's call, with a call from outside the city among them) becomes one confirmed incident in the published
state, whose timeline says how many minutes the cameras were ahead of the first call; the bad call is
dead-lettered with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import groupby

import pytest
from kafka.producer import KafkaProducer

from consumers.citypack import CityPack
from consumers.contract import ClockTick, Reading, topic_suffix
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from dashboard.state_view import StateView
from kafka import KafkaConsumer
from tests.consumers.fire.test_book import fire_at_b01
from tests.consumers.test_runner_kafka import wait_for

pytestmark = pytest.mark.kafka


def produce_fire(producer: KafkaProducer, settings: Settings, pack: CityPack, start: datetime) -> None:
    """``fire_at_b01`` from ``start``, with a call from Shanghai at 08:12, and the simulator's clock ticks: the
    consumers' "now" follows the produced minutes."""
    readings = fire_at_b01(pack, start)
    shanghai = Reading(
        "fire.citizen_report", "119-far", "520103", start + timedelta(minutes=12), {"lat": 31.23, "lon": 121.47}
    )
    readings = sorted([*readings, shanghai], key=lambda r: r.event_time)
    topics = settings.topics
    for at, minute in groupby(readings, key=lambda r: r.event_time.replace(second=0)):
        tick = ClockTick(at, 60.0).encode()
        for partition in range(settings.partitions):
            producer.send(topics.fire, value=tick, partition=partition)
        for r in minute:
            producer.send(topics.for_domain(topic_suffix(r.type)), key=r.district.encode(), value=r.encode())
    producer.flush(timeout=30)


def test_a_produced_fire_becomes_one_confirmed_incident_with_the_camera_lead_in_minutes(
    kafka_settings: Settings,
    pack: CityPack,
    producer: KafkaProducer,
    view: StateView,
    runner_thread: ConsumerRunner,
    kafka_bootstrap: str,
) -> None:
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    produce_fire(producer, kafka_settings, pack, start)
    topics = kafka_settings.topics

    def one_with_a_call(s: object) -> bool:
        found = view.snapshot.of_kind("incident")
        return len(found) == 1 and any(c["id"] == "119-0042" for c in next(iter(found.values()))["calls"])

    wait_for(view, lambda s: one_with_a_call(s), "one incident with the call 119-0042")
    (incident,) = view.snapshot.of_kind("incident").values()
    assert incident["state"] == "confirmed"
    assert incident["basis"] == "detectors"
    timeline = {k: datetime.fromisoformat(v) for k, v in incident["timeline"].items()}
    assert timeline["first_camera"] == start + timedelta(minutes=2)
    assert timeline["first_call"] == start + timedelta(minutes=13)
    assert incident["camera_lead_min"] == 11.0
    assert [c["id"] for c in incident["calls"]] == ["119-0042"]

    dead = KafkaConsumer(
        topics.deadletter,
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=20_000,
    )
    try:
        reasons = [dict(m.headers) for m in dead if b"119-far" in (m.value or b"")]
    finally:
        dead.close()
    assert len(reasons) == 1
    assert any(b"outside_city" in v for v in reasons[0].values()), reasons
