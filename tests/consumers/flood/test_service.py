"""The flood service's reading of ``city.state``, without a broker: what changes a gauge, what a restart takes back,
and that a malformed record leaves its gauge out instead of stopping the picture."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from consumers.citypack import CityPack
from consumers.flood.network import RoadNetwork, load_flood_pack
from consumers.flood.picture import PICTURE_KEY
from consumers.flood.service import FloodService
from consumers.settings import Settings
from consumers.transport.memory import MemoryTransport
from tests.consumers.flood.test_picture import gauges

AT = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def network(pack: CityPack) -> RoadNetwork:
    return load_flood_pack(pack.root, pack)[0]


def test_only_a_gauges_new_reading_asks_for_a_new_picture(settings: Settings, pack: CityPack, network) -> None:  # type: ignore[no-untyped-def]
    service = FloodService(settings, MemoryTransport(), pack, network)
    doc = orjson.dumps(gauges(pack, 1.2, AT)["NM-04"])
    assert service.observe("sensor:NM-04", doc)
    assert not service.observe("sensor:NM-04", doc)  # the same reading again (a replay): nothing to do
    assert not service.observe("sensor:B-01-SPR", b'{"id": "B-01-SPR"}')  # not a gauge
    assert not service.observe("district:520102", b"{}")
    assert service.observe("sensor:NM-04", None)  # a tombstone takes the gauge out


def test_malformed_records_leave_their_gauge_out_and_the_picture_is_still_made(
    settings: Settings, pack: CityPack, network: RoadNetwork
) -> None:
    service = FloodService(settings, MemoryTransport(), pack, network)
    service.observe(PICTURE_KEY, b"[1, 2, 3]")  # not a picture: no closure times to take back, no crash
    service.observe(PICTURE_KEY, b'{"network": 7, "closed": "all"}')
    for gauge_id, doc in gauges(pack, 1.2, AT).items():
        service.observe(f"sensor:{gauge_id}", orjson.dumps(doc))
    assert not service.observe("sensor:NM-01", b'["not", "a", "view"]')
    bad_history = {**gauges(pack, 1.2, AT)["NM-02"], "river": {"history": {"t": [5], "v": ["x"]}}}
    service.observe("sensor:NM-02", orjson.dumps(bad_history))
    picture = service.picture()
    assert picture is not None and "NM-02" not in picture["gauges"] and "NM-04" in picture["gauges"]
    assert picture["closed"]["i"]  # the other Nanming gauges still flood their streets


def test_a_restarted_service_takes_its_closure_times_back_from_its_last_picture(
    settings: Settings, pack: CityPack, network: RoadNetwork
) -> None:
    first = FloodService(settings, MemoryTransport(), pack, network)
    for gauge_id, doc in gauges(pack, 1.2, AT).items():
        first.observe(f"sensor:{gauge_id}", orjson.dumps(doc))
    before = first.picture()
    assert before is not None and before["closed"]["i"]
    again = FloodService(settings, MemoryTransport(), pack, network)
    again.observe(PICTURE_KEY, orjson.dumps(before))
    assert again.model.closed_since == dict(zip(before["closed"]["i"], before["closed"]["since_t"], strict=True))
