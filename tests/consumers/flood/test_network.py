"""Loading the flood pack: the committed Guiyang files load clean, and every kind of bad input comes back as one
warning naming the element, with the element dropped or mended as the warning says, never as a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from consumers.citypack import CityPack
from consumers.flood.network import DEFAULT_SPEED_KMH, RoadNetwork, distance_m, load_flood_pack
from tests.conftest import GUIYANG


@pytest.fixture(scope="module")
def guiyang(pack: CityPack) -> tuple[RoadNetwork, list[str]]:
    return load_flood_pack(GUIYANG, pack)


def test_the_guiyang_flood_pack_loads_without_warnings(guiyang: tuple[RoadNetwork, list[str]]) -> None:
    network, warnings = guiyang
    assert warnings == []
    assert len(network.roads) >= 20_000
    assert all(h is not None for h in network.hand_m)
    assert {s.kind for s in network.stations} == {"fire_station", "hospital"}
    assert len(network.shelters) >= 20
    assert {b.kind for b in network.blocks} == {"residential", "care_home", "school", "hospital"}
    assert "not OpenStreetMap" in network.source


def test_every_place_is_snapped_to_a_nearby_intersection(guiyang: tuple[RoadNetwork, list[str]]) -> None:
    network, _ = guiyang
    places = [*network.stations, *network.shelters, *network.blocks]
    far = [p.id for p in places if distance_m(p.lon, p.lat, network.lon[p.node], network.lat[p.node]) > 300]
    assert far == []


def test_a_missing_flood_folder_is_a_clear_error(tmp_path: Path, pack: CityPack) -> None:
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "flood")):
        load_flood_pack(tmp_path, pack)


# A small network beside Jiaxiu Tower: a, b, c, d are a two-way square; x, y a pair on their own.
NODES: list[list[Any]] = [
    ["a", 106.7100, 26.5820, 1.0],
    ["b", 106.7120, 26.5820, 2.0],
    ["c", 106.7120, 26.5835, 3.0],
    ["d", 106.7100, 26.5835, 4.0],
    ["a", 106.7000, 26.5900, 9.0],  # duplicate id
    ["x", 106.7200, 26.5900, 5.0],
    ["y", 106.7210, 26.5900, 5.0],
]


def _two_way(u: str, v: str, road_class: str = "residential", speed: Any = 30, length: Any = 200.0) -> list[list[Any]]:
    return [[u, v, road_class, speed, length, "Wenchang Road", "文昌路"], [v, u, road_class, speed, length, "", ""]]


ROADS: list[list[Any]] = [
    *_two_way("a", "b"),
    *_two_way("b", "c"),
    *_two_way("d", "a"),
    ["c", "d", "residential", None, 200.0, "", ""],  # missing speed
    ["d", "c", "highway_of_dreams", 30, 200.0, "", ""],  # unknown class
    ["a", "c", "tertiary", 40, 0, "", ""],  # non-positive length
    ["a", "zz", "residential", 30, 100.0, "", ""],  # dangling
    *_two_way("x", "y"),  # a part of its own
]
STATIONS = [
    {
        "id": "FS-OK",
        "kind": "fire_station",
        "name_en": "Test Fire Station",
        "name_zh": "测试消防站",
        "district": "520103",
        "lon": 106.7121,
        "lat": 26.5836,
        "vehicles": {"truck": 2, "boat": 1},
    }
]
SHELTERS = [
    {
        "id": "SH-OK",
        "name_en": "Gym",
        "name_zh": "体育馆",
        "district": "520103",
        "lon": 106.7101,
        "lat": 26.5821,
        "capacity": 800,
    },
    {
        "id": "SH-ZERO",
        "name_en": "Hall",
        "name_zh": "礼堂",
        "district": "520103",
        "lon": 106.7101,
        "lat": 26.5822,
        "capacity": 0,
    },
]
BLOCKS = [
    {"id": "BK-OK", "kind": "residential", "district": "520103", "lon": 106.7119, "lat": 26.5821, "population": 900},
    {"id": "BK-OUT", "kind": "residential", "district": "520103", "lon": 100.0, "lat": 20.0, "population": 900},
    {"id": "BK-OK", "kind": "school", "district": "520103", "lon": 106.7100, "lat": 26.5836, "population": 1200},
    {"id": "BK-ZERO", "kind": "care_home", "district": "520103", "lon": 106.7119, "lat": 26.5821, "population": 0},
]


def _write_pack(root: Path) -> Path:
    flood = root / "flood"
    flood.mkdir()
    roads = {"schema": 1, "source": "test", "licence": "test", "nodes": NODES, "roads": ROADS}
    (flood / "roads.json").write_text(json.dumps(roads))
    for name, items in (("stations.json", STATIONS), ("shelters.json", SHELTERS), ("blocks.json", BLOCKS)):
        (flood / name).write_text(json.dumps(items, ensure_ascii=False))
    return root


@pytest.fixture
def bad(tmp_path: Path, pack: CityPack) -> tuple[RoadNetwork, list[str]]:
    return load_flood_pack(_write_pack(tmp_path), pack)


@pytest.mark.parametrize(
    ("element", "says"),
    [
        ("nodes[a]", "duplicate node id a"),
        ("roads[#9 a->zz]", "end zz is no node; dropped"),
        ("roads[#6 c->d]", "no speed; residential default 30 km/h"),
        ("roads[#7 d->c]", "unknown road class 'highway_of_dreams'; taken as residential"),
        ("roads[#8 a->c]", "length 0 is not positive"),
        ("e.g. node x", "a part of 2 node(s)"),
        ("shelters.json[SH-ZERO]", "capacity 0 is not a positive whole number; dropped"),
        ("blocks.json[BK-OUT]", "outside every district; dropped"),
        ("blocks.json[BK-ZERO]", "population 0 is not a positive whole number; dropped"),
        ("blocks.json[BK-OK]", "duplicate id; the later one dropped"),
    ],
)
def test_each_bad_element_is_one_warning_naming_it(bad: tuple[RoadNetwork, list[str]], element: str, says: str) -> None:
    _, warnings = bad
    assert len([w for w in warnings if element in w and says in w]) == 1, warnings


def test_bad_input_gives_no_other_warnings(bad: tuple[RoadNetwork, list[str]]) -> None:
    """Ten bad elements, ten warnings: nothing is warned twice, and the good elements not at all."""
    _, warnings = bad
    assert len(warnings) == 10, warnings


def test_bad_elements_are_dropped_or_mended_as_warned(bad: tuple[RoadNetwork, list[str]]) -> None:
    network, _ = bad
    ids = network.node_ids
    assert ids == ("a", "b", "c", "d", "x", "y")
    assert network.lon[0] == 106.7100  # the first "a" is kept, the duplicate dropped
    roads = {(ids[r.u], ids[r.v]): r for r in network.roads}
    assert ("a", "zz") not in roads
    assert roads[("c", "d")].speed_kmh == DEFAULT_SPEED_KMH["residential"]
    assert roads[("d", "c")].road_class == "residential"
    assert roads[("a", "c")].length_m == pytest.approx(distance_m(106.71, 26.582, 106.712, 26.5835))
    assert ("x", "y") in roads  # a part of its own is kept, only warned about
    assert [s.id for s in network.shelters] == ["SH-OK"]
    assert [b.id for b in network.blocks] == ["BK-OK"]


def test_places_snap_to_the_largest_part_and_keep_their_details(bad: tuple[RoadNetwork, list[str]]) -> None:
    network, _ = bad
    (station,) = network.stations
    assert network.node_ids[station.node] == "c"
    assert dict(station.vehicles) == {"truck": 2, "ambulance": 0, "car": 0, "boat": 1}
    (block,) = network.blocks
    assert network.node_ids[block.node] == "b"
    assert block.hand_m == 2.0  # no hand_m of its own: its intersection's


def test_many_warnings_of_one_kind_are_summed_up(tmp_path: Path, pack: CityPack) -> None:
    """A real export has thousands of streets without a speed limit: fifty are named, the rest counted."""
    flood = tmp_path / "flood"
    flood.mkdir()
    nodes = [[i, 106.71 + i * 0.001, 26.582, 1.0] for i in range(80)]
    roads = [[i, j, "residential", None, 100.0] for i in range(79) for j in (i + 1,)]
    roads += [[i + 1, i, "residential", 30, 100.0] for i in range(79)]
    (flood / "roads.json").write_text(json.dumps({"schema": 1, "nodes": nodes, "roads": roads}))
    for name in ("stations.json", "shelters.json", "blocks.json"):
        (flood / name).write_text("[]")
    network, warnings = load_flood_pack(tmp_path, pack)
    assert len(network.roads) == 158
    assert len([w for w in warnings if "no speed" in w]) == 50
    assert "... and 29 more warning(s) of the kind 'road speed'" in warnings
