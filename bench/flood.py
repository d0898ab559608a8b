"""What flood response costs (issue 11): a rescue route query, and the whole picture after one river update.

    python -m bench.flood [--queries 200] [--rounds 5]

- **Route queries** (``RoadGraph.rescue_route``: the best station by one multi-source Dijkstra, one alternative, or
  why none is safe) for seeded random targets, with the Nanming 1.5 m over its banks: on the Guiyang network and on
  a generated grid of about 200,000 directed roads with its own valley. p50 and p95 per query. Checked: every query
  answered (a route, or a blocked answer naming how close it gets).
- **One river update** (``FloodModel.update``: depths now and for six hours, closures, the evacuation list, the
  missions' routes) on the Guiyang network, alternating two water levels so that every round recomputes; and the
  evacuation plan alone. Medians of ``rounds``. Checked: the list accounts for every person in it.
- **The shelter search, networkx against scipy**: "every node's nearest open shelter" on the walking graph, by a
  virtual source in networkx (what the evacuation used first) and by scipy's compiled multi-source Dijkstra (what
  it uses). Checked: both find the same cost at every node.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from consumers.citypack import CityPack, load_city_pack
from consumers.flood.evacuation import EvacuationGraphs, _nearest_shelters, evacuation_plan
from consumers.flood.inundation import block_depths, node_depths, river_frame, road_depths
from consumers.flood.network import Road, RoadNetwork, Station, load_flood_pack
from consumers.flood.picture import FloodModel
from consumers.flood.routing import RoadGraph, road_costs

Row = tuple[str, str, str]
NANMING = ("NM-01", "NM-02", "NM-03", "NM-04")
AT = datetime(2026, 7, 1, 9, 0, tzinfo=UTC).timestamp()


def _stages(pack: CityPack, above_bank: float) -> dict[str, float]:
    return {
        s.id: float(s.params["thresholds"]["flood_warning"]) + above_bank
        if s.id in NANMING
        else float(s.params["normal"]["stage_m"])
        for s in pack.sensors_of_type("river.gauge")
    }


def _docs(pack: CityPack, above_bank: float) -> dict[str, dict[str, object]]:
    stamp = datetime.fromtimestamp(AT, UTC).isoformat()
    return {
        gauge_id: {"id": gauge_id, "event_time": stamp, "values": {"stage_m": stage}, "stale": False}
        for gauge_id, stage in _stages(pack, above_bank).items()
    }


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _queries(graph: RoadGraph, depth: np.ndarray, count: int, seed: int) -> tuple[float, float, int]:
    """p50 and p95 (ms) of ``count`` truck route queries to random nodes; and how many were answered."""
    costs = road_costs(graph.network, depth, "truck")
    rng = random.Random(seed)
    targets = [rng.randrange(len(graph.network.node_ids)) for _ in range(count)]
    times, answered = [], 0
    for target in targets:
        start = time.perf_counter()
        answer = graph.rescue_route(costs, target)
        times.append((time.perf_counter() - start) * 1000)
        answered += answer.best is not None or answer.blocked is not None
    p50, p95 = _percentiles(times)
    return p50, p95, answered


def generated_grid(side: int, seed: int = 11) -> tuple[RoadNetwork, np.ndarray]:
    """A ``side`` × ``side`` grid of two-way streets 150 m apart (4·side·(side−1) directed roads), a valley down its
    middle column, ten fire stations; and the depths of a flood in the valley."""
    rng = np.random.default_rng(seed)
    lat0, lon0, step = 26.4, 106.5, 150.0 / 110_574.0
    rows, cols = np.divmod(np.arange(side * side), side)
    hand = np.abs(cols - side // 2) * 0.15 + rng.uniform(0, 0.3, side * side)
    roads = []
    classes = ("primary", "secondary", "residential", "residential", "residential")
    for r in range(side):
        for c in range(side):
            here = r * side + c
            for there in ((r * side + c + 1) if c + 1 < side else None, ((r + 1) * side + c) if r + 1 < side else None):
                if there is not None:
                    kind = classes[(r + c) % len(classes)]
                    roads.append(Road(here, there, kind, 40.0, 150.0, "", ""))
                    roads.append(Road(there, here, kind, 40.0, 150.0, "", ""))
    stations = tuple(
        Station(f"FS-{k}", "", "", "fire_station", "520102", 0.0, 0.0, {"truck": 2}, int(rng.integers(side * side)))
        for k in range(10)
    )
    network = RoadNetwork(
        node_ids=tuple(str(i) for i in range(side * side)),
        lon=tuple((lon0 + cols * step).tolist()),
        lat=tuple((lat0 + rows * step).tolist()),
        hand_m=tuple(hand.tolist()),
        roads=tuple(roads),
        stations=stations,
        source="bench grid",
    )
    depth = road_depths(network, np.maximum(1.0 - hand, 0.0))
    return network, depth


def _median_time(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _networkx_nearest(graph: nx.Graph, cost: np.ndarray, closed: np.ndarray, sources: list[int]) -> dict[int, float]:
    """The first version's search: a virtual source joined to the shelters, networkx's Dijkstra from it."""
    g = graph.copy()
    g.add_edges_from((-1, s, {"i": -1}) for s in sources)

    def weight(u: int, v: int, data: dict[str, int]) -> float | None:
        i = data["i"]
        return 0.0 if i < 0 else (None if closed[i] else float(cost[i]))

    return nx.single_source_dijkstra_path_length(g, -1, weight=weight)


def run(queries: int = 200, rounds: int = 5) -> list[Row]:
    pack = load_city_pack(Path(__file__).resolve().parents[1] / "assets/city/guiyang")
    network, _ = load_flood_pack(pack.root, pack)
    frame = river_frame(pack, network)
    graph = RoadGraph(network)
    stages = _stages(pack, 1.5)
    depth = road_depths(network, node_depths(frame, stages))
    rows: list[Row] = []

    p50, p95, answered = _queries(graph, depth, queries, 1)
    assert answered == queries, f"{queries - answered} route queries went unanswered"
    print(f"Guiyang ({len(network.roads):,} roads): route p50 {p50:.1f} ms, p95 {p95:.1f} ms over {queries} queries")
    rows.append(
        (f"route query, Guiyang ({len(network.roads):,} roads), p50 / p95", f"{p50:.0f} / {p95:.0f} ms", "p95 < 200 ms")
    )

    big, big_depth = generated_grid(224)
    big_graph = RoadGraph(big)
    n = max(20, queries // 4)
    p50, p95, answered = _queries(big_graph, big_depth, n, 2)
    assert answered == n
    print(f"generated grid ({len(big.roads):,} roads): route p50 {p50:.0f} ms, p95 {p95:.0f} ms over {n} queries")
    rows.append(
        (f"route query, generated grid ({len(big.roads):,} roads), p50 / p95", f"{p50:.0f} / {p95:.0f} ms", "reported")
    )

    model = FloodModel(pack, network)
    levels = [_docs(pack, 1.5), _docs(pack, 1.45)]
    turn = [0]

    def update() -> dict[str, Any]:
        turn[0] += 1
        picture = model.update(levels[turn[0] % 2], AT + turn[0])
        city = picture["totals"]["city"]
        listed = sum(r[5] for r in picture["evacuation"])
        assert listed == city["people"] == city["assigned"] + city["unassigned"], (listed, city)
        return picture

    whole = _median_time(update, rounds)
    graphs = EvacuationGraphs(graph)
    block_now = block_depths(frame, stages)
    walk, truck = road_costs(network, depth, "walk"), road_costs(network, depth, "truck")
    node_now = node_depths(frame, stages)
    plan = evacuation_plan(graphs, block_now, block_now, node_now, walk, truck)
    evacuation = _median_time(lambda: evacuation_plan(graphs, block_now, block_now, node_now, walk, truck), rounds)
    print(
        f"one river update: {whole * 1000:.0f} ms (depths, 6 h outlook, closures, evacuation, missions); evacuation "
        f"alone {evacuation * 1000:.0f} ms for {plan.city.people:,} people in {plan.city.blocks} blocks"
    )
    rows.append(
        ("one river update: depths, outlook, closures, evacuation, missions", f"{whole * 1000:.0f} ms", "< 1 s")
    )
    rows.append((f"of which the evacuation list ({plan.city.people:,} people)", f"{evacuation * 1000:.0f} ms", ""))

    shelters = sorted({s.node for s in network.shelters})
    nodes = {node: ["s"] for node in shelters}
    ours = _median_time(lambda: _nearest_shelters(graphs.walk, walk, nodes), rounds * 4)
    theirs = _median_time(lambda: _networkx_nearest(graph.walk_graph, walk.cost, walk.closed, shelters), rounds)
    dist, _, _ = _nearest_shelters(graphs.walk, walk, nodes)
    reference = _networkx_nearest(graph.walk_graph, walk.cost, walk.closed, shelters)
    reached = [node for node in reference if node >= 0]
    assert np.allclose([dist[node] for node in reached], [reference[node] for node in reached])
    assert int(np.isfinite(dist).sum()) == len(reached)
    print(f"nearest shelter from every node: scipy {ours * 1000:.1f} ms, networkx {theirs * 1000:.1f} ms")
    rows.append(
        (
            "nearest shelter search: scipy against networkx",
            f"{ours * 1000:.1f} against {theirs * 1000:.0f} ms (×{theirs / ours:.0f})",
            "reported",
        )
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for measure, figure, target in run(args.queries, args.rounds):
        print(f"| {measure} | {figure} | {target} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
