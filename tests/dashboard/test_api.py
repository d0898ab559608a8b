"""``/health`` and ``/api/v1/`` over a real state view, fed by the real runner on the in-memory transport."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType

import flask
import pytest

from consumers.citypack import CityPack
from consumers.clock import SystemClock
from consumers.contract import Reading
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport.memory import MemoryTransport
from dashboard.api import health_document
from dashboard.app import create_app
from dashboard.state_view import StateSnapshot, StateView


@pytest.fixture
def world(settings: Settings, pack: CityPack) -> Iterator[tuple[flask.testing.FlaskClient, ConsumerRunner, StateView]]:
    transport = MemoryTransport()
    runner = ConsumerRunner(settings, transport, pack, SystemClock(), client_id="api-test")
    runner.open()
    view = StateView(settings, transport).start()
    app = create_app(settings, pack, view)
    yield app.server.test_client(), runner, view
    view.stop()


def feed(runner: ConsumerRunner, view: StateView, reading: Reading) -> None:
    topic = runner.settings.topics.for_domain(reading.type.split(".")[0])
    runner.transport.producer().send(topic, reading.encode(), key=reading.district.encode())
    runner.step(timeout_s=0.5)
    runner.flush()
    target = f"sensor:{reading.sensor_id}"
    assert view.wait_until(lambda s: (s.entities.get(target) or {}).get("values") == dict(reading.values), 10)


def test_health_reports_consumption_dead_letters_and_freshness(world, pack: CityPack) -> None:
    client, runner, view = world
    spec = pack.sensors["NM-05"]
    runner.transport.producer().send(runner.settings.topics.river, b"nonsense", key=spec.district.encode())
    feed(runner, view, Reading(spec.type, spec.id, spec.district, datetime.now(UTC), {"stage_m": 1.1}))
    response = client.get("/health")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["records_consumed"] == {runner.settings.topics.river: 1}
    assert body["deadlettered"] == 1
    assert body["consumer_lag"] == 0
    assert body["last_event_time"].startswith(datetime.now(UTC).strftime("%Y-%m-%d"))
    assert body["consumers"][0]["id"] == "api-test" and body["consumers"][0]["phase"] == "running"


def test_health_turns_stale_with_503_when_telemetry_or_consumers_stop() -> None:
    now = time.time()
    consumer = {
        "kind": "consumer",
        "id": "c1",
        "phase": "running",
        "watermark": "2026-07-01T08:00:00+00:00",
        "updated_at": datetime.fromtimestamp(now - 1, UTC).isoformat(),
    }
    live = StateSnapshot(
        MappingProxyType({"consumer:c1": consumer}), 3, updated_wall=now - 1, caught_up=True, data_wall=now - 2
    )
    cases = {
        "fresh telemetry": (live, "ok", 200),
        "telemetry stopped 60 s ago, consumer still alive": (replace(live, data_wall=now - 60), "stale", 503),
        "no consumer alive": (replace(live, entities=MappingProxyType({})), "stale", 503),
        "nothing read yet": (StateSnapshot(), "starting", 200),
    }
    for name, (snapshot, expected, code) in cases.items():
        doc, status = health_document(snapshot, stale_after_s=10, now_wall=now)
        assert (doc["status"], status) == (expected, code), name


def test_districts_and_sensors_api(world, pack: CityPack) -> None:
    client, runner, view = world
    spec = pack.sensors_of_type("fire.camera")[0]
    feed(runner, view, Reading(spec.type, spec.id, spec.district, datetime.now(UTC), {"smoke_confidence": 0.9}))

    districts = client.get("/api/v1/districts").get_json()["districts"]
    assert [d["code"] for d in districts] == list(pack.districts)
    burning = next(d for d in districts if d["code"] == spec.district)
    assert burning["level"] == "alarm" and burning["risk"] >= 80
    quiet = [d for d in districts if d["code"] != spec.district]
    assert all(d["level"] == "no_data" and d["risk"] is None for d in quiet)

    sensor = client.get(f"/api/v1/sensors/{spec.id}").get_json()
    assert sensor["status"] == "alarm"
    assert sensor["state"]["values"] == {"smoke_confidence": 0.9}
    assert "smoke seen" in sensor["state"]["reason"]

    alarms = client.get("/api/v1/sensors?status=alarm").get_json()["sensors"]
    assert [s["id"] for s in alarms] == [spec.id]
    never_heard = client.get(f"/api/v1/sensors?district={spec.district}&type=fire.alarm_panel").get_json()
    assert never_heard["sensors"] and all(s["status"] == "no_data" for s in never_heard["sensors"])


@pytest.mark.parametrize("path", ["/api/v1/sensors/NOPE-1", "/api/v1/districts/999999"])
def test_unknown_ids_are_json_404s(world, path: str) -> None:
    client, _, _ = world
    response = client.get(path)
    assert response.status_code == 404
    assert "error" in response.get_json()
