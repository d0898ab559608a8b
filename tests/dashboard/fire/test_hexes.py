"""The fire-risk grid as the map draws it: outlines once, each cell's score and hover lines from the records."""

from __future__ import annotations

from types import MappingProxyType

from consumers.citypack import CityPack
from consumers.fire.hexgrid import HexGrid
from dashboard.fire.hexes import HexLayer, hex_arrays
from dashboard.state_view import StateSnapshot


def test_the_layer_draws_every_cell_of_the_urban_districts_as_a_closed_hexagon(pack: CityPack) -> None:
    layer = HexLayer.of(pack)
    grid = HexGrid(pack)
    assert list(layer.cells) == [c for cs in grid.cells_of.values() for c in cs]
    features = layer.geojson["features"]
    assert [f["id"] for f in features] == list(layer.cells)
    ring = features[0]["geometry"]["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1]  # six corners, closed


def test_a_cell_with_signals_says_why_the_others_take_the_weather_and_a_silent_district_draws_nothing(
    pack: CityPack,
) -> None:
    layer = HexLayer.of(pack)
    yunyan = [i for i, code in enumerate(layer.districts) if code == "520103"]
    hot = layer.cells[yunyan[0]]
    weather = {"score": 15.0, "parts": [{"code": "hot", "points": 10.0, "air_c": 36.0}, {"code": "dry", "points": 5.0}]}
    fire = {"score": 55.0, "parts": [{"code": "incidents", "points": 40.0, "confirmed": 1, "suspected": 0}]}
    snapshot = StateSnapshot(MappingProxyType({"hexes:520103": {"background": weather, "cells": {hot: {**fire}}}}))
    z, text = hex_arrays(layer, snapshot, "en")
    assert z[yunyan[0]] == 55.0 and text[yunyan[0]] == "<br>fires: 1 confirmed, 0 suspected +40"
    assert {z[i] for i in yunyan[1:]} == {15.0}
    assert text[yunyan[1]] == ""  # the weather alone: the district's hover says what it is
    nanming = layer.districts.index("520102")
    assert z[nanming] is None and text[nanming] == ""  # no record: nothing reports there, no colour
    _, zh = hex_arrays(layer, snapshot, "zh")
    assert zh[yunyan[0]] == "<br>火情：1 起已确认，0 起疑似 +40"
