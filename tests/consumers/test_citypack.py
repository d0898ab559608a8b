"""Tests of the city pack loader: the real Guiyang pack, and a table of broken packs."""

from __future__ import annotations

import json
import math
import pickle
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import LineString, Point

from consumers.citypack import (
    BUILDING_DEVICE_TYPES,
    CityPack,
    CityPackError,
    city_pack_path,
    load_city_pack,
)
from consumers.contract import SENSOR_TYPES

ASSETS = Path(__file__).resolve().parents[2] / "assets"
GUIYANG = city_pack_path(ASSETS, "guiyang")
JIAXIU_TOWER = (26.578, 106.714)  # lat, lon (DESIGN.md reference facts)


def metres(lat0: float) -> Callable[[float, float], tuple[float, float]]:
    """A local equirectangular projection around ``lat0``: (lon, lat) -> (x m, y m)."""
    kx = math.cos(math.radians(lat0)) * 111_320.0
    return lambda lon, lat: (lon * kx, lat * 110_574.0)


@pytest.fixture(scope="module")
def pack() -> CityPack:
    return load_city_pack(GUIYANG)


# ------------------------------------------------------------------------------------------ the real pack


def test_city_pack_path() -> None:
    assert city_pack_path(Path("/a/assets"), "guiyang") == Path("/a/assets/city/guiyang")


def test_guiyang_pack_loads(pack: CityPack) -> None:
    assert (pack.name_en, pack.name_zh, pack.timezone, pack.crs) == (
        "Guiyang",
        "贵阳",
        "Asia/Shanghai",
        "GCJ-02",
    )
    assert pack.population == 5_987_018
    assert len(pack.districts) == 10
    assert set(pack.districts) == {f["id"] for f in pack.districts_geojson["features"]}
    assert pack.districts["520115"].name_en == "Guanshanhu"
    assert len(pack.rivers) >= 1
    assert "nanming" in pack.rivers


def test_every_sensor_type_of_the_contract_occurs(pack: CityPack) -> None:
    assert {s.type for s in pack.sensors.values()} == set(SENSOR_TYPES)


def test_every_district_has_a_sensor(pack: CityPack) -> None:
    for code in pack.districts:
        assert pack.sensors_in_district(code), code


def test_central_districts_have_the_most_sensors(pack: CityPack) -> None:
    counts = Counter(s.district for s in pack.sensors.values())
    top2 = {code for code, _ in counts.most_common(2)}
    assert top2 == {"520102", "520103"}  # Nanming and Yunyan, the old city


def test_nanming_river_passes_jiaxiu_tower(pack: CityPack) -> None:
    to_m = metres(JIAXIU_TOWER[0])
    river = LineString([to_m(lon, lat) for lon, lat in pack.rivers["nanming"].coords])
    assert len(river.coords) >= 30
    assert river.distance(Point(to_m(JIAXIU_TOWER[1], JIAXIU_TOWER[0]))) < 500


def test_gauges_sit_on_their_rivers_with_ordered_thresholds(pack: CityPack) -> None:
    gauges = pack.sensors_of_type("river")
    assert 8 <= len(gauges) <= 10
    assert sum(g.params["river"] == "nanming" for g in gauges) > len(gauges) / 2
    for g in gauges:
        to_m = metres(g.lat)
        river = LineString([to_m(lon, lat) for lon, lat in pack.rivers[g.params["river"]].coords])
        assert river.distance(Point(to_m(g.lon, g.lat))) < 50, g.id
        t = g.params["thresholds"]
        assert t["drought_low"] < g.params["normal"]["stage_m"] < t["flood_warning"] < t["flood_danger"]


def test_sensors_of_type_prefix(pack: CityPack) -> None:
    cameras = pack.sensors_of_type("fire.camera")
    assert 8 <= len(cameras) <= 12
    assert all(c.type == "fire.camera" for c in cameras)
    fire = pack.sensors_of_type("fire")
    assert {s.type for s in fire} == {t for t in SENSOR_TYPES if t.startswith("fire.")}
    assert pack.sensors_of_type("fire.cam") == []


def test_buildings_carry_every_fire_device_type(pack: CityPack) -> None:
    assert len(pack.buildings) >= 300  # issue 9: a plausible inventory of public buildings
    for building in pack.buildings.values():
        devices = [pack.sensors[d] for d in building.device_ids]
        assert {d.type for d in devices} == set(BUILDING_DEVICE_TYPES), building.id
        for d in devices:
            assert (d.building_id, d.district, d.lat, d.lon) == (
                building.id,
                building.district,
                building.lat,
                building.lon,
            )
    heat = pack.sensors_of_type("fire.heat_detector")
    assert {d.params["alarm_c"] for d in heat} == {57}


def test_line_segments(pack: CityPack) -> None:
    lines = pack.sensors_of_type("grid")
    assert 12 <= len(lines) <= 20
    assert {s.params["voltage_kv"] for s in lines} == {110, 220, 500}
    for s in lines:
        path = s.params["path"]
        assert 2 <= len(path) <= 4
        assert s.params["max_temp_c"] in (70, 80)
        assert 0.4 <= s.params["normal_load_a"] / s.params["rated_current_a"] <= 0.6, s.id
        middle = LineString(path).interpolate(0.5, normalized=True)
        assert (s.lon, s.lat) == pytest.approx((middle.x, middle.y))


def test_pack_is_read_only(pack: CityPack) -> None:
    gauge = pack.sensors["NM-01"]
    with pytest.raises(TypeError):
        gauge.params["thresholds"]["flood_danger"] = 99.0
    with pytest.raises(TypeError):
        pack.sensors["X"] = gauge  # type: ignore[index]
    assert hash(gauge) == hash(pack.sensors["NM-01"])


# ---------------------------------------------------------------------------------------- broken packs


def read(root: Path, name: str) -> Any:
    return json.loads((root / name).read_text(encoding="utf-8"))


def write(root: Path, name: str, doc: Any) -> None:
    (root / name).write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def edit_item(name: str, item_id: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    """A corruption that changes one item (a list entry or a GeoJSON feature) of one file."""

    def corrupt(root: Path) -> None:
        doc = read(root, name)
        items = doc["features"] if isinstance(doc, dict) else doc
        for item in items:
            if item.get("properties", item).get("id") == item_id:
                change(item)
                break
        else:
            raise AssertionError(f"{item_id} not in {name}")
        write(root, name, doc)

    return corrupt


def set_key(*path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set a (nested) key; on a GeoJSON feature the path starts in its properties unless it is geometry."""

    def change(item: dict[str, Any]) -> None:
        target = item["properties"] if "properties" in item and path[0] != "geometry" else item
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def drop_key(key: str) -> Callable[[dict[str, Any]], None]:
    def change(item: dict[str, Any]) -> None:
        del item[key]

    return change


def move_north(metres_: float) -> Callable[[dict[str, Any]], None]:
    def change(item: dict[str, Any]) -> None:
        item["lat"] += metres_ / 110_574.0

    return change


def drop_device(device_id: str) -> Callable[[dict[str, Any]], None]:
    def change(item: dict[str, Any]) -> None:
        item["devices"] = [d for d in item["devices"] if d["id"] != device_id]

    return change


def set_device(device_id: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(item: dict[str, Any]) -> None:
        next(d for d in item["devices"] if d["id"] == device_id)[key] = value

    return change


def delete_file(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).unlink()


def break_json(name: str) -> Callable[[Path], None]:
    def corrupt(root: Path) -> None:
        text = (root / name).read_text(encoding="utf-8")
        (root / name).write_text(text.replace('"type": "grid.line",', '"type": "grid.line",,', 1), encoding="utf-8")

    return corrupt


# name -> (corruption, words that the single problem must contain: the file and item first)
BROKEN: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "unknown district": (
        edit_item("gauges.json", "NM-03", set_key("district", value="520199")),
        ("gauges.json[NM-03]", "district 520199 is not in districts.geojson"),
    ),
    "duplicate id across files": (
        edit_item("cameras.json", "CAM-02", set_key("id", value="NM-01")),
        ("cameras.json[NM-01]", "duplicate id NM-01", "gauges.json"),
    ),
    "duplicate device id": (
        edit_item("buildings.json", "B-05", set_device("B-05-PANEL", "id", "B-04-PANEL")),
        ("buildings.json[B-05/B-04-PANEL]", "duplicate id B-04-PANEL"),
    ),
    "unordered thresholds": (
        edit_item("gauges.json", "NM-02", set_key("thresholds", "flood_warning", value=5.0)),
        ("gauges.json[NM-02]", "not strictly ordered", "got 0.45, 1, 5, 3.6"),
    ),
    "normal stage below drought level": (
        edit_item("gauges.json", "QS-01", set_key("normal", "stage_m", value=0.2)),
        ("gauges.json[QS-01]", "not strictly ordered"),
    ),
    "gauge off its river": (
        edit_item("gauges.json", "NM-06", move_north(1000)),
        ("gauges.json[NM-06]", "from river 'nanming'"),
    ),
    "unknown river": (
        edit_item("gauges.json", "MT-01", set_key("river", value="yangtze")),
        ("gauges.json[MT-01]", "river 'yangtze' is not in rivers.geojson"),
    ),
    "camera outside its district": (
        edit_item("cameras.json", "CAM-09", set_key("district", value="520122")),
        ("cameras.json[CAM-09]", "outside district 520122"),
    ),
    "building outside its district": (
        edit_item("buildings.json", "B-14", set_key("district", value="520112")),
        ("buildings.json[B-14]", "outside district 520112"),
    ),
    "line segment outside its district": (
        edit_item("lines.geojson", "L-09", set_key("district", value="520112")),
        ("lines.geojson[L-09]", "outside district 520112"),
    ),
    "bad JSON": (break_json("lines.geojson"), ("lines.geojson", "invalid JSON at line")),
    "missing file": (delete_file("cameras.json"), ("cameras.json", "file is missing")),
    "missing key": (
        edit_item("cameras.json", "CAM-03", drop_key("lat")),
        ("cameras.json[CAM-03]", "missing key 'lat'"),
    ),
    "wrong type for the file": (
        edit_item("gauges.json", "NM-01", set_key("type", value="fire.camera")),
        ("gauges.json[NM-01]", "'fire.camera' does not belong in gauges.json"),
    ),
    "type not in the contract": (
        edit_item("cameras.json", "CAM-04", set_key("type", value="fire.drone")),
        ("cameras.json[CAM-04]", "'fire.drone' is not a sensor type"),
    ),
    "device of a wrong type": (
        edit_item("buildings.json", "B-01", set_device("B-01-SMK-2", "type", "fire.camera")),
        ("buildings.json[B-01/B-01-SMK-2]", "does not belong"),
    ),
    "building without a hydrant": (
        edit_item("buildings.json", "B-12", drop_device("B-12-HYD")),
        ("buildings.json[B-12]", "has no fire.hydrant"),
    ),
    "line path with one vertex": (
        edit_item("lines.geojson", "L-05", set_key("geometry", "coordinates", value=[[106.6, 26.62]])),
        ("lines.geojson[L-05]", "needs at least 2"),
    ),
    "non-positive rating": (
        edit_item("lines.geojson", "L-06", set_key("rated_current_a", value=0)),
        ("lines.geojson[L-06]", "'rated_current_a' must be positive"),
    ),
    "implausible conductor temperature": (
        edit_item("lines.geojson", "L-07", set_key("max_temp_c", value=300)),
        ("lines.geojson[L-07]", "'max_temp_c' = 300 is outside 50..250"),
    ),
    "conductor not in the catalogue": (
        edit_item("lines.geojson", "L-08", set_key("conductor", value="2×AAAC 500")),
        ("lines.geojson[L-08]", "conductor '2×AAAC 500' is not in the catalogue"),
    ),
    "span above any line built": (
        edit_item("lines.geojson", "L-09", set_key("altitude_m", value=9000)),
        ("lines.geojson[L-09]", "'altitude_m' = 9000 is outside -500..6000"),
    ),
}


def broken_pack(tmp_path: Path, corrupt: Callable[[Path], None]) -> Path:
    root = tmp_path / "guiyang"
    shutil.copytree(GUIYANG, root)
    corrupt(root)
    return root


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_pack_is_rejected_with_a_named_problem(tmp_path: Path, case: str) -> None:
    corrupt, words = BROKEN[case]
    root = broken_pack(tmp_path, corrupt)
    with pytest.raises(CityPackError) as caught:
        load_city_pack(root)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(words[0] + ":"), problems
    for word in words[1:]:
        assert word in problems[0], problems
    assert problems[0] in str(caught.value)


def test_all_problems_are_reported(tmp_path: Path) -> None:
    def two_problems(root: Path) -> None:
        BROKEN["unknown district"][0](root)
        BROKEN["unordered thresholds"][0](root)
        (root / "lines.geojson").unlink()

    root = broken_pack(tmp_path, two_problems)
    with pytest.raises(CityPackError) as caught:
        load_city_pack(root)
    problems = caught.value.problems
    assert len(problems) == 3, problems
    assert any(p.startswith("gauges.json[NM-03]:") and "520199" in p for p in problems)
    assert pickle.loads(pickle.dumps(caught.value)).problems == problems
    assert any(p.startswith("gauges.json[NM-02]:") and "ordered" in p for p in problems)
    assert "lines.geojson: file is missing" in problems


def test_missing_districts_file_is_one_problem_not_one_per_sensor(tmp_path: Path) -> None:
    root = broken_pack(tmp_path, delete_file("districts.geojson"))
    with pytest.raises(CityPackError) as caught:
        load_city_pack(root)
    assert caught.value.problems == ["districts.geojson: file is missing"]


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CityPackError, match="does not exist"):
        load_city_pack(tmp_path / "atlantis")
