"""Rescue routes through flooded streets: speed falls with depth, streets close at the vehicle's depth, dry streets
are preferred, and when no safe way exists the answer says how close one gets and what blocks it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.flood.inundation import road_depths
from consumers.flood.routing import (
    CLOSES_AT_M,
    WADING_KMH,
    RoadGraph,
    flooded_speed_kmh,
    road_costs,
    route_change,
)
from tests.consumers.flood.grids import grid, node_index

ROWS, COLS = 5, 7


def valley(r: int, c: int) -> float:
    """A river valley across the middle column: heights 0 at column 3, rising a metre a column either side."""
    return abs(c - 3) * 1.0


def city(hand=valley):  # type: ignore[no-untyped-def]
    return grid(
        ROWS,
        COLS,
        hand,
        stations=[("FS-W", "fire_station", 2, 0, {"truck": 2}), ("H-W", "hospital", 0, 0, {"ambulance": 1})],
    )


def depths_for(network, level: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Water ``level`` metres above the bank everywhere: depth at a node is the level minus its height."""
    node = np.maximum(level - np.asarray(network.hand_m, dtype=float), 0.0)
    return road_depths(network, node)


def test_speed_follows_pregnolato_and_closes_at_each_vehicles_depth() -> None:
    assert flooded_speed_kmh(50.0, 0.0, 0.3) == 50.0
    # 150 mm: 0.0009·150² − 0.5529·150 + 86.9448 = 24.26 km/h (Pregnolato et al. 2017)
    assert flooded_speed_kmh(50.0, 0.15, 0.3) == pytest.approx(24.26, abs=0.01)
    assert flooded_speed_kmh(20.0, 0.15, 0.3) == 20.0  # never above the street's limit
    assert flooded_speed_kmh(50.0, 0.3, CLOSES_AT_M["car"]) is None
    assert flooded_speed_kmh(50.0, 0.45, CLOSES_AT_M["truck"]) == WADING_KMH
    assert flooded_speed_kmh(50.0, 0.6, CLOSES_AT_M["truck"]) is None


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.sampled_from(sorted(CLOSES_AT_M)))
def test_more_water_never_makes_a_street_faster(a: float, b: float, mode: str) -> None:
    low, high = sorted((a, b))
    slow, fast = flooded_speed_kmh(40.0, high, CLOSES_AT_M[mode]), flooded_speed_kmh(40.0, low, CLOSES_AT_M[mode])
    assert slow is None or (fast is not None and slow <= fast)


def test_a_dry_city_routes_straight_from_the_nearest_station() -> None:
    network = city()
    graph = RoadGraph(network)
    target = node_index(COLS, 2, 6)
    answer = graph.rescue_route(road_costs(network, depths_for(network, -1.0), "truck"), target)
    assert answer.best is not None and answer.blocked is None
    assert answer.best.start == "FS-W" and answer.best.length_m == pytest.approx(6 * 200.0)
    assert answer.best.eta_s == pytest.approx(6 * 200.0 / (30 / 3.6))
    assert answer.best.deepest_m == 0.0 and answer.best.deepest_road is None
    assert answer.alternative is not None and answer.alternative.nodes != answer.best.nodes


def test_water_a_car_cannot_cross_closes_the_way_for_ambulances_but_not_for_trucks() -> None:
    network = city()
    graph = RoadGraph(network)
    target = node_index(COLS, 0, 6)
    water = depths_for(network, 0.45)  # 0.45 m in the valley's bottom column: closed to cars, open to trucks
    ambulance = graph.rescue_route(road_costs(network, water, "ambulance"), target)
    assert ambulance.best is None and ambulance.blocked is not None
    blocked = ambulance.blocked
    assert blocked.blocking_road is not None and blocked.blocking_depth_m >= CLOSES_AT_M["car"]
    assert network.roads[blocked.blocking_road].name_en.startswith(("Row", "Column"))
    # The closest it gets is on the dry bank, two columns (400 m) short of the water's far side at most.
    assert blocked.closest_m <= 4 * 200.0 + 1
    truck = graph.rescue_route(road_costs(network, water, "truck"), target)
    assert truck.best is not None and truck.best.deepest_m == pytest.approx(0.45)
    dry = graph.rescue_route(road_costs(network, depths_for(network, -1.0), "truck"), target)
    assert dry.best is not None and truck.best.eta_s > dry.best.eta_s  # wading the valley costs time


def test_a_dry_detour_is_taken_over_a_flooded_shortcut() -> None:
    """The middle column is low in the south only: the straight way crosses shallow water, a dry way runs two
    blocks north. The route takes the dry way as long as it is cheaper by the documented aversion."""

    def south_low(r: int, c: int) -> float:
        return 0.0 if c == 3 and r == 0 else 5.0

    network = grid(3, 7, south_low, stations=[("FS", "fire_station", 0, 0, {"truck": 1})])
    graph = RoadGraph(network)
    target = node_index(7, 0, 6)
    costs = road_costs(network, depths_for(network, 0.5), "truck")  # 0.5 m at (0,3): open to trucks, deep
    answer = graph.rescue_route(costs, target)
    assert answer.best is not None
    assert answer.best.deepest_m == 0.0  # went round through the dry row
    assert node_index(7, 0, 3) not in answer.best.nodes


@settings(max_examples=40, deadline=None)
@given(st.floats(-1.0, 1.0), st.floats(0.0, 0.8), st.integers(0, ROWS - 1), st.integers(4, COLS - 1))
def test_raising_the_water_never_makes_the_best_way_there_faster_or_cheaper(
    level: float, rise: float, row: int, col: int
) -> None:
    network = city()
    graph = RoadGraph(network)
    target = node_index(COLS, row, col)
    before = road_costs(network, depths_for(network, level), "truck")
    after = road_costs(network, depths_for(network, level + rise), "truck")
    import networkx as nx

    def best(costs, weight):  # type: ignore[no-untyped-def]
        def w(u, v, d):  # type: ignore[no-untyped-def]
            return None if costs.closed[d["i"]] else float(weight[d["i"]])

        try:
            return nx.multi_source_dijkstra(graph.graph, {node_index(COLS, 2, 0)}, target=target, weight=w)[0]
        except nx.NetworkXNoPath:
            return float("inf")

    assert best(after, after.time_s) >= best(before, before.time_s) - 1e-6
    assert best(after, after.cost) >= best(before, before.cost) - 1e-6


def test_a_route_change_names_the_streets_that_closed_under_it() -> None:
    network = city()
    graph = RoadGraph(network)
    target = node_index(COLS, 2, 6)
    dry = road_costs(network, depths_for(network, -1.0), "ambulance")
    before = graph.rescue_route(dry, target).best
    assert before is not None
    wet = road_costs(network, depths_for(network, 0.35), "ambulance")
    after = graph.rescue_route(wet, target)
    change = route_change(before, after.best, wet)
    assert change is not None and change.closed_roads
    assert all(wet.closed[i] for i in change.closed_roads)
    assert all(i in before.roads for i in change.closed_roads)
    assert route_change(before, before, dry) is None  # nothing changed, nothing to say
