"""A real network as osmnx writes it: the hand-written GraphML in ``tests/data/flood`` loads with OSM's classes,
speeds and lengths, and a warning for each bad element."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumers.citypack import CityPack
from consumers.flood.network import Road, RoadNetwork
from consumers.flood.osm import load_osm_graphml
from tests.conftest import GUIYANG

SMALL = Path(__file__).resolve().parents[2] / "data" / "flood" / "osm-small.graphml"


@pytest.fixture(scope="module")
def small(pack: CityPack) -> tuple[RoadNetwork, list[str]]:
    return load_osm_graphml(SMALL, pack)


def _road(network: RoadNetwork, u: str, v: str) -> Road:
    (road,) = [r for r in network.roads if (network.node_ids[r.u], network.node_ids[r.v]) == (u, v)]
    return road


def test_highway_values_map_to_the_kept_classes(small: tuple[RoadNetwork, list[str]]) -> None:
    network, _ = small
    assert _road(network, "100001", "100002").road_class == "trunk"
    assert _road(network, "100005", "100006").road_class == "residential"
    assert _road(network, "100006", "100003").road_class == "primary"  # ['primary', 'primary_link']
    assert _road(network, "100009", "100010").road_class == "residential"  # living_street


def test_speeds_and_lengths_are_read_as_osm_writes_them(small: tuple[RoadNetwork, list[str]]) -> None:
    network, _ = small
    trunk = _road(network, "100001", "100002")
    assert (trunk.speed_kmh, trunk.length_m) == (60.0, pytest.approx(199.416))
    assert _road(network, "100002", "100005").speed_kmh == pytest.approx(48.28, abs=0.01)  # "30 mph"
    assert _road(network, "100006", "100003").speed_kmh == 45.0  # ['50', '40']: the mean
    assert _road(network, "100006", "100008").speed_kmh == 40.0  # no maxspeed: the tertiary default


def test_names_and_heights(small: tuple[RoadNetwork, list[str]]) -> None:
    network, _ = small
    trunk = _road(network, "100001", "100002")
    assert (trunk.name_en, trunk.name_zh) == ("Binhe Road", "滨河路")
    assert _road(network, "100006", "100003").name_zh == "中华南路"  # the first of a list
    heights = dict(zip(network.node_ids, network.hand_m, strict=True))
    assert heights["100003"] == 0.6
    assert heights["100007"] is None  # elevation above sea level is not a height above the river


def test_footways_and_dangling_edges_are_dropped(small: tuple[RoadNetwork, list[str]]) -> None:
    network, _ = small
    pairs = {(network.node_ids[r.u], network.node_ids[r.v]) for r in network.roads}
    assert ("100004", "100007") not in pairs
    assert "100099" not in network.node_ids
    assert len(network.roads) == 18


@pytest.mark.parametrize(
    "expected",
    [
        "osm-small.graphml edge 100008->100099: end 100099 is no node; dropped",
        "osm-small.graphml edge 100006->100008: no speed; tertiary default 40 km/h",
        "osm-small.graphml edge 100008->100006: no speed; tertiary default 40 km/h",
        "dropped 2 way(s) no vehicle drives on (2 footway)",
        "1 of 10 node(s) have no hand_m",
        "a part of 2 node(s) (e.g. node 100009)",
        "osm-small.graphml node 100099: no usable position",
    ],
)
def test_each_bad_element_is_warned_about(small: tuple[RoadNetwork, list[str]], expected: str) -> None:
    _, warnings = small
    assert [w for w in warnings if expected in w] != [], warnings


def test_places_come_from_a_pack_and_snap_to_the_largest_part(pack: CityPack) -> None:
    network, _ = load_osm_graphml(SMALL, pack, places_root=GUIYANG)
    assert len(network.blocks) > 3000
    outside = {network.node_ids.index("100009"), network.node_ids.index("100010")}
    assert {p.node for p in (*network.stations, *network.shelters, *network.blocks)}.isdisjoint(outside)


def test_no_places_without_a_places_root(small: tuple[RoadNetwork, list[str]]) -> None:
    network, _ = small
    assert (network.stations, network.shelters, network.blocks) == ((), (), ())
    assert "OpenStreetMap" in network.source


def test_a_missing_file_is_a_clear_error(tmp_path: Path, pack: CityPack) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.graphml"):
        load_osm_graphml(tmp_path / "nowhere.graphml", pack)
