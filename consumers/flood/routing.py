"""The safest routes for rescue teams through flooded streets (``docs/flood.md``, "Routes").

Rules, each from a published source (DESIGN.md, "Reference facts"):

- **Speed in water** (Pregnolato et al. 2017): ``v = 0.0009·w² − 0.5529·w + 86.9448`` km/h for depth ``w`` in mm,
  never above the street's limit. The curve reaches its minimum (about 2 km/h) at 300 mm, where it says a car
  stops; a vehicle allowed deeper wades at ``WADING_KMH`` (the curve rises again past 307 mm, which is the fit
  running out of data, not trucks getting faster).
- **Closure** (Kramer et al. 2016): a street is closed to cars and ambulances from 0.3 m, to rescue trucks from
  0.6 m. Walkers (evacuation) from ``WALK_CLOSES_AT_M``. Boats are not routed on streets.
- **Dry roads first**: a route's cost is its time with each wet street's time weighted by
  ``1 + WET_AVERSION × depth / closure depth``: a street at half the depth that closes it counts as twice its time,
  one just under the closure three times. So a dry detour is taken when it is at most twice as slow as wading
  half-closure water, and nearly never through a dry street's equal in deep water. ETA and distance are always the
  real time and length, not the cost.

The graph is a ``networkx.DiGraph`` built once per network; a flood only changes the arrays the weight function
reads (``RoadCosts``), so a new depth costs one vectorised pass, not a new graph.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from consumers.flood.network import NodeLocator, RoadNetwork

WADING_KMH = 5.0
"""A rescue truck in water deeper than a car's limit moves at a walking pace."""
WALK_KMH = 4.5
WALK_CLOSES_AT_M = 0.2
"""Still water to the shin: the depth above which we do not send residents (with the old and the young) on foot."""
WET_AVERSION = 2.0
WET_FROM_M = 0.02
"""Below this a street is wet, not flooded (spray, a puddle): no aversion, full speed."""
CLOSES_AT_M: Mapping[str, float] = {"car": 0.3, "ambulance": 0.3, "truck": 0.6, "walk": WALK_CLOSES_AT_M}
"""The depth from which a street is closed to each mode (Kramer et al.: cars 0.3 m, rescue trucks 0.6 m)."""
STATION_VEHICLE: Mapping[str, str] = {"fire_station": "truck", "hospital": "ambulance"}
ALTERNATIVE_PENALTY = 3.0
"""The alternative route is the cheapest once the best route's streets cost this many times more (the penalty
method): a different way there, not the same way with one corner cut."""


def flooded_speed_kmh(limit_kmh: float, depth_m: float, closes_at_m: float) -> float | None:
    """A street's speed for a vehicle at ``depth_m`` of water, None when closed to it. Never rises with depth."""
    if math.isnan(depth_m) or depth_m < WET_FROM_M:
        return limit_kmh
    if depth_m >= closes_at_m:
        return None
    w = min(depth_m, 0.3) * 1000.0
    pregnolato = 0.0009 * w * w - 0.5529 * w + 86.9448
    return min(limit_kmh, max(pregnolato, WADING_KMH))


@dataclass(frozen=True)
class RoadCosts:
    """One mode's time and cost per road for one picture of the water; ``closed`` roads have no cost."""

    mode: str
    time_s: np.ndarray
    cost: np.ndarray
    closed: np.ndarray
    depth_m: np.ndarray


def road_costs(network: RoadNetwork, depth_m: np.ndarray, mode: str) -> RoadCosts:
    """Vectorised ``flooded_speed_kmh`` over every road, plus the dry-first cost. ``depth_m`` per road (NaN:
    unknown, judged dry: a street whose height nobody gave is not closed on a guess; ``docs/flood.md``)."""
    closes = CLOSES_AT_M[mode]
    roads = network.roads
    length = np.fromiter((r.length_m for r in roads), dtype=float, count=len(roads))
    limit = (
        np.full(len(roads), WALK_KMH)
        if mode == "walk"
        else np.fromiter((r.speed_kmh for r in roads), dtype=float, count=len(roads))
    )
    depth = np.nan_to_num(np.asarray(depth_m, dtype=float), nan=0.0)
    wet = depth >= WET_FROM_M
    w = np.minimum(depth, 0.3) * 1000.0
    pregnolato = np.maximum(0.0009 * w * w - 0.5529 * w + 86.9448, WADING_KMH)
    speed = np.where(wet, np.minimum(limit, pregnolato), limit)
    closed = depth >= closes
    time_s = length / (speed / 3.6)
    cost = time_s * np.where(wet, 1.0 + WET_AVERSION * np.minimum(depth / closes, 1.0), 1.0)
    return RoadCosts(mode, time_s, cost, closed, depth)


@dataclass(frozen=True)
class Route:
    """A way from a start to a target: the nodes and roads it takes, its real time and length, and its water."""

    start: str
    """The station's id for a rescue route, the block's for a walk."""
    mode: str
    nodes: tuple[int, ...]
    roads: tuple[int, ...]
    eta_s: float
    length_m: float
    deepest_m: float
    deepest_road: int | None
    wet_m: float
    """Metres of the route on streets with water on them (at least ``WET_FROM_M``)."""


@dataclass(frozen=True)
class Blocked:
    """Why no safe route exists, and how close one can get: the reachable node nearest the target and the closed
    street that stops the way that would be taken in a dry city."""

    closest_node: int
    closest_m: float
    """Straight-line metres from the closest reachable node to the target."""
    blocking_road: int | None
    blocking_depth_m: float


@dataclass(frozen=True)
class RouteAnswer:
    """What a rescue route query answers: the best route and one alternative, or why there is none."""

    target_node: int
    best: Route | None
    alternative: Route | None
    blocked: Blocked | None


class RoadGraph:
    """The network as a graph, built once; routes for any picture of the water (``RoadCosts``)."""

    def __init__(self, network: RoadNetwork) -> None:
        self.network = network
        graph: nx.DiGraph = nx.DiGraph()
        graph.add_nodes_from(range(len(network.node_ids)))
        best: dict[tuple[int, int], int] = {}
        for index, road in enumerate(network.roads):
            key = (road.u, road.v)
            if road.u == road.v:
                continue
            kept = best.get(key)
            if kept is None or network.roads[kept].length_m > road.length_m:
                best[key] = index
        for (u, v), index in best.items():
            graph.add_edge(u, v, i=index)
        self.graph = graph
        self.walk_graph = graph.to_undirected(as_view=False)
        """Residents on foot ignore one-way streets (either direction's road stands for the street)."""
        self.locator = NodeLocator(network.lon, network.lat)
        self.station_nodes: dict[str, list[tuple[int, str]]] = {}
        """Per mode, the (node, station id) of every station that has that mode's vehicles."""
        for station in network.stations:
            mode = STATION_VEHICLE.get(station.kind)
            if mode is not None and station.vehicles.get(mode, 0) > 0:
                self.station_nodes.setdefault(mode, []).append((station.node, station.id))

    def nearest_node(self, lon: float, lat: float, among: Iterable[int] | None = None) -> int:
        """The node nearest a point (straight line); ``among`` limits the candidates (it must not be empty)."""
        chosen = None if among is None else np.fromiter(among, dtype=np.int64)
        node = self.locator.nearest(lon, lat, chosen)
        assert node is not None, "no node to choose from"
        return node

    def metres_between(self, a: int, b: int) -> float:
        return self.locator.metres_between(a, b)

    @staticmethod
    def _weight(costs: RoadCosts, scale: Mapping[int, float] | None = None) -> object:
        cost, closed = costs.cost, costs.closed

        def weight(u: int, v: int, data: Mapping[str, int]) -> float | None:
            i = data["i"]
            if closed[i]:
                return None
            return float(cost[i]) * (scale.get(i, 1.0) if scale else 1.0)

        return weight

    def _route(self, costs: RoadCosts, start: str, nodes: Sequence[int], graph: nx.Graph | None = None) -> Route:
        g = self.graph if graph is None else graph
        roads = tuple(int(g[a][b]["i"]) for a, b in itertools.pairwise(nodes))
        if not roads:
            return Route(start, costs.mode, tuple(nodes), (), 0.0, 0.0, 0.0, None, 0.0)
        index = np.asarray(roads, dtype=np.int64)
        depths = costs.depth_m[index]
        lengths = np.fromiter((self.network.roads[i].length_m for i in roads), dtype=float, count=len(roads))
        deepest = int(np.argmax(depths))
        return Route(
            start=start,
            mode=costs.mode,
            nodes=tuple(int(n) for n in nodes),
            roads=roads,
            eta_s=float(costs.time_s[index].sum()),
            length_m=float(lengths.sum()),
            deepest_m=float(depths[deepest]),
            deepest_road=roads[deepest] if depths[deepest] >= WET_FROM_M else None,
            wet_m=float(lengths[depths >= WET_FROM_M].sum()),
        )

    def rescue_route(self, costs: RoadCosts, target: int) -> RouteAnswer:
        """From the best station that has ``costs.mode``'s vehicles to ``target``: the cheapest route over every
        such station at once (one multi-source search), one alternative, or why there is none."""
        sources = self.station_nodes.get(costs.mode, [])
        if not sources:
            return RouteAnswer(target, None, None, None)
        station_at: dict[int, str] = {}
        for node, station_id in sources:
            station_at.setdefault(node, station_id)
        weight = self._weight(costs)
        try:
            _, path = nx.multi_source_dijkstra(self.graph, set(station_at), target=target, weight=weight)
        except nx.NetworkXNoPath:
            return RouteAnswer(target, None, None, self._blocked(costs, set(station_at), target))
        best = self._route(costs, station_at[path[0]], path)
        alternative = None
        if best.roads:
            penalty = dict.fromkeys(best.roads, ALTERNATIVE_PENALTY)
            try:
                _, other = nx.multi_source_dijkstra(
                    self.graph, set(station_at), target=target, weight=self._weight(costs, penalty)
                )
            except nx.NetworkXNoPath:
                other = None
            if other is not None and tuple(other) != best.nodes:
                alternative = self._route(costs, station_at[other[0]], other)
        return RouteAnswer(target, best, alternative, None)

    def _blocked(self, costs: RoadCosts, sources: set[int], target: int) -> Blocked:
        reachable = nx.multi_source_dijkstra_path_length(self.graph, sources, weight=self._weight(costs))
        closest = self.nearest_node(
            float(self.network.lon[target]), float(self.network.lat[target]), among=reachable.keys()
        )
        blocking_road, blocking_depth = None, 0.0
        dry_city = RoadCosts(costs.mode, costs.time_s, costs.time_s, np.zeros_like(costs.closed), costs.depth_m)
        try:
            _, path = nx.multi_source_dijkstra(self.graph, sources, target=target, weight=self._weight(dry_city))
        except nx.NetworkXNoPath:
            path = []
        for a, b in itertools.pairwise(path):
            i = int(self.graph[a][b]["i"])
            if costs.closed[i]:
                blocking_road, blocking_depth = i, float(costs.depth_m[i])
                break
        return Blocked(closest, self.metres_between(closest, target), blocking_road, blocking_depth)

    def route_between(self, costs: RoadCosts, start: str, source: int, target: int) -> Route | None:
        """From ``source`` to ``target`` for ``costs.mode`` (on foot either way along a street, else by the roads'
        directions); None when no way stays open to that mode."""
        graph = self.walk_graph if costs.mode == "walk" else self.graph
        try:
            _, path = nx.single_source_dijkstra(graph, source, target=target, weight=self._weight(costs))
        except nx.NetworkXNoPath:
            return None
        return self._route(costs, start, path, graph)


@dataclass(frozen=True)
class RouteChange:
    """What changed between the route shown before and now, for the panel's sentence."""

    closed_roads: tuple[int, ...]
    """Roads of the earlier route that are closed now, in the order the earlier route took them."""
    flooded_roads: tuple[tuple[int, float], ...]
    """Roads of the earlier route under water now but still open (road, depth), deepest first: a route moves off
    them before they close, because dry streets are preferred."""
    eta_delta_s: float | None
    """New ETA minus old; None when there is no route now."""


def route_change(before: Route, after: Route | None, costs: RoadCosts) -> RouteChange | None:
    """None when nothing a person would notice changed (the same streets, the ETA within a minute)."""
    return roads_change(before.roads, before.eta_s, None if after is None else after.roads,
                        None if after is None else after.eta_s, costs)  # fmt: skip


def roads_change(
    before_roads: Sequence[int],
    before_eta_s: float | None,
    after_roads: Sequence[int] | None,
    after_eta_s: float | None,
    costs: RoadCosts,
) -> RouteChange | None:
    """``route_change`` for a route known by its roads and ETA only (a browser's memo of the route it drew): the
    roads of the earlier route closed to ``costs.mode`` now, the water on those still open, the ETA's change."""
    closed = tuple(i for i in before_roads if costs.closed[i])
    wet = sorted(
        ((i, float(costs.depth_m[i])) for i in before_roads if not costs.closed[i] and costs.depth_m[i] >= WET_FROM_M),
        key=lambda p: -p[1],
    )
    if after_roads is None:
        return RouteChange(closed, tuple(wet), None)
    delta = None if after_eta_s is None or before_eta_s is None else after_eta_s - before_eta_s
    if not closed and list(after_roads) == list(before_roads) and (delta is None or abs(delta) < 60.0):
        return None
    return RouteChange(closed, tuple(wet), delta)
