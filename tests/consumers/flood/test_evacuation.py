"""The evacuation list: who goes first, to which shelter, how; no shelter over capacity; nobody forgotten."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.flood.evacuation import (
    EVACUATE_FROM_M,
    EvacuationGraphs,
    evacuation_plan,
)
from consumers.flood.inundation import road_depths
from consumers.flood.network import RoadNetwork
from consumers.flood.routing import RoadGraph, road_costs
from tests.consumers.flood.grids import grid


def valley(r: int, c: int) -> float:
    return abs(c - 3) * 0.5


def town(capacities: tuple[int, int, int] = (400, 300, 5000)) -> RoadNetwork:
    return grid(
        5,
        9,
        valley,
        shelters=[("S-EAST", 2, 8, capacities[0]), ("S-WEST", 2, 0, capacities[1]), ("S-LOW", 4, 3, capacities[2])],
        blocks=[
            ("R-1", "residential", 1, 3, 250),
            ("CARE", "care_home", 3, 3, 80),
            ("R-2", "residential", 1, 4, 300),
            ("SCH", "school", 0, 2, 600),
            ("R-DRY", "residential", 2, 7, 500),
        ],
    )


def plan_for(network: RoadNetwork, level: float, expected: float | None = None):  # type: ignore[no-untyped-def]
    graph = RoadGraph(network)
    hand = np.asarray(network.hand_m, dtype=float)
    block_hand = np.array([b.hand_m for b in network.blocks], dtype=float)
    worst = max(level, expected if expected is not None else level)
    node_now, node_worst = np.maximum(level - hand, 0.0), np.maximum(worst - hand, 0.0)
    walk = road_costs(network, road_depths(network, node_now), "walk")
    truck = road_costs(network, road_depths(network, node_now), "truck")
    return evacuation_plan(
        EvacuationGraphs(graph),
        np.maximum(level - block_hand, 0.0),
        np.maximum(worst - block_hand, 0.0),
        node_worst,
        walk,
        truck,
    )


def test_the_flooded_go_first_care_homes_before_homes_and_the_soon_to_flood_after() -> None:
    plan = plan_for(town(), level=0.3, expected=0.8)
    ids = [town().blocks[r.block].id for r in plan.rows]
    order = list(dict.fromkeys(ids))
    # Flooded now (0.3 m at the valley floor): the care home, then the home; soon (0.8 m expected): the school on
    # 0.5 m ground before the home on 0.5 m ground; the dry block never appears.
    assert order == ["CARE", "R-1", "SCH", "R-2"]
    assert {r.zone for r in plan.rows if town().blocks[r.block].id in ("CARE", "R-1")} == {"flooded"}
    assert "R-DRY" not in ids
    assert plan.city.flooded_people == 330 and plan.city.soon_people == 900
    assert plan.city.vulnerable_sites == 2


def test_a_shelter_in_the_water_takes_nobody_and_none_takes_more_than_its_capacity() -> None:
    network = town()
    plan = plan_for(network, level=0.3, expected=0.8)
    assert "S-LOW" not in plan.shelters_open  # on the valley floor: it floods within the horizon
    assert all(r.shelter != "S-LOW" for r in plan.rows)
    capacity = {s.id: s.capacity for s in network.shelters}
    taken: dict[str, int] = {}
    for r in plan.rows:
        if r.shelter is not None:
            taken[r.shelter] = taken.get(r.shelter, 0) + r.people
    assert all(taken[s] <= capacity[s] for s in taken)
    assert taken == {s: n for s, n in plan.shelter_use.items() if n}


def test_when_the_room_runs_out_the_rest_are_listed_unassigned_with_the_reason() -> None:
    network = town(capacities=(100, 100, 5000))
    plan = plan_for(network, level=0.3, expected=0.8)
    unassigned = [r for r in plan.rows if r.shelter is None]
    assert unassigned and all(r.reason == "no_shelter_room" for r in unassigned)
    assert plan.city.assigned == 200 and plan.city.unassigned == 1230 - 200
    # The first in line were served first: the care home is entirely assigned.
    care = [r for r in plan.rows if network.blocks[r.block].id == "CARE"]
    assert all(r.shelter is not None for r in care)


def test_people_cut_off_by_deep_water_are_picked_up_by_truck_or_boat_not_walked_through_it() -> None:
    plan = plan_for(town(), level=0.7)
    care = [r for r in plan.rows if town().blocks[r.block].id == "CARE"]
    assert care and all(r.mode in ("truck", "boat") for r in care)  # 0.7 m at its door: no walk
    for r in plan.rows:
        if r.mode == "walk":
            assert r.depth_now_m < 0.7 and r.route_m is not None and r.route_s is not None


@settings(max_examples=30, deadline=None)
@given(
    st.floats(-0.5, 1.5),
    st.floats(0.0, 1.0),
    st.tuples(st.integers(0, 800), st.integers(0, 800), st.integers(0, 800)),
)
def test_every_resident_of_a_block_to_evacuate_is_in_the_list_and_no_shelter_overflows(
    level: float, rise: float, capacities: tuple[int, int, int]
) -> None:
    network = grid(
        5,
        9,
        valley,
        shelters=[
            ("S-E", 2, 8, max(capacities[0], 1)),
            ("S-W", 2, 0, max(capacities[1], 1)),
            ("S-N", 4, 6, max(capacities[2], 1)),
        ],
        blocks=[
            (f"B{c}", "care_home" if c == 3 else "residential", r, c, 100 + 37 * c) for r in (0, 2) for c in range(9)
        ],
    )
    plan = plan_for(network, level, level + rise)
    listed: dict[int, int] = {}
    for row in plan.rows:
        listed[row.block] = listed.get(row.block, 0) + row.people
        assert (row.shelter is None) == (row.reason is not None)
    for index, block in enumerate(network.blocks):
        expected_depth = max(level + rise - (block.hand_m or 0.0), 0.0)
        if expected_depth >= EVACUATE_FROM_M:
            assert listed.get(index) == block.population, block.id
        else:
            assert index not in listed
    capacity = {s.id: s.capacity for s in network.shelters}
    assert all(0 <= n <= capacity[s] for s, n in plan.shelter_use.items())
    assert plan.city.assigned + plan.city.unassigned == plan.city.people
