"""The flood service on the real broker: gauge records produced by a plain client go through the consumers to
``city.state``; the flood service reads them there, floods the streets beside the Nanming River, closes them, and a
rescue route that crossed them before goes round them after."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from kafka.producer import KafkaProducer

from consumers.citypack import CityPack
from consumers.contract import Reading
from consumers.flood.network import RoadNetwork, load_flood_pack
from consumers.flood.picture import PICTURE_KEY
from consumers.flood.routing import RoadGraph, road_costs
from consumers.flood.service import FloodService
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import Transport
from dashboard.state_view import StateView

pytestmark = pytest.mark.kafka
NANMING = ("NM-01", "NM-02", "NM-03", "NM-04")
JIAXIU = (106.715, 26.5766)


@pytest.fixture(scope="module")
def network(pack: CityPack) -> RoadNetwork:
    network, warnings = load_flood_pack(pack.root, pack)
    assert warnings == []
    return network


@pytest.fixture
def flood_service(
    kafka_settings: Settings, kafka_transport: Transport, pack: CityPack, network: RoadNetwork
) -> Iterator[FloodService]:
    service = FloodService(kafka_settings, kafka_transport, pack, network)
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
    thread.start()
    yield service
    stop.set()
    thread.join(timeout=10)


def produce_stages(
    producer: KafkaProducer, settings: Settings, pack: CityPack, above_bank: float, at: datetime
) -> None:
    """Every Nanming gauge at ``above_bank`` metres over its bank level (its flood_warning stage), three readings
    a minute apart ending at ``at``."""
    for minutes in (2, 1, 0):
        for gauge_id in NANMING:
            spec = pack.sensors[gauge_id]
            stage = float(spec.params["thresholds"]["flood_warning"]) + above_bank
            reading = Reading(spec.type, spec.id, spec.district, at - timedelta(minutes=minutes), {"stage_m": stage})
            producer.send(settings.topics.river, key=spec.district.encode(), value=reading.encode())
    producer.flush(timeout=30)


def a_route_across_low_ground(network: RoadNetwork, graph: RoadGraph) -> tuple[int, tuple[int, ...]]:
    """A target on high ground near Jiaxiu Tower whose dry-city ambulance route crosses streets less than a metre
    above the bank: a river 1.5 m over its banks puts more than 0.5 m of water there, which closes them."""
    hand = np.array([np.nan if h is None else h for h in network.hand_m])
    dry = road_costs(network, np.zeros(len(network.roads)), "ambulance")
    near = np.argsort((np.asarray(network.lon) - JIAXIU[0]) ** 2 + (np.asarray(network.lat) - JIAXIU[1]) ** 2)
    for node in near[:3000]:
        if not 2.0 <= hand[node] <= 6.0:
            continue
        answer = graph.rescue_route(dry, int(node))
        if answer.best is None:
            continue
        low = [i for i in answer.best.roads if min(hand[network.roads[i].u], hand[network.roads[i].v]) < 1.0]
        if low:
            return int(node), answer.best.roads
    raise AssertionError("no route near Jiaxiu Tower crosses the low ground: the pack's terrain changed")


def test_a_produced_flood_closes_streets_and_the_route_goes_round_them(
    kafka_settings: Settings,
    pack: CityPack,
    producer: KafkaProducer,
    runner_thread: ConsumerRunner,
    view: StateView,
    flood_service: FloodService,
    network: RoadNetwork,
) -> None:
    graph = RoadGraph(network)
    target, dry_roads = a_route_across_low_ground(network, graph)
    now = datetime.now(UTC).replace(microsecond=0)

    produce_stages(producer, kafka_settings, pack, -1.0, now - timedelta(minutes=10))  # a metre under the banks

    def picture_at(at: datetime):  # type: ignore[no-untyped-def]
        def ready(snapshot) -> bool:  # type: ignore[no-untyped-def]
            doc = snapshot.entities.get(PICTURE_KEY)
            return doc is not None and doc["event_time"] == at.isoformat() and len(doc["gauges"]) == len(NANMING)

        assert view.wait_until(ready, 60), view.snapshot.entities.get(PICTURE_KEY)
        return view.snapshot.entities[PICTURE_KEY]

    calm = picture_at(now - timedelta(minutes=10))
    assert calm["closed"]["i"] == [] and calm["evacuation"] == []

    produce_stages(producer, kafka_settings, pack, 1.5, now)
    flood = picture_at(now)
    closed = set(flood["closed"]["i"])
    assert closed, "a river 1.5 m over its banks closes streets beside it"
    assert closed & set(dry_roads), "the flood closes streets of the route taken in the dry"
    assert all(since == pytest.approx(now.timestamp()) for since in flood["closed"]["since_t"])
    assert flood["totals"]["city"]["people"] > 0 and flood["evacuation"]

    depth = np.zeros(len(network.roads))
    depth[flood["wet"]["i"]] = flood["wet"]["d"]
    wet = road_costs(network, depth, "ambulance")
    after = graph.rescue_route(wet, target)
    assert after.best is not None, after.blocked
    assert not any(wet.closed[i] for i in after.best.roads)
    assert set(after.best.roads) != set(dry_roads)
