"""What the flood page takes from the browser's stores: a client can put anything there, and the page then shows no
route rather than failing the refresh."""

from __future__ import annotations

import math

from dashboard.flood.picks import picked_point as _point
from dashboard.flood.picks import route_roads as _roads


def test_a_picked_point_is_taken_only_as_two_finite_numbers() -> None:
    assert _point({"lon": 106.71, "lat": 26.58}) == (106.71, 26.58)
    assert _point({"lon": "106.71", "lat": 26.58}) == (106.71, 26.58)
    for bad in (
        None,
        [],
        "x",
        {"lon": 1},
        {"lon": "east", "lat": 2},
        {"lon": math.inf, "lat": 0},
        {"lon": None, "lat": 1},
    ):
        assert _point(bad) is None, bad


def test_an_earlier_route_is_taken_only_as_road_indexes_of_this_network() -> None:
    assert _roads([0, 5, 9], 10) == [0, 5, 9]
    for bad in (None, "0,1", [0, 10], [-1], [1.5], [True, "2"]):
        assert _roads(bad, 10) is None, bad
