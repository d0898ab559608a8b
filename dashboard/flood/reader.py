"""The flood picture as people read it: indexes turned into names and places, and routes to a chosen point.

The flood service publishes indexes into the road network (``consumers.flood.picture``); a web worker holds the
same network (``FloodNetwork``, loaded once per process from the pack) to turn them into street names and lines,
and to answer a route to any point with the depths of the last picture: the same pure routing code as the
service's, so a route clicked on a manager's screen agrees with the missions on the wall.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from consumers.citypack import CityPack
from consumers.clock import epoch_iso
from consumers.flood.network import Block, RoadNetwork, distance_m, load_flood_pack
from consumers.flood.picture import PICTURE_KEY, network_id, route_doc
from consumers.flood.routing import CLOSES_AT_M, RoadGraph, RouteChange, road_costs, roads_change
from dashboard.i18n import t
from dashboard.state_view import StateSnapshot

log = logging.getLogger(__name__)

EVACUATION_COLUMNS = (
    "block",
    "name",
    "kind",
    "district",
    "zone",
    "priority",
    "depth_now_m",
    "depth_expected_m",
    "people",
    "shelter",
    "shelter_name",
    "mode",
    "route_m",
    "route_min",
    "unassigned_reason",
)


@dataclass(frozen=True)
class FloodNetwork:
    """One worker's read-only copy of the road network and its graph."""

    network: RoadNetwork
    graph: RoadGraph
    blocks: Mapping[str, int]
    shelters: Mapping[str, int]
    stations: Mapping[str, int]
    landmark: Mapping[int, int] = field(default_factory=dict)
    """For a road without a name: a named road that meets it, or meets one that meets it, to say where it is."""

    @classmethod
    def load(cls, pack: CityPack) -> FloodNetwork | None:
        """None for a city pack without flood data (the pages then say there is no flood response)."""
        try:
            network, warnings = load_flood_pack(pack.root, pack)
        except FileNotFoundError:
            return None
        for warning in warnings:
            log.warning("flood pack: %s", warning)
        return cls.of(network)

    @classmethod
    def of(cls, network: RoadNetwork, graph: RoadGraph | None = None) -> FloodNetwork:
        """The web's view of ``network``; ``graph``, when given, is a read-only graph of it built elsewhere in this
        process (the embedded flood service's)."""
        return cls(
            network,
            graph if graph is not None and graph.network is network else RoadGraph(network),
            {b.id: i for i, b in enumerate(network.blocks)},
            {s.id: i for i, s in enumerate(network.shelters)},
            {s.id: i for i, s in enumerate(network.stations)},
            _landmarks(network),
        )

    def picture(self, snapshot: StateSnapshot) -> Mapping[str, Any] | None:
        """The latest picture, if it was made on this network."""
        doc = snapshot.entities.get(PICTURE_KEY)
        if doc is None or doc.get("network") != network_id(self.network):
            return None
        return doc

    def road_depths(self, picture: Mapping[str, Any]) -> np.ndarray:
        depth = np.zeros(len(self.network.roads))
        wet = picture.get("wet") or {}
        index = np.asarray(wet.get("i") or [], dtype=np.int64)
        depth[index] = np.asarray(wet.get("d") or [], dtype=float)
        return depth

    def road_name(self, index: int | None, lang: str = "en") -> str | None:
        """The road's name; an unnamed one as "a street by <the nearest named road>"; None when nothing near has a
        name either."""
        if index is None or not 0 <= index < len(self.network.roads):
            return None
        road = self.network.roads[index]
        name = road.name_zh if lang == "zh" else road.name_en
        if name:
            return name
        near = self.landmark.get(index)
        if near is None:
            return None
        other = self.network.roads[near]
        return t(lang, "flood.street_by", road=(other.name_zh if lang == "zh" else other.name_en))

    def street_segments(self, indexes: Sequence[int]) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """Roads as ``((lon, lat), (lon, lat))`` segments, each street once (its two directions are one line on a
        map)."""
        network = self.network
        seen: set[tuple[int, int]] = set()
        out = []
        for i in indexes:
            road = network.roads[i]
            key = (min(road.u, road.v), max(road.u, road.v))
            if key not in seen:
                seen.add(key)
                out.append(((network.lon[road.u], network.lat[road.u]), (network.lon[road.v], network.lat[road.v])))
        return out

    def road_path(self, index: int) -> list[list[float]]:
        road = self.network.roads[index]
        return self.path([road.u, road.v])

    def path(self, nodes: list[int]) -> list[list[float]]:
        """A route's nodes as ``[lon, lat]`` pairs, for a map line."""
        lon, lat = self.network.lon, self.network.lat
        return [[lon[n], lat[n]] for n in nodes]

    def route_to(self, picture: Mapping[str, Any], lon: float, lat: float, vehicle: str) -> dict[str, Any]:
        """The rescue route from the best station with ``vehicle`` to the street nearest a point, under the
        picture's water, with one alternative, or why there is none."""
        if vehicle not in ("truck", "ambulance"):
            raise ValueError(f"vehicle must be truck or ambulance, not {vehicle!r}")
        costs = road_costs(self.network, self.road_depths(picture), vehicle)
        target = self.graph.nearest_node(lon, lat)
        answer = self.graph.rescue_route(costs, target)
        out: dict[str, Any] = {
            "vehicle": vehicle,
            "closes_at_m": CLOSES_AT_M[vehicle],
            "target": {"lon": self.network.lon[target], "lat": self.network.lat[target]},
            "as_of": picture.get("event_time"),
        }
        for name, route in (("route", answer.best), ("alternative", answer.alternative)):
            doc = route_doc(route, self.network)
            if doc is not None:
                doc["path"] = self.path(doc.pop("nodes"))
                doc["deepest_road_name"] = self.road_name(doc["deepest_road"])
                station = self.network.stations[self.stations[doc["start"]]]
                doc["station_name"] = station.name_en
            out[name] = doc
        blocked = answer.blocked
        out["blocked"] = (
            None
            if blocked is None
            else {
                "closest": {
                    "lon": self.network.lon[blocked.closest_node],
                    "lat": self.network.lat[blocked.closest_node],
                },
                "closest_m": round(blocked.closest_m, 1),
                "road": self.road_name(blocked.blocking_road),
                "road_path": None if blocked.blocking_road is None else self.road_path(blocked.blocking_road),
                "depth_m": round(blocked.blocking_depth_m, 3),
            }
        )
        return out

    def route_change(
        self,
        picture: Mapping[str, Any],
        vehicle: str,
        before_roads: Sequence[int],
        before_eta_s: float | None,
        answer: Mapping[str, Any],
    ) -> RouteChange | None:
        """What changed between the route a browser drew before (its roads and ETA) and ``answer`` (``route_to``'s),
        judged for that vehicle under the picture's water: the same rule as the missions' (``routing.roads_change``)."""
        costs = road_costs(self.network, self.road_depths(picture), vehicle)
        route = answer.get("route")
        after = None if route is None else route["roads"]
        return roads_change(before_roads, before_eta_s, after, None if route is None else route["eta_s"], costs)

    def listed_blocks(self, picture: Mapping[str, Any]) -> list[tuple[Block, list[Any], int]]:
        """Each block on the evacuation list once, in list order: the block, its first row (where most of its people
        go, and how), and all its people (a block larger than a shelter's room has a row per shelter)."""
        people: dict[str, int] = {}
        first: dict[str, list[Any]] = {}
        for row in picture.get("evacuation") or []:
            people[row[0]] = people.get(row[0], 0) + int(row[5])
            first.setdefault(row[0], row)
        return [(self.network.blocks[self.blocks[b]], row, people[b]) for b, row in first.items() if b in self.blocks]

    def listed_block_near(self, picture: Mapping[str, Any], lon: float, lat: float, within_m: float) -> str | None:
        """The block of the evacuation list nearest a point, if one is within ``within_m`` (a click on its marker)."""
        best, best_m = None, within_m
        for block_id in dict.fromkeys(row[0] for row in picture.get("evacuation") or []):
            if block_id in self.blocks:
                block = self.network.blocks[self.blocks[block_id]]
                metres = distance_m(lon, lat, block.lon, block.lat)
                if metres <= best_m:
                    best, best_m = block_id, metres
        return best

    def evacuation_route(self, picture: Mapping[str, Any], block_id: str) -> dict[str, Any] | None:
        """How a block's people get to their shelter (its first row in the list): the street route on foot or by
        rescue truck under the picture's water, or by boat (no street route)."""
        row = next((r for r in picture.get("evacuation") or [] if r[0] == block_id and r[6] is not None), None)
        if row is None or block_id not in self.blocks or row[6] not in self.shelters:
            return None
        block = self.network.blocks[self.blocks[block_id]]
        shelter = self.network.shelters[self.shelters[row[6]]]
        mode = row[7]
        out: dict[str, Any] = {"block": block_id, "shelter": shelter.id, "people": row[5], "mode": mode, "path": None}
        if mode in ("walk", "truck"):
            costs = road_costs(self.network, self.road_depths(picture), mode)
            route = self.graph.route_between(costs, block_id, block.node, shelter.node)
            if route is not None:
                out.update(
                    path=self.path(list(route.nodes)), length_m=round(route.length_m, 1), eta_s=round(route.eta_s)
                )
        return out

    def summary(self, picture: Mapping[str, Any]) -> dict[str, Any]:
        """The picture with names: closed streets (and since when), streets closing within the outlook, missions
        with their routes and what changed, the totals."""
        closed = picture.get("closed") or {}
        closing = picture.get("closing") or {}
        missions = []
        for mission in picture.get("missions") or []:
            block = self.network.blocks[self.blocks[mission["block"]]] if mission["block"] in self.blocks else None
            route = mission.get("route")
            changes = [
                {
                    "at": epoch_iso(float(c["t"])),
                    "closed": [self.road_name(i) or t("en", "flood.unnamed_street") for i in c.get("closed") or []],
                    "flooded": [
                        {"road": self.road_name(int(i)) or t("en", "flood.unnamed_street"), "depth_m": d}
                        for i, d in c.get("flooded") or []
                    ],
                    "eta_delta_s": c.get("eta_delta_s"),
                }
                for c in mission.get("changes") or []
            ]
            missions.append(
                {
                    "block": mission["block"],
                    "name": None if block is None else block.name_en,
                    "kind": None if block is None else block.kind,
                    "station": None if route is None else route["start"],
                    "eta_s": None if route is None else route["eta_s"],
                    "deepest_m": None if route is None else route["deepest_m"],
                    "deepest_road": None if route is None else self.road_name(route.get("deepest_road")),
                    "blocked": mission.get("blocked"),
                    "changes": changes,
                }
            )
        return {
            "event_time": picture.get("event_time"),
            "model": picture.get("model"),
            "gauges": picture.get("gauges"),
            "closed_roads": [
                {"road": self.road_name(i), "since": epoch_iso(float(t))}
                for i, t in zip(closed.get("i") or [], closed.get("since_t") or [], strict=False)
            ],
            "closing_roads": [
                {"road": self.road_name(i), "in_hours": h}
                for i, h in zip(closing.get("i") or [], closing.get("in_h") or [], strict=False)
            ],
            "wet_roads": len((picture.get("wet") or {}).get("i") or []),
            "missions": missions,
            "totals": picture.get("totals"),
            "shelters": picture.get("shelters"),
        }

    def evacuation_csv(self, picture: Mapping[str, Any]) -> bytes:
        """The evacuation list as a spreadsheet opens it; a cell a spreadsheet would run as a formula stays text."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EVACUATION_COLUMNS)
        network = self.network
        for row in picture.get("evacuation") or []:
            block_id, zone, priority, now_m, exp_m, people, shelter_id, mode, route_m, route_s, reason = row
            block = network.blocks[self.blocks[block_id]] if block_id in self.blocks else None
            shelter = network.shelters[self.shelters[shelter_id]] if shelter_id in self.shelters else None
            writer.writerow(
                [
                    _cell(block_id),
                    _cell(block.name_en if block else ""),
                    block.kind if block else "",
                    block.district if block else "",
                    zone,
                    priority,
                    now_m,
                    exp_m,
                    people,
                    _cell(shelter_id or ""),
                    _cell(shelter.name_en if shelter else ""),
                    mode or "",
                    "" if route_m is None else route_m,
                    "" if route_s is None else round(route_s / 60.0, 1),
                    reason or "",
                ]
            )
        return out.getvalue().encode()


def _landmarks(network: RoadNetwork) -> dict[int, int]:
    """Each unnamed road's nearest named road by the network (ends shared, then one street further)."""
    named_at: dict[int, int] = {}
    touching: dict[int, list[int]] = {}
    for i, road in enumerate(network.roads):
        touching.setdefault(road.u, []).append(i)
        touching.setdefault(road.v, []).append(i)
        if road.name_en:
            named_at.setdefault(road.u, i)
            named_at.setdefault(road.v, i)
    out: dict[int, int] = {}
    for i, road in enumerate(network.roads):
        if road.name_en:
            continue
        near = named_at.get(road.u, named_at.get(road.v))
        if near is None:
            for j in touching.get(road.u, []) + touching.get(road.v, []):
                other = network.roads[j]
                near = named_at.get(other.u, named_at.get(other.v))
                if near is not None:
                    break
        if near is not None:
            out[i] = near
    return out


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
