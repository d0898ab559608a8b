"""The fire-risk hex grid over the urban districts: which cells, where signals count, what is published."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import h3
from hypothesis import given
from hypothesis import strategies as st

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.fire.hexgrid import URBAN_KIND, HexGrid, hexes_view
from consumers.fire.risk import FireInputs
from consumers.processor import Processor, ProcessorConfig
from consumers.settings import Settings
from consumers.testing import MessageFactory

HOT_DRY = FireInputs(air_c=36.0, wind_m_s=3.0, rain_mm_h=0.0)


def test_the_urban_districts_are_covered_by_cells_of_about_a_square_kilometre_and_the_counties_by_none(
    pack: CityPack,
) -> None:
    grid = HexGrid(pack)
    urban = {code for code, d in pack.districts.items() if d.kind == URBAN_KIND}
    assert set(grid.cells_of) == urban and len(urban) == 6
    cells = [c for cs in grid.cells_of.values() for c in cs]
    assert len(cells) == len(set(cells))  # a cell belongs to one district: its centre's
    mean_km2 = sum(h3.cell_area(c, "km^2") for c in cells) / len(cells)
    assert 0.6 < mean_km2 < 0.9
    assert 80 < len(grid.cells_of["520103"]) < 160  # Yunyan, about 93 km²


def test_every_building_and_sensor_of_an_urban_district_counts_in_a_cell_of_its_own_district(pack: CityPack) -> None:
    grid = HexGrid(pack)
    own = {c: code for code, cs in grid.cells_of.items() for c in cs}
    urban_buildings = [b for b in pack.buildings.values() if b.district in grid.cells_of]
    assert urban_buildings and all(own[grid.building_cell[b.id]] == b.district for b in urban_buildings)
    for spec in pack.sensors.values():
        if spec.district in grid.cells_of:
            assert spec.id in grid.sensor_cells
            assert {own[c] for c in grid.sensor_cells[spec.id]} == {spec.district}


def test_a_power_line_counts_in_every_cell_of_its_district_that_its_path_crosses(pack: CityPack) -> None:
    grid = HexGrid(pack)
    lines = [s for s in pack.sensors_of_type("grid.line") if s.district in grid.cells_of]
    assert lines
    longest = max(lines, key=lambda s: len(grid.sensor_cells[s.id]))
    assert len(grid.sensor_cells[longest.id]) >= 3  # kilometres of line, not the one cell of its midpoint


def test_a_cell_with_a_fire_scores_the_fire_over_the_weather_and_cells_with_nothing_are_not_listed() -> None:
    view = hexes_view("520103", HOT_DRY, {"88409c1c1bfffff": FireInputs(confirmed=1, not_ready=1)})
    assert view["background"] == {
        "score": 15.0,
        "parts": [{"code": "hot", "points": 10.0, "air_c": 36.0}, {"code": "dry", "points": 5.0, "rain_mm_h": 0.0}],
    }
    cell = view["cells"]["88409c1c1bfffff"]
    assert [(p["code"], p["points"]) for p in cell["parts"]] == [
        ("incidents", 40.0),
        ("hot", 10.0),
        ("dry", 5.0),
        ("buildings_not_ready", 4.0),
    ]
    assert cell["score"] == 59.0 == sum(p["points"] for p in cell["parts"])
    assert list(view["cells"]) == ["88409c1c1bfffff"]


@given(
    confirmed=st.integers(0, 3),
    suspected=st.integers(0, 3),
    cameras=st.integers(0, 5),
    detectors=st.integers(0, 5),
    share=st.none() | st.floats(0.0, 2.0),
    not_ready=st.integers(0, 5),
)
def test_a_cell_never_scores_below_the_weather_alone(
    confirmed: int, suspected: int, cameras: int, detectors: int, share: float | None, not_ready: int
) -> None:
    signals = FireInputs(confirmed, suspected, cameras, detectors, share, not_ready)
    view = hexes_view("520103", HOT_DRY, {"c": signals})
    assert view["cells"]["c"]["score"] >= view["background"]["score"]


def test_the_processor_publishes_a_fire_in_the_cell_of_its_building_and_does_not_repeat_an_unchanged_grid(
    pack: CityPack,
) -> None:
    t0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    p = Processor(pack, ProcessorConfig(partitions=6), ManualClock(t0 + timedelta(minutes=1)))
    p.assign(range(6))
    factory = MessageFactory(Settings())
    b = pack.buildings["B-01"]  # Yunyan
    readings = [
        Reading("fire.citizen_report", "119-1", b.district, t0, {"lat": b.lat, "lon": b.lon}),
        Reading("fire.camera", "CAM-01", b.district, t0, {"smoke_confidence": 0.05}),
    ]
    for m in factory.readings(readings):
        p.process(m)
    records = {k.decode(): json.loads(v) for k, v in p.drain().state if v}
    hexes = records[f"hexes:{b.district}"]
    fire_cell = HexGrid(pack).cell_at(b.district, b.lat, b.lon)
    assert fire_cell in hexes["cells"]
    assert hexes["cells"][fire_cell]["parts"][0] == {
        "code": "incidents",
        "points": 15.0,
        "confirmed": 0,
        "suspected": 1,
    }
    assert "hexes:520123" not in records  # Xiuwen is a county: no grid
    again = [
        m
        for m in factory.readings(
            [Reading("fire.camera", "CAM-01", b.district, t0 + timedelta(seconds=30), {"smoke_confidence": 0.06})]
        )
    ]
    for m in again:
        p.process(m)
    keys = {k.decode() for k, _ in p.drain().state}
    assert f"district:{b.district}" in keys and f"hexes:{b.district}" not in keys


def test_a_district_whose_partition_went_away_and_came_back_publishes_its_grid_again(pack: CityPack) -> None:
    """Another process published the district meanwhile: what the topic holds is no longer ours, even when our
    grid says the same again."""
    t0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    p = Processor(pack, ProcessorConfig(partitions=6), ManualClock(t0 + timedelta(seconds=30)))
    p.assign(range(6))
    factory = MessageFactory(Settings())

    def calm(second: int) -> set[str]:
        reading = Reading("fire.camera", "CAM-01", "520103", t0 + timedelta(seconds=second), {"smoke_confidence": 0.05})
        for m in factory.readings([reading]):
            p.process(m)
        return {k.decode() for k, _ in p.drain().state}

    assert "hexes:520103" in calm(0)
    assert "hexes:520103" not in calm(10)  # the same grid: not written again
    p.revoke(range(6))
    p.assign(range(6))
    assert "hexes:520103" in calm(20)
