"""Who to evacuate, in what order, to which shelter, and how (``docs/flood.md``, "Evacuation").

- **Who**: every block with water at or above ``EVACUATE_FROM_M`` now (*flooded*) or expected within the forecast
  horizon (*soon*).
- **Order**: care homes, hospitals and schools flooded now; then homes flooded now; then the same two groups of the
  soon-to-flood; deeper water first within each group (expected depth, then the block's id, for a stable order).
- **Where**: the nearest dry shelter (no water now nor expected) *by route*, not by straight line, with room left.
  No shelter ever takes more than its capacity: a block larger than the room left is split over shelters.
- **How**: on foot where a walk stays under the walkers' depth (``routing.WALK_CLOSES_AT_M``); else picked up by a
  rescue truck (streets open to trucks, 0.6 m); else by boat (the nearest dry shelter in a straight line, no street
  route). Every resident of a block to evacuate is in a row: assigned to a shelter, or unassigned with the reason
  (no dry shelter has room left).

Each search is one Dijkstra from every open shelter at once (scipy's compiled one: it answers, for every node, its
nearest source), read back as "nearest open shelter" for every block; it is run again only when a shelter fills.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from scipy.sparse import csgraph, csr_matrix

from consumers.flood.network import RoadNetwork, distance_m
from consumers.flood.routing import WET_FROM_M, RoadCosts, RoadGraph

EVACUATE_FROM_M = 0.15
"""Water at a home above the ankle: the ground floor is wet, power and sewage are at risk (the UK's and China's
flood guidance advise leaving before water enters, we take the first 15 cm as the line)."""
VULNERABLE_ORDER: Mapping[str, int] = {"care_home": 0, "hospital": 1, "school": 2}
"""The order among places whose people cannot leave alone; homes come after all three."""
ZONE_FLOODED = "flooded"
ZONE_SOON = "soon"
MODES = ("walk", "truck", "boat")


@dataclass(frozen=True)
class Evacuee:
    """A block to evacuate and why."""

    block: int
    zone: str
    depth_now_m: float
    depth_expected_m: float
    priority: int
    """1 vulnerable flooded now, 2 flooded now, 3 vulnerable soon, 4 soon (lower goes first)."""


@dataclass(frozen=True)
class EvacuationRow:
    """Some or all of one block's people, sent to one shelter (or unassigned, with ``reason``)."""

    block: int
    zone: str
    priority: int
    depth_now_m: float
    depth_expected_m: float
    people: int
    shelter: str | None
    mode: str | None
    route_m: float | None
    route_s: float | None
    reason: str | None = None
    """Why these people have no shelter: ``no_shelter_room``."""


@dataclass(frozen=True)
class Totals:
    """People and places to evacuate, for a district or the city."""

    blocks: int = 0
    people: int = 0
    flooded_people: int = 0
    soon_people: int = 0
    assigned: int = 0
    unassigned: int = 0
    vulnerable_sites: int = 0


@dataclass(frozen=True)
class EvacuationPlan:
    """The list in priority order, the shelters' use, and the totals."""

    rows: tuple[EvacuationRow, ...]
    shelter_use: Mapping[str, int] = field(hash=False)
    shelters_open: frozenset[str]
    by_district: Mapping[str, Totals] = field(hash=False)
    city: Totals


def evacuees(network: RoadNetwork, depth_now: np.ndarray, depth_expected: np.ndarray) -> list[Evacuee]:
    """The blocks to evacuate, in the order they go (module doc). ``depth_expected`` is the deepest water expected
    over the horizon (at least the water now); NaN depths (unknown) do not evacuate anyone."""
    out: list[Evacuee] = []
    for index, block in enumerate(network.blocks):
        now = float(np.nan_to_num(depth_now[index], nan=0.0))
        expected = max(now, float(np.nan_to_num(depth_expected[index], nan=0.0)))
        if expected < EVACUATE_FROM_M:
            continue
        flooded = now >= EVACUATE_FROM_M
        vulnerable = block.kind in VULNERABLE_ORDER
        priority = (1 if vulnerable else 2) if flooded else (3 if vulnerable else 4)
        out.append(Evacuee(index, ZONE_FLOODED if flooded else ZONE_SOON, now, expected, priority))
    blocks = network.blocks
    out.sort(
        key=lambda e: (
            e.priority,
            VULNERABLE_ORDER.get(blocks[e.block].kind, 9),
            -e.depth_now_m,
            -e.depth_expected_m,
            blocks[e.block].id,
        )
    )
    return out


@dataclass(frozen=True)
class SearchGraph:
    """One mode's street graph as arrays, searched from the shelters outwards: ``tail[k] -> head[k]`` is road
    ``road[k]`` walked or driven from ``head`` to ``tail`` (the search runs backwards, from where people go to
    where they are), one edge per pair of nodes."""

    tail: np.ndarray
    head: np.ndarray
    road: np.ndarray
    nodes: int
    edge_of: Mapping[tuple[int, int], int] = field(hash=False)
    """(search predecessor, node) -> road, to read a path back."""

    @classmethod
    def of(cls, graph: nx.Graph, nodes: int, reverse: bool) -> SearchGraph:
        tail, head, road = [], [], []
        for a, b, data in graph.edges(data=True):
            pairs = [(b, a)] if reverse else [(a, b)]
            if not graph.is_directed():
                pairs = [(a, b), (b, a)]
            for u, v in pairs:
                tail.append(u)
                head.append(v)
                road.append(int(data["i"]))
        edge_of = {(u, v): i for u, v, i in zip(tail, head, road, strict=True)}
        return cls(np.asarray(tail), np.asarray(head), np.asarray(road), nodes, edge_of)


def _nearest_shelters(
    graph: SearchGraph, costs: RoadCosts, shelter_nodes: Mapping[int, list[str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every node's cost to its nearest open shelter, its predecessor towards it and which shelter node it is: one
    compiled multi-source Dijkstra (scipy) over the open streets. ``inf`` where none can be reached."""
    open_ = ~costs.closed[graph.road]
    weights = costs.cost[graph.road][open_]
    matrix = csr_matrix((weights, (graph.tail[open_], graph.head[open_])), shape=(graph.nodes, graph.nodes))
    dist, pred, sources = csgraph.dijkstra(
        matrix, directed=True, indices=sorted(shelter_nodes), return_predecessors=True, min_only=True
    )
    return dist, pred, sources


def _path_to_source(pred: np.ndarray, node: int) -> list[int]:
    """From ``node`` back to the shelter the search reached it from."""
    path = [node]
    while pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    return path


def _route_length(graph: SearchGraph, costs: RoadCosts, network: RoadNetwork, path: list[int]) -> tuple[float, float]:
    metres = seconds = 0.0
    for a, b in itertools.pairwise(path):
        i = graph.edge_of[(b, a)]  # the search ran from the shelters: the edge into ``a`` came from ``b``
        metres += network.roads[i].length_m
        seconds += float(costs.time_s[i])
    return metres, seconds


class EvacuationGraphs:
    """The walking and the truck graphs the shelter searches run on, as arrays for scipy's Dijkstra: a flood that
    fills shelters one after another needs a search per filled shelter, and networkx's took 40 ms each on the
    Guiyang network (``bench.flood``)."""

    def __init__(self, graph: RoadGraph) -> None:
        self.roads = graph
        nodes = len(graph.network.node_ids)
        self.walk = SearchGraph.of(graph.walk_graph, nodes, reverse=False)
        self.truck = SearchGraph.of(graph.graph, nodes, reverse=True)
        """Reversed: the search runs from the shelters back to the blocks the trucks leave from."""


def evacuation_plan(
    graphs: EvacuationGraphs,
    block_depth_now: np.ndarray,
    block_depth_expected: np.ndarray,
    node_depth_worst: np.ndarray,
    walk: RoadCosts,
    truck: RoadCosts,
) -> EvacuationPlan:
    """The plan for one picture of the water. ``node_depth_worst`` (now or expected, whichever is deeper) decides
    which shelters are dry; ``walk`` and ``truck`` are the roads' costs for the two street modes."""
    network = graphs.roads.network
    people = {i: b.population for i, b in enumerate(network.blocks)}
    room: dict[str, int] = {}
    shelter_by_id = {s.id: s for s in network.shelters}
    for shelter in network.shelters:
        if float(np.nan_to_num(node_depth_worst[shelter.node], nan=0.0)) < WET_FROM_M:
            room[shelter.id] = shelter.capacity
    opened = frozenset(room)
    queue = evacuees(network, block_depth_now, block_depth_expected)
    left = {e.block: people[e.block] for e in queue}
    rows: list[EvacuationRow] = []

    def emit(e: Evacuee, count: int, shelter: str | None, mode: str | None, metres: float | None,
             seconds: float | None, reason: str | None = None) -> None:  # fmt: skip
        rows.append(EvacuationRow(e.block, e.zone, e.priority, round(e.depth_now_m, 3), round(e.depth_expected_m, 3),
                                  count, shelter, mode, metres, seconds, reason))  # fmt: skip

    searches = (("walk", walk, graphs.walk), ("truck", truck, graphs.truck))
    pending = list(queue)
    while pending:
        nodes: dict[int, list[str]] = {}
        for open_id, free in room.items():
            if free > 0:
                nodes.setdefault(shelter_by_id[open_id].node, []).append(open_id)
        if not nodes:
            break
        found = [(mode, costs, g, *_nearest_shelters(g, costs, nodes)) for mode, costs, g in searches]
        filled = False
        still: list[Evacuee] = []
        for e in pending:
            if filled:
                still.append(e)
                continue
            start = network.blocks[e.block].node
            shelter_id: str | None = None
            for mode, costs, g, dist, pred, sources in found:  # on foot if they can, else by truck
                if np.isfinite(dist[start]):
                    path = _path_to_source(pred, start)
                    shelter_id = next(s for s in nodes[int(sources[start])] if room[s] > 0)
                    metres, seconds = _route_length(g, costs, network, path)
                    route: tuple[str, float | None, float | None] = (mode, round(metres, 1), round(seconds, 1))
                    break
            if shelter_id is None:  # cut off from every open shelter by street: by boat, to the nearest in a line
                block = network.blocks[e.block]
                shelter_id = min(
                    (s for s, free in room.items() if free > 0),
                    key=lambda s: (distance_m(block.lon, block.lat, shelter_by_id[s].lon, shelter_by_id[s].lat), s),
                )
                route = ("boat", None, None)
            take = min(left[e.block], room[shelter_id])
            emit(e, take, shelter_id, *route)
            left[e.block] -= take
            room[shelter_id] -= take
            if room[shelter_id] == 0:
                filled = True  # the nearest shelter of those after this one may have changed: search again
            if left[e.block] > 0:
                still.append(e)
        pending = still
    for e in pending:
        if left[e.block] > 0:
            emit(e, left[e.block], None, None, None, None, "no_shelter_room")
            left[e.block] = 0
    order = {e.block: n for n, e in enumerate(queue)}
    rows.sort(key=lambda r: (order[r.block], r.shelter is None))
    use = {s: shelter_by_id[s].capacity - free for s, free in room.items()}
    return EvacuationPlan(tuple(rows), use, opened, *_totals(network, queue, rows))


def _totals(network: RoadNetwork, queue: list[Evacuee], rows: list[EvacuationRow]) -> tuple[dict[str, Totals], Totals]:
    acc: dict[str, dict[str, int]] = {}
    for e in queue:
        block = network.blocks[e.block]
        t = acc.setdefault(block.district, dict.fromkeys(Totals.__dataclass_fields__, 0))
        t["blocks"] += 1
        t["people"] += block.population
        t["flooded_people" if e.zone == ZONE_FLOODED else "soon_people"] += block.population
        t["vulnerable_sites"] += block.kind in VULNERABLE_ORDER
    for row in rows:
        t = acc[network.blocks[row.block].district]
        t["assigned" if row.shelter is not None else "unassigned"] += row.people
    by_district = {d: Totals(**t) for d, t in sorted(acc.items())}
    city = Totals(**{k: sum(getattr(t, k) for t in by_district.values()) for k in Totals.__dataclass_fields__})
    return by_district, city
