"""``/health`` and ``/api/v1/`` over a real state view, fed by the real runner on the in-memory transport."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import flask
import pytest

from consumers.alarms.actions import Action, new_action_id
from consumers.citypack import CityPack
from consumers.clock import SystemClock
from consumers.contract import ClockTick, Reading
from consumers.fire.hexgrid import HexGrid
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.testing import HEALTHY_BUILDING_DEVICE
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
    assert body["deadlettered_by_reason"] == {"malformed_json": 1}
    assert body["consumers"][0]["state"] == "running" and body["consumers"][0]["partitions"] == list(range(6))


def _consumer(now: float, age_s: float = 1.0, phase: str = "running", partitions: tuple[int, ...] = tuple(range(6))):
    return {
        "kind": "consumer",
        "id": "c1-host-4242",
        "phase": phase,
        "partitions": list(partitions),
        "flush_interval_s": 1.0,
        "restore": {"done": 30, "total": 120},
        "watermark": "2026-07-01T08:00:00+00:00",
        "updated_at": datetime.fromtimestamp(now - age_s, UTC).isoformat(),
    }


def test_health_names_what_is_wrong_and_answers_503_when_the_wall_is_not_showing_the_city_now(
    settings: Settings,
) -> None:
    now = time.time()

    def snapshot(consumer: dict | None = None, **changes: object) -> StateSnapshot:
        entities = {} if consumer is None else {"consumer:c1": consumer}
        base = StateSnapshot(
            MappingProxyType(entities), 3, updated_wall=now - 1, caught_up=True, data_wall=now - 2, newest_data_t=now
        )
        return replace(base, **changes)

    cases = {
        "fresh telemetry": (snapshot(_consumer(now)), "ok", 200),
        "telemetry stopped 60 s ago, consumer still alive": (
            snapshot(_consumer(now), data_wall=now - 60),
            "stale",
            503,
        ),
        "no consumer ever": (snapshot(), "no_consumers", 503),
        "the only consumer silent for 30 s (killed)": (snapshot(_consumer(now, age_s=30)), "no_consumers", 503),
        "a killed consumer that was restoring": (
            snapshot(_consumer(now, age_s=300, phase="restoring")),
            "no_consumers",
            503,
        ),
        "a live consumer restoring": (snapshot(_consumer(now, phase="restoring")), "restoring", 200),
        "partitions 3-5 owned by nobody": (snapshot(_consumer(now, partitions=(0, 1, 2))), "partitions_unowned", 503),
        "this worker cannot reach the broker": (
            snapshot(_consumer(now), broker_unreachable_since=now - 20),
            "broker_unreachable",
            503,
        ),
        "nothing read yet": (StateSnapshot(), "starting", 200),
        "read back at start-up but no new data since": (snapshot(_consumer(now), data_wall=None), "stale", 503),
    }
    for name, (snap, expected, code) in cases.items():
        doc, status = health_document(snap, settings, now_wall=now)
        assert (doc["status"], status) == (expected, code), name
    doc, _ = health_document(snapshot(_consumer(now, phase="restoring")), settings, now_wall=now)
    assert doc["consumers"][0]["state"] == "restoring" and doc["consumers"][0]["restore"] == {"done": 30, "total": 120}
    doc, _ = health_document(snapshot(_consumer(now, age_s=30)), settings, now_wall=now)
    assert doc["consumers"][0]["state"] == "lost"
    assert "host" not in json.dumps(doc) and "4242" not in json.dumps(doc)  # no host names or pids for anyone


def test_on_the_wall_clock_data_age_is_the_age_of_the_newest_reading(settings: Settings) -> None:
    """A web worker restarted while consumers rebuild reads 35-minute-old data: that is not LIVE, even though
    the newest event time moved forward as the view read it."""
    now = time.time()
    wall = replace(settings, clock="wall")
    old = StateSnapshot(
        MappingProxyType({"consumer:c1": _consumer(now)}), 3, now - 1, True, data_wall=now - 1, newest_data_t=now - 2100
    )
    doc, status = health_document(old, wall, now_wall=now)
    assert (doc["status"], status, doc["view"]["last_data_age_s"]) == ("stale", 503, 2100.0)
    fresh = replace(old, newest_data_t=now - 3)
    assert health_document(fresh, wall, now_wall=now)[0]["status"] == "ok"


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


def test_incidents_and_buildings_api(world, pack: CityPack) -> None:
    """A call opens a suspected incident; a hospital's sprinkler below its minimum makes it not ready; a
    building never heard from is unknown, never ready."""
    client, runner, view = world
    b = pack.buildings["B-01"]
    call = Reading(
        "fire.citizen_report",
        "119-api",
        b.district,
        datetime.now(UTC),
        {"lat": b.lat, "lon": b.lon, "text": "<i>smoke</i>"},
    )
    topic = runner.settings.topics.for_domain("fire")
    runner.transport.producer().send(topic, call.encode(), key=b.district.encode())
    calm = Reading("fire.camera", "CAM-01", b.district, datetime.now(UTC), {"smoke_confidence": 0.05})
    runner.transport.producer().send(topic, calm.encode(), key=b.district.encode())  # Yunyan reports: it has a risk
    for device_id in pack.buildings["B-02"].device_ids:
        spec = pack.sensors[device_id]
        values = {"pressure_mpa": 0.02} if spec.type == "fire.sprinkler" else HEALTHY_BUILDING_DEVICE[spec.type]
        runner.transport.producer().send(
            topic,
            Reading(spec.type, device_id, spec.district, datetime.now(UTC), values).encode(),
            key=spec.district.encode(),
        )
    runner.step(timeout_s=0.5)
    runner.flush()
    assert view.wait_until(lambda s: "building:B-02" in s.entities and s.of_kind("incident"), 10)

    (incident,) = client.get("/api/v1/incidents").get_json()["incidents"]
    assert (incident["state"], incident["basis"], incident["calls"][0]["text"]) == (
        "suspected",
        "calls",
        "<i>smoke</i>",
    )
    assert client.get(f"/api/v1/incidents/{incident['id']}").get_json()["id"] == incident["id"]
    assert client.get("/api/v1/incidents?state=confirmed").get_json()["incidents"] == []
    assert client.get("/api/v1/incidents/nope").status_code == 404

    not_ready = client.get("/api/v1/buildings?state=not_ready").get_json()["buildings"]
    assert [(x["id"], x["readiness"]) for x in not_ready] == [("B-02", 40.0)]
    assert not_ready[0]["faults"][0]["fault"] == "below_minimum"
    nanming = client.get("/api/v1/buildings?district=520102").get_json()["buildings"]
    assert {x["state"] for x in nanming if x["id"] != "B-02"} == {"unknown"}
    district = client.get("/api/v1/districts/520102").get_json()
    assert district["readiness"]["counts"]["not_ready"] == 1

    # The fire-risk grid: the call's cell and the hospital's scored above their district's weather, each with
    # its parts; the outlines are the cells the map draws, and the browser may keep them.
    grid = HexGrid(pack)
    hexes = {d["district"]: d for d in client.get("/api/v1/hexes").get_json()["districts"]}
    call_cell = hexes[b.district]["cells"][grid.cell_at(b.district, b.lat, b.lon)]
    assert call_cell["parts"][0] == {"code": "incidents", "points": 15.0, "confirmed": 0, "suspected": 1}
    b02 = pack.buildings["B-02"]
    b02_cell = hexes[b02.district]["cells"][grid.building_cell["B-02"]]
    assert {"code": "buildings_not_ready", "points": 4.0, "not_ready": 1, "degraded": 0} in b02_cell["parts"]
    assert [d["district"] for d in client.get("/api/v1/hexes?district=520102").get_json()["districts"]] == ["520102"]
    outlines = client.get("/api/v1/hexes.geojson")
    assert "max-age" in outlines.headers["Cache-Control"]
    features = outlines.get_json()["features"]
    assert len(features) == sum(len(c) for c in grid.cells_of.values())
    assert {f["id"] for f in features} >= set(hexes[b.district]["cells"])


def test_alarms_are_listed_filtered_and_exported_with_their_trail_and_a_formula_in_a_comment_stays_text(
    world, pack: CityPack
) -> None:
    """A flood raises an alarm; an operator's action written to ``city.actions`` (as the alarm page writes it)
    is applied by the consumer; the API lists it acknowledged and the CSVs carry it."""
    client, runner, view = world
    spec = pack.sensors["NM-01"]
    feed(runner, view, Reading(spec.type, spec.id, spec.district, datetime.now(UTC), {"stage_m": 3.6}))
    (alarm,) = client.get("/api/v1/alarms").get_json()["alarms"]
    assert (alarm["listed_as"], alarm["entity"], alarm["domain"]) == ("unacknowledged", "sensor:NM-01", "river")

    comment = '=HYPERLINK("http://evil.example","crew sent")'
    action = Action(
        "ack", alarm["id"], new_action_id(), "li.wei", "operator", "127.0.0.1", datetime.now(UTC).isoformat(), comment
    )
    runner.transport.producer().send(runner.settings.topics.actions, action.encode(), key=spec.district.encode())
    runner.step(timeout_s=0.5)
    runner.flush()
    assert view.wait_until(lambda s: (s.entities.get(f"alarm:{alarm['id']}") or {}).get("ack"), 10)

    one = client.get(f"/api/v1/alarms/{alarm['id']}").get_json()
    assert one["listed_as"] == "acknowledged" and one["ack"]["by"] == "li.wei"
    assert client.get("/api/v1/alarms?state=unacknowledged").get_json()["alarms"] == []
    assert len(client.get("/api/v1/alarms?domain=fire,river&district=520111").get_json()["alarms"]) == 1
    assert client.get("/api/v1/alarms?domain=grid").get_json()["alarms"] == []
    assert client.get("/api/v1/alarms/520111-99").status_code == 404

    table = client.get("/api/v1/alarms.csv")
    assert table.headers["Content-Type"].startswith("text/csv") and "attachment" in table.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert [(r["id"], r["state"], r["acknowledged_by"]) for r in rows] == [(alarm["id"], "acknowledged", "li.wei")]
    assert rows[0]["ack_comment"] == "'" + comment  # a spreadsheet shows it, does not run it

    trail = list(csv.DictReader(io.StringIO(client.get("/api/v1/alarms/trail.csv").get_data(as_text=True))))
    assert [(r["what"], r["by"]) for r in trail] == [("raised", "system"), ("ack", "li.wei")]
    assert trail[1]["source"] == "127.0.0.1" and trail[1]["role"] == "operator"

    report = client.get("/api/v1/report.html?lang=zh")
    assert report.headers["Content-Type"].startswith("text/html")
    disposition = report.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "situation-" in disposition
    page = report.get_data(as_text=True)
    assert alarm["id"] in page and "当前报警 (1)" in page


def test_a_gauges_history_and_a_districts_day_of_risk_export_as_csv(world, pack: CityPack) -> None:
    client, runner, view = world
    spec = pack.sensors["NM-01"]
    feed(runner, view, Reading(spec.type, spec.id, spec.district, datetime.now(UTC), {"stage_m": 1.3}))
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/sensors/NM-01/history.csv").get_data(as_text=True))))
    assert [r["value"] for r in rows][-1:] == ["1.3"] and rows[-1]["time"].startswith(datetime.now(UTC).strftime("%Y"))
    hydrant = next(s for s in pack.sensors.values() if s.type == "fire.hydrant")
    refused = client.get(f"/api/v1/sensors/{hydrant.id}/history.csv")
    assert refused.status_code == 404 and "no reading of" in refused.get_json()["error"]
    # A hydrant publishes no history: its CSV is the readings this worker saw on the state topic.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    for minutes, pressure in ((0, 0.31), (2, 0.29), (4, 0.12)):
        at = start + timedelta(minutes=minutes)
        feed(runner, view, Reading(hydrant.type, hydrant.id, hydrant.district, at, {"pressure_mpa": pressure}))
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/api/v1/sensors/{hydrant.id}/history.csv").get_data(as_text=True)))
    )
    assert [(r["time"], r["pressure_mpa"]) for r in rows] == [
        ((start + timedelta(minutes=m)).isoformat(), p) for m, p in ((0, "0.31"), (2, "0.29"), (4, "0.12"))
    ]

    # The day's risk as the consumers publish it (consumers.district_history writes it every five minutes).
    day = {"kind": "risk_history", "code": "520102", "t": ["2026-07-01T08:00:00+00:00"], "risk": [71.5], "fire": [None]}
    runner.transport.producer().send(runner.settings.topics.state, json.dumps(day).encode(), key=b"risk_history:520102")
    assert view.wait_until(lambda s: "risk_history:520102" in s.entities, 10)
    table = client.get("/api/v1/districts/520102/risk_history.csv").get_data(as_text=True)
    assert table.splitlines() == ["time,risk,fire_risk", "2026-07-01T08:00:00+00:00,71.5,"]
    assert client.get("/api/v1/districts/999999/risk_history.csv").status_code == 404


def test_the_situation_report_is_stamped_with_the_pictures_time_under_a_simulated_clock(world, pack: CityPack) -> None:
    """A demo's clock runs ahead of the wall: a report titled with the wall's time named a moment hours before
    every alarm in it."""
    client, runner, view = world
    ahead = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    runner.transport.producer().send(runner.settings.topics.fire, ClockTick(ahead, 60.0).encode(), key=b"520102")
    runner.step(timeout_s=0.5)
    runner.flush()

    def ticked(s: StateSnapshot) -> bool:
        return any(str((c.get("clock") or {}).get("now", "")) >= ahead.isoformat() for c in s.consumers(time.time()))

    assert view.wait_until(ticked, 10)
    report = client.get("/api/v1/report.html")
    local = ahead.astimezone(ZoneInfo(pack.timezone)).strftime("%Y-%m-%d %H:%M")
    page = report.get_data(as_text=True)
    assert f"situation at {local} · SIMULATED TIME ×60" in page  # a forwarded demo file says what it is
    assert f"situation-{ahead.strftime('%Y%m%dT%H%MZ')}.html" in report.headers["Content-Disposition"]
