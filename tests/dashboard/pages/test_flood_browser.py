"""The flood response page in real headless Chromium, fed through the real broker: gauge records from a plain
producer, the consumers and the flood service in this process, the web app as its own process.

A person opens /flood while the Nanming is 1.5 m over its banks: the evacuation totals are the flood service's, a
click on the map draws the safest route there (the one the routing code finds, with its alternative), and the
evacuation list and the field map download; the field map opens with the network off and draws the closed streets,
the blocks to evacuate and the shelters.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka.producer import KafkaProducer
from selenium import webdriver

from consumers.citypack import CityPack
from consumers.flood.network import RoadNetwork, load_flood_pack
from consumers.flood.picture import PICTURE_KEY
from consumers.flood.routing import RoadGraph
from consumers.flood.service import FloodService
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import Transport
from dashboard.flood.layer import TRACE_ALTERNATIVE, TRACE_CLOSED, TRACE_PICKED, TRACE_SHELTER_ROUTE
from dashboard.flood.reader import FloodNetwork
from dashboard.state_view import StateView
from tests.consumers.flood.test_service_kafka import NANMING, a_route_across_low_ground, produce_stages
from tests.dashboard.pages.test_map_browser import LOADED_MACHINE_WAIT_S, SCREENSHOTS, click_at, poll_script
from tests.dashboard.pages.test_map_browser import screen_position as map_screen_position
from tests.web_server import free_port, start_dashboard

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


@pytest.fixture
def web(kafka_settings: Settings, kafka_transport: object) -> Iterator[str]:
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "KAFKA_BOOTSTRAP_SERVERS": str(kafka_settings.kafka_bootstrap_servers),
        "CITYOPS_TOPIC_PREFIX": kafka_settings.topics.prefix,
        "CITYOPS_DEMO_MODE": "1",  # anonymous viewing: the subject is the flood, not sign-in
    }
    url, server = start_dashboard(env, SCREENSHOTS / "flood-web.log")
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture
def flood_service(
    kafka_settings: Settings, kafka_transport: Transport, pack: CityPack
) -> Iterator[tuple[FloodService, RoadNetwork]]:
    network, _ = load_flood_pack(pack.root, pack)
    service = FloodService(kafka_settings, kafka_transport, pack, network)
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
    thread.start()
    yield service, network
    stop.set()
    thread.join(timeout=10)


def screen_position(driver: webdriver.Chrome, lon: float, lat: float) -> tuple[float, float]:
    """Where the flood page's own map draws a position, once it has loaded."""
    return map_screen_position(driver, lon, lat, "flood-map")


def test_a_manager_sees_the_flood_picks_a_route_and_takes_the_lists_away_offline(
    kafka_settings: Settings,
    pack: CityPack,
    producer: KafkaProducer,
    runner_thread: ConsumerRunner,
    view: StateView,
    flood_service: tuple[FloodService, RoadNetwork],
    web: str,
    browser: webdriver.Chrome,
) -> None:
    _, network = flood_service
    target, _ = a_route_across_low_ground(network, RoadGraph(network))
    now = datetime.now(UTC).replace(microsecond=0)
    produce_stages(producer, kafka_settings, pack, 1.5, now)

    def flooded(snapshot) -> bool:  # type: ignore[no-untyped-def]
        doc = snapshot.entities.get(PICTURE_KEY)
        return doc is not None and doc["event_time"] == now.isoformat() and len(doc["gauges"]) == len(NANMING)

    assert view.wait_until(flooded, 60), view.snapshot.entities.get(PICTURE_KEY)
    picture = view.snapshot.entities[PICTURE_KEY]
    people = picture["totals"]["city"]["people"]
    assert people > 0 and picture["closed"]["i"]

    browser.get(f"{web}/flood")
    shown = poll_script(
        browser,
        """
        const big = document.getElementById('flood-people');
        const gd = document.querySelector('#flood-map .js-plotly-plot');
        if (!big || !gd || !gd.data || !gd.data[arguments[0]].lat.length) { return null; }
        return {people: big.innerText, closed: gd.data[arguments[0]].lat.filter((x) => x !== null).length};
        """,
        TRACE_CLOSED,
    )
    assert shown is not None, "the flood page never showed the evacuation and the closed streets"
    assert shown["people"] == f"{people:,} people"
    assert shown["closed"] >= 2  # at least one closed street, drawn from end to end

    # A click where the route must go round the water: the page draws the route the routing code finds.
    lon, lat = network.lon[target], network.lat[target]
    click_at(browser, *screen_position(browser, lon, lat))
    drawn = poll_script(
        browser,
        """
        const route = document.getElementById('flood-route');
        const gd = document.querySelector('#flood-map .js-plotly-plot');
        if (!route || !gd.data[arguments[0]].lat.length) { return null; }
        return {text: route.innerText, lat: gd.data[arguments[0]].lat, lon: gd.data[arguments[0]].lon,
                alternative: gd.data[arguments[1]].lat.length};
        """,
        TRACE_PICKED,
        TRACE_ALTERNATIVE,
    )
    browser.save_screenshot(str(SCREENSHOTS / "flood-route.png"))
    assert drawn is not None, "clicking the map drew no route"
    expected = FloodNetwork.load(pack).route_to(picture, *_clicked(drawn), "truck")  # type: ignore[union-attr]
    route = expected["route"]
    assert route is not None and drawn["text"].startswith("rescue truck from ")
    assert f"{round(route['eta_s'] / 60)} min" in drawn["text"]
    path = [(x, y) for x, y in zip(drawn["lon"], drawn["lat"], strict=True) if x is not None]
    assert path == [tuple(p) for p in route["path"]]
    assert drawn["alternative"] > 0

    # A click on a block of the list shows how its people get to their shelter.
    box = browser.execute_script(
        "const r = document.querySelector('#flood-map .js-plotly-plot').getBoundingClientRect();"
        "return [r.left, r.top, r.right, r.bottom];"
    )
    index = {b.id: b for b in network.blocks}
    on_screen = []
    for row in (r for r in picture["evacuation"] if r[7] == "walk"):
        x, y = screen_position(browser, index[row[0]].lon, index[row[0]].lat)
        if box[0] + 20 < x < box[2] - 20 and box[1] + 20 < y < box[3] - 20:
            on_screen.append((x, y))
    assert on_screen, "no block whose people walk to their shelter is on the screen"
    click_at(browser, *on_screen[0])
    way = poll_script(
        browser,
        """
        const said = document.getElementById('flood-evacuee');
        const gd = document.querySelector('#flood-map .js-plotly-plot');
        if (!said || !gd.data[arguments[0]].lat.length) { return null; }
        return {text: said.innerText, lat: gd.data[arguments[0]].lat, lon: gd.data[arguments[0]].lon};
        """,
        TRACE_SHELTER_ROUTE,
    )
    browser.save_screenshot(str(SCREENSHOTS / "flood-evacuee.png"))
    assert way is not None, "clicking a block on the list drew no way to its shelter"
    assert " people to " in way["text"] and "on foot" in way["text"] and "km" in way["text"]
    end = [(x, y) for x, y in zip(way["lon"], way["lat"], strict=True) if x is not None][-1]
    assert end in {(network.lon[s.node], network.lat[s.node]) for s in network.shelters}

    # The evacuation list and the field map, fetched by the page as a person's download would be.
    body = browser.execute_script("return await (await fetch(document.getElementById('flood-csv').href)).text();")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == len(picture["evacuation"]) and sum(int(r["people"]) for r in rows) == people
    assert rows[0]["priority"] == "1" and rows[0]["kind"] in ("care_home", "hospital", "school")
    page = browser.execute_script("return await (await fetch(document.getElementById('flood-field-map').href)).text();")
    path_html = Path(tempfile.mkdtemp(prefix="cityops-flood-")) / "flood.html"
    path_html.write_text(page, encoding="utf-8")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    browser.get(path_html.as_uri())
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    seen = None
    while time.monotonic() < deadline:
        seen = browser.execute_script(
            """
            return {leaflet: typeof L, closed: document.querySelectorAll('path.field-closed').length,
                    blocks: document.querySelectorAll('path.field-block').length,
                    shelters: document.querySelectorAll('path.field-shelter').length,
                    rows: document.querySelectorAll('.report tr').length};
            """
        )
        if seen["leaflet"] == "object" and seen["closed"]:
            break
        time.sleep(0.25)
    browser.save_screenshot(str(SCREENSHOTS / "flood-field-map.png"))
    assert seen is not None and seen["leaflet"] == "object", seen
    assert seen["closed"] > 0 and seen["shelters"] == len(network.shelters)
    assert seen["blocks"] == len({r[0] for r in picture["evacuation"]})
    assert seen["rows"] == len(picture["evacuation"]) + 1


def _clicked(drawn: dict) -> tuple[float, float]:  # type: ignore[type-arg]
    """The route's end is the street nearest the click: routing to it again from there finds the same route."""
    return drawn["lon"][-2], drawn["lat"][-2]
