"""The flood picture: from the gauges' views to depths, closures, rescue missions and the evacuation list, and the
record the flood service publishes on ``city.state`` (``flood:picture``).

Pure: ``FloodModel.update(gauge docs, now)`` returns the picture as a JSON-ready dict; the service's only state
between updates is when each street closed and the rescue missions' last routes, both carried in the published
picture so that a restarted service takes them back from ``city.state`` (``FloodModel.restore``).

Rescue missions: every care home, hospital and school in the evacuation list (flooded now, or expected to be within
the outlook: a team sent before the water comes finds dry streets) gets a rescue truck's route from the best fire
station (``routing.RoadGraph.rescue_route``), recomputed at every update; when its route changes, the mission keeps
what changed (the streets that closed under it, else the deepest water on it, the ETA's change) with the event time
it happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from consumers.citypack import CityPack
from consumers.clock import epoch_iso
from consumers.flood.evacuation import VULNERABLE_ORDER, EvacuationGraphs, evacuation_plan
from consumers.flood.inundation import RiverFrame, block_depths, node_depths, river_frame, road_depths
from consumers.flood.network import RoadNetwork
from consumers.flood.outlook import LEADS_H, GaugeNow, gauge_now, stage_outlook
from consumers.flood.routing import CLOSES_AT_M, WET_FROM_M, RoadCosts, RoadGraph, Route, road_costs, route_change

PICTURE_KEY = "flood:picture"
MAX_MISSIONS = 12
MAX_CHANGES = 5
"""A mission keeps its last few changes: the panel says the latest, the export lists them."""


def network_id(network: RoadNetwork) -> str:
    """Says which network a picture's indexes refer to: a web worker with another network must not draw them."""
    return f"{network.source}|{len(network.node_ids)}|{len(network.roads)}"


def route_doc(route: Route | None, network: RoadNetwork) -> dict[str, Any] | None:
    """A route as the picture carries it: its nodes to draw it, its roads to compare it with the next one."""
    if route is None:
        return None
    return {
        "start": route.start,
        "mode": route.mode,
        "nodes": list(route.nodes),
        "roads": list(route.roads),
        "eta_s": round(route.eta_s, 1),
        "length_m": round(route.length_m, 1),
        "deepest_m": round(route.deepest_m, 3),
        "deepest_road": route.deepest_road,
        "wet_m": round(route.wet_m, 1),
    }


def route_from_doc(doc: Mapping[str, Any], network: RoadNetwork) -> Route | None:
    """The route a picture carried (``route_doc``), None when it cannot be read back as one of this network's (a
    picture restored after a restart is data from a topic, not a promise)."""
    try:
        roads = tuple(int(i) for i in doc["roads"])
        if not all(0 <= i < len(network.roads) for i in roads):
            return None
        deepest = doc.get("deepest_road")
        return Route(
            str(doc["start"]),
            str(doc["mode"]),
            tuple(int(n) for n in doc["nodes"]),
            roads,
            float(doc["eta_s"]),
            float(doc["length_m"]),
            float(doc["deepest_m"]),
            None if deepest is None else int(deepest),
            float(doc["wet_m"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


class FloodModel:
    """Owns the graphs and the river frame of one network; turns gauge views into pictures."""

    def __init__(self, pack: CityPack, network: RoadNetwork) -> None:
        self.pack = pack
        self.network = network
        self.frame: RiverFrame = river_frame(pack, network)
        self.bank_m = {g.id: g.bank_stage_m for on_river in self.frame.gauges.values() for g in on_river}
        """Each gauge's bank level (its ``flood_warning`` stage), for the picture."""
        self.graph = RoadGraph(network)
        self.evacuation_graphs = EvacuationGraphs(self.graph)
        self.closed_since: dict[int, float] = {}
        """Road index -> event time it first closed to cars in this closure (reopened roads are forgotten)."""
        self.missions: dict[str, dict[str, Any]] = {}
        """Block id -> the mission's last published doc (its route, its changes)."""

    def restore(self, doc: Mapping[str, Any]) -> None:
        """Take back the closure times and missions of a picture this service published before a restart."""
        if doc.get("network") != network_id(self.network):
            return
        closed = doc.get("closed")
        if not isinstance(closed, Mapping):
            closed = {}
        for i, t in zip(closed.get("i") or [], closed.get("since_t") or [], strict=False):
            if isinstance(i, int) and 0 <= i < len(self.network.roads) and isinstance(t, int | float):
                self.closed_since[i] = float(t)
        for mission in doc.get("missions") or []:
            if isinstance(mission, Mapping) and isinstance(mission.get("block"), str):
                self.missions[mission["block"]] = dict(mission)

    def gauges(self, docs: Mapping[str, Mapping[str, Any]]) -> dict[str, GaugeNow]:
        out = {}
        for doc in docs.values():
            gauge = gauge_now(doc)
            if gauge is not None:
                out[gauge.id] = gauge
        return out

    def update(self, gauge_docs: Mapping[str, Mapping[str, Any]], now: float) -> dict[str, Any]:
        """The picture for the gauges' latest views (``sensor:<id>`` docs of river gauges) at event time ``now``."""
        network = self.network
        gauges = self.gauges(gauge_docs)
        stages = {g.id: g.stage_m for g in gauges.values()}
        node_now = node_depths(self.frame, stages)
        block_now = block_depths(self.frame, stages)
        outlook = stage_outlook(self.frame, gauges, now)
        node_worst, block_worst = node_now.copy(), block_now.copy()
        road_now = road_depths(network, node_now)
        closes_in_h = np.full(len(network.roads), np.nan)
        for lead in LEADS_H:
            ahead = {**stages, **outlook[lead]}
            node_ahead = node_depths(self.frame, ahead)
            node_worst = np.fmax(node_worst, node_ahead)
            block_worst = np.fmax(block_worst, block_depths(self.frame, ahead))
            road_ahead = road_depths(network, node_ahead)
            car_limit = CLOSES_AT_M["car"]
            closing = (
                np.isnan(closes_in_h)
                & (np.nan_to_num(road_ahead) >= car_limit)
                & ~(np.nan_to_num(road_now) >= car_limit)
            )
            closes_in_h[closing] = lead
        car = road_costs(network, road_now, "car")
        truck = road_costs(network, road_now, "truck")
        walk = road_costs(network, road_now, "walk")
        for closed_now in np.flatnonzero(car.closed).tolist():
            self.closed_since.setdefault(closed_now, now)
        for reopened in [i for i in self.closed_since if not car.closed[i]]:
            del self.closed_since[reopened]
        plan = evacuation_plan(self.evacuation_graphs, block_now, block_worst, node_worst, walk, truck)
        missions = self._missions(plan.rows, truck, now)
        wet = np.flatnonzero(np.nan_to_num(road_now) >= WET_FROM_M)
        closed = sorted(self.closed_since)
        soon = np.flatnonzero(~np.isnan(closes_in_h))
        blocks = network.blocks
        return {
            "kind": "flood",
            "event_time": epoch_iso(now),
            "network": network_id(network),
            "model": {"depth": "hand_bathtub", "outlook": "upstream_readings_or_own_rise", "leads_h": list(LEADS_H)},
            "gauges": {
                g.id: {
                    "stage_m": round(g.stage_m, 3),
                    "bank_m": self.bank_m.get(g.id),
                    "outlook_m": [round(outlook[lead].get(g.id, g.stage_m), 3) for lead in LEADS_H],
                }
                for g in gauges.values()
            },
            "wet": {"i": wet.tolist(), "d": [round(float(road_now[i]), 3) for i in wet]},
            "closed": {"i": closed, "since_t": [self.closed_since[i] for i in closed]},
            "closing": {"i": soon.tolist(), "in_h": [int(closes_in_h[i]) for i in soon]},
            "evacuation": [
                [
                    blocks[r.block].id,
                    r.zone,
                    r.priority,
                    r.depth_now_m,
                    r.depth_expected_m,
                    r.people,
                    r.shelter,
                    r.mode,
                    r.route_m,
                    r.route_s,
                    r.reason,
                ]
                for r in plan.rows
            ],
            "shelters": {s: n for s, n in sorted(plan.shelter_use.items())},
            "shelters_open": sorted(plan.shelters_open),
            "totals": {
                "city": vars_of(plan.city),
                "districts": {d: vars_of(t) for d, t in plan.by_district.items()},
            },
            "missions": missions,
        }

    def _missions(self, rows: Any, truck: RoadCosts, now: float) -> list[dict[str, Any]]:
        network = self.network
        targets: list[int] = []
        for row in rows:  # in the list's order: the flooded before the soon-to-flood
            block = network.blocks[row.block]
            if block.kind in VULNERABLE_ORDER and row.block not in targets:
                targets.append(row.block)
        out = []
        kept: dict[str, dict[str, Any]] = {}
        for index in targets[:MAX_MISSIONS]:
            block = network.blocks[index]
            answer = self.graph.rescue_route(truck, block.node)
            before = self.missions.get(block.id)
            changes = list((before or {}).get("changes") or [])
            previous = (before or {}).get("route")
            old = route_from_doc(previous, network) if isinstance(previous, Mapping) else None
            if old is not None:
                change = route_change(old, answer.best, truck)
                if change is not None:
                    changes.append(
                        {
                            "t": now,
                            "closed": list(change.closed_roads),
                            "flooded": [[i, round(d, 3)] for i, d in change.flooded_roads[:3]],
                            "eta_delta_s": None if change.eta_delta_s is None else round(change.eta_delta_s, 1),
                        }
                    )
            blocked = answer.blocked
            doc = {
                "block": block.id,
                "vehicle": "truck",
                "route": route_doc(answer.best, network),
                "alternative": route_doc(answer.alternative, network),
                "blocked": None
                if blocked is None
                else {
                    "closest_node": blocked.closest_node,
                    "closest_m": round(blocked.closest_m, 1),
                    "road": blocked.blocking_road,
                    "depth_m": round(blocked.blocking_depth_m, 3),
                },
                "changes": changes[-MAX_CHANGES:],
            }
            kept[block.id] = doc
            out.append(doc)
        self.missions = kept
        return out


def vars_of(totals: Any) -> dict[str, int]:
    return {name: int(getattr(totals, name)) for name in totals.__dataclass_fields__}
