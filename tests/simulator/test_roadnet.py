"""The generated flood pack: the committed files are what the script makes from its seed, and what it makes is a
connected city network whose blocks hold the districts' people and whose low ground is along the Nanming."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from shapely.geometry import Point

from consumers.citypack import CityPack
from simulator.roadnet import CITY_POPULATION, GUIYANG, URBAN_DISTRICTS, main

FLOOD = GUIYANG / "flood"
FILES = ("roads.json", "stations.json", "shelters.json", "blocks.json", "population.json")


def _read(name: str) -> Any:
    return json.loads((FLOOD / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def roads() -> dict[str, Any]:
    return dict(_read("roads.json"))


def test_regenerating_gives_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    main(["--out", str(tmp_path)])
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (FLOOD / name).read_bytes(), name


def test_the_network_is_big_connected_and_small_on_disk(roads: dict[str, Any]) -> None:
    assert len(roads["roads"]) >= 20_000
    graph = nx.DiGraph((u, v) for u, v, *_ in roads["roads"])
    graph.add_nodes_from(node[0] for node in roads["nodes"])
    assert nx.number_strongly_connected_components(graph) == 1
    assert (FLOOD / "roads.json").stat().st_size < 3_000_000
    classes = Counter(road[2] for road in roads["roads"])
    assert {"trunk", "primary", "secondary", "tertiary", "residential", "service"} <= set(classes)


def test_the_named_arterials_have_english_and_chinese_names(roads: dict[str, Any]) -> None:
    names = {(road[5], road[6]) for road in roads["roads"] if road[2] in ("trunk", "primary")}
    for expected in [("Huaxi Avenue", "花溪大道"), ("Zhonghua Road", "中华路"), ("Beijing Road", "北京路")]:
        assert expected in names
    assert ("Binhe Road", "滨河路") in {(road[5], road[6]) for road in roads["roads"]}


def test_blocks_hold_each_districts_people_and_the_districts_the_city() -> None:
    population = {row["code"]: row for row in _read("population.json")["districts"]}
    assert len(population) == 10
    assert sum(row["population"] for row in population.values()) == CITY_POPULATION == 5_987_018
    assert population["520115"]["population"] == 642_634
    assert "census" in population["520115"]["source"]
    assert all("authored estimate" in row["source"] for code, row in population.items() if code != "520115")
    people = Counter[str]()
    for block in _read("blocks.json"):
        people[block["district"]] += block["population"]
    assert dict(people) == {code: population[code]["population"] for code in URBAN_DISTRICTS}


def test_every_place_is_inside_its_district(pack: CityPack) -> None:
    places = [*_read("stations.json"), *_read("shelters.json"), *_read("blocks.json")]
    assert [p["id"] for p in places if pack.place(p["district"], p["lon"], p["lat"]) is not None] == []
    stations = Counter(p["kind"] for p in _read("stations.json"))
    assert stations == {"fire_station": 12, "hospital": 8}
    assert all(500 <= s["capacity"] <= 8000 for s in _read("shelters.json"))


def test_low_ground_lies_along_the_nanming_in_huaxi_and_the_centre(pack: CityPack, roads: dict[str, Any]) -> None:
    geo = pack.geo
    assert geo is not None
    low = Counter[str]()
    for _, lon, lat, hand in roads["nodes"]:
        if hand < 1.5 and geo.metres_from_river("nanming", lon, lat) < 300:
            code = next((c for c, shape in geo.districts.items() if shape.covers(Point(lon, lat))), "")
            low["centre" if code in ("520102", "520103") else code] += 1
    assert low["520111"] >= 10
    assert low["centre"] >= 10
    assert sum(low.values()) < 0.05 * len(roads["nodes"])  # most of the city is high and dry


def test_care_homes_and_schools_stand_on_the_low_bank() -> None:
    low = {b["kind"] for b in _read("blocks.json") if b["kind"] != "residential" and b["hand_m"] < 1.0}
    assert {"care_home", "school"} <= low
