"""The flood API and downloads over a real state view: the picture the flood service published, read with names;
a route to a point; the evacuation list as CSV; the field map with nothing it would fetch and every name escaped."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import flask
import orjson
import pytest

from consumers.citypack import CityPack
from consumers.flood.network import RoadNetwork, load_flood_pack
from consumers.flood.picture import PICTURE_KEY, FloodModel
from consumers.flood.routing import RoadGraph
from consumers.settings import Settings
from consumers.transport import topic_specs
from consumers.transport.memory import MemoryTransport
from dashboard.app import create_app
from dashboard.flood.field_map import field_map
from dashboard.flood.reader import FloodNetwork, _cell
from dashboard.state_view import StateView
from tests.consumers.flood.test_picture import gauges
from tests.consumers.flood.test_service_kafka import a_route_across_low_ground

AT = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
HOSTILE = "</script><script>window.pwned=1</script>`${x}`"


@pytest.fixture(scope="module")
def network(pack: CityPack) -> RoadNetwork:
    return load_flood_pack(pack.root, pack)[0]


@pytest.fixture(scope="module")
def picture(pack: CityPack, network: RoadNetwork) -> dict[str, Any]:
    return FloodModel(pack, network).update(gauges(pack, 1.5, AT), AT.timestamp())


@pytest.fixture
def web(settings: Settings, pack: CityPack) -> Iterator[tuple[flask.testing.FlaskClient, MemoryTransport, StateView]]:
    transport = MemoryTransport()
    transport.ensure_topics(topic_specs(settings))
    view = StateView(settings, transport).start()
    app = create_app(settings, pack, view)
    yield app.server.test_client(), transport, view
    view.stop()


def publish(settings: Settings, transport: MemoryTransport, view: StateView, picture: dict[str, Any]) -> None:
    producer = transport.producer()
    producer.send(settings.topics.state, orjson.dumps(picture), key=PICTURE_KEY.encode())
    producer.flush()
    assert view.wait_until(lambda s: PICTURE_KEY in s.entities, 10)


def test_before_the_flood_service_has_spoken_the_api_says_so(web, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = web
    for path in ("/api/v1/flood", "/api/v1/flood/evacuation.csv", "/api/v1/flood/map.html"):
        response = client.get(path)
        assert response.status_code == 503 and "flood service" in response.get_json()["error"]


def test_the_picture_with_names_a_route_and_the_list(web, settings: Settings, picture, network) -> None:  # type: ignore[no-untyped-def]
    client, transport, view = web
    publish(settings, transport, view, picture)
    summary = client.get("/api/v1/flood").get_json()
    assert summary["totals"]["city"]["people"] == picture["totals"]["city"]["people"] > 0
    names = {r.name_en for r in network.roads if r.name_en}
    named = {f"a street by {n}" for n in names} | names  # an unnamed street is placed by a named one near it
    assert summary["closed_roads"] and all(c["road"] is None or c["road"] in named for c in summary["closed_roads"])
    assert any(c["road"] in names for c in summary["closed_roads"])
    assert all(c["since"] == AT.isoformat() for c in summary["closed_roads"])
    assert {m["block"] for m in summary["missions"]} == {m["block"] for m in picture["missions"]}

    target = network.blocks[0]
    answer = client.get(f"/api/v1/flood/route?lon={target.lon}&lat={target.lat}&vehicle=ambulance").get_json()
    assert answer["vehicle"] == "ambulance" and answer["closes_at_m"] == 0.3
    assert answer["route"] is not None and answer["route"]["station_name"]
    end = RoadGraph(network).nearest_node(target.lon, target.lat)
    assert answer["route"]["path"][-1] == [network.lon[end], network.lat[end]]
    for bad in ("lon=x&lat=1", "lat=26.5", "lon=nan&lat=26.5", f"lon={target.lon}&lat={target.lat}&vehicle=boat"):
        response = client.get(f"/api/v1/flood/route?{bad}")
        assert response.status_code == 400 and "vehicle" in response.get_json()["error"]

    response = client.get("/api/v1/flood/evacuation.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="evacuation.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["block"] for r in rows] == [r[0] for r in picture["evacuation"]]
    assert sum(int(r["people"]) for r in rows) == picture["totals"]["city"]["people"]
    assert all(r["shelter"] or r["unassigned_reason"] for r in rows)


def test_a_spreadsheet_formula_in_a_name_stays_text() -> None:
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("-1") == "'-1" and _cell("Binhe Road") == "Binhe Road"


def test_the_field_map_fetches_nothing_and_keeps_every_name_text(pack: CityPack, network: RoadNetwork, picture) -> None:  # type: ignore[no-untyped-def]
    first = picture["evacuation"][0][0]
    blocks = tuple(replace(b, name_en=HOSTILE) if b.id == first else b for b in network.blocks)
    hostile = replace(network, blocks=blocks)
    page = field_map(pack, FloodNetwork.of(hostile), picture, "en")
    assert not re.search(r"<script[^>]+src=", page) and not re.search(r"<link[^>]+href=\"https?:", page)
    assert "window.pwned=1</script>" not in page.replace("window.pwned=1&lt;/script&gt;", "")
    assert "&lt;/script&gt;&lt;script&gt;window.pwned=1" in page


def test_a_blocked_route_draws_the_street_that_blocks_it_and_a_block_shows_its_way_out(
    pack: CityPack, network: RoadNetwork, picture
) -> None:  # type: ignore[no-untyped-def]
    flood = FloodNetwork.of(network)
    answers = (
        flood.route_to(picture, b.lon, b.lat, "ambulance")
        for b in (network.blocks[flood.blocks[r[0]]] for r in picture["evacuation"] if r[1] == "flooded")
    )
    answer = next(a for a in answers if a["route"] is None)  # a flooded block no ambulance can reach
    blocked = answer["blocked"]
    assert blocked["depth_m"] >= 0.3  # the street that stops it is closed to ambulances
    assert len(blocked["road_path"]) == 2 and blocked["closest_m"] > 0
    walkers = next(r for r in picture["evacuation"] if r[7] == "walk")
    way = flood.evacuation_route(picture, walkers[0])
    assert (
        way is not None
        and way["mode"] == "walk"
        and way["path"]
        and way["length_m"] == pytest.approx(walkers[8], rel=0.01)
    )
    shelter = network.shelters[flood.shelters[walkers[6]]]
    assert way["path"][-1] == [network.lon[shelter.node], network.lat[shelter.node]]
    block = network.blocks[flood.blocks[walkers[0]]]
    assert flood.listed_block_near(picture, block.lon + 0.0001, block.lat, 120.0) is not None
    assert flood.listed_block_near(picture, block.lon + 0.05, block.lat + 0.05, 120.0) is None


def test_a_picked_route_that_moves_is_judged_for_its_own_vehicle(pack: CityPack, network: RoadNetwork, picture) -> None:  # type: ignore[no-untyped-def]
    flood = FloodNetwork.of(network)
    dry = FloodModel(pack, network).update(gauges(pack, -1.0, AT), AT.timestamp())
    target, _ = a_route_across_low_ground(network, RoadGraph(network))
    lon, lat = network.lon[target], network.lat[target]
    depth = flood.road_depths(picture)
    for vehicle, closes_at in (("ambulance", 0.3), ("truck", 0.6)):
        before = flood.route_to(dry, lon, lat, vehicle)["route"]
        after = flood.route_to(picture, lon, lat, vehicle)
        change = flood.route_change(picture, vehicle, before["roads"], before["eta_s"], after)
        if change is None:
            assert after["route"]["roads"] == before["roads"]
            continue
        # The streets it names as closed are closed to this vehicle; those under water, open to it.
        assert all(depth[i] >= closes_at for i in change.closed_roads)
        assert all(d < closes_at for _, d in change.flooded_roads)
    ambulance_before = flood.route_to(dry, lon, lat, "ambulance")["route"]
    moved = flood.route_change(
        picture,
        "ambulance",
        ambulance_before["roads"],
        ambulance_before["eta_s"],
        flood.route_to(picture, lon, lat, "ambulance"),
    )
    assert moved is not None and moved.closed_roads  # the low ground it crossed is closed to ambulances
