"""Water depth on the streets from the river gauges: bathtub filling by reach over height above nearest drainage.

The model (``docs/flood.md``, "Depth"): each gauge's *overflow* is its stage above its bank level, taken as the
gauge's ``flood_warning`` stage (the level at which the river leaves its banks there). Along a river the overflow
is interpolated linearly between its gauges by position along the river line, and held at the first and last
gauge beyond them. Every intersection and block knows its nearest river, its position along it and its ground
height above that river's bank top (HAND, ``RoadNetwork.hand_m``); its depth is the overflow there minus that
height, never below zero. A street's depth is the deeper of its two ends (the low point of a street is what
stops a truck).

It is the simplest model that puts water where a city's flood maps do (the low strip along the river, deeper
nearer the bank, spreading as the river rises) and it costs one ``numpy.interp`` per river per update. What it
leaves out: levees and walls (a HAND below a wall's crest floods here), storage (the bathtub never runs short of
water), rain falling on the streets themselves, and drains.

Positions along the rivers are computed once per network (``RiverFrame``), on a local metric projection of the
pack's coordinates (GCJ-02 like everything else in the pack; the offset to WGS-84 cancels out of distances).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString

from consumers.citypack import CityPack
from consumers.flood.network import RoadNetwork

NO_RIVER = -1
"""``RiverFrame.river`` of a point whose nearest river has no gauge: its depth is never known."""

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class GaugeOnRiver:
    """A gauge as the depth model sees it: where it sits along its river and the stage at which it overflows."""

    id: str
    river: str
    position_m: float
    bank_stage_m: float


@dataclass(frozen=True)
class RiverFrame:
    """For each node and block: which river it drains to (an index into ``rivers``) and where along it."""

    rivers: tuple[str, ...]
    gauges: Mapping[str, tuple[GaugeOnRiver, ...]]
    """Per river, its gauges ordered downstream by position."""
    node_river: np.ndarray
    node_position_m: np.ndarray
    node_hand_m: np.ndarray
    """NaN where the network gave no height: such a node's depth is never known (``node_depths`` gives NaN)."""
    block_river: np.ndarray
    block_position_m: np.ndarray
    block_hand_m: np.ndarray


class _Projection:
    """Equirectangular metres around a centre: distances of a few kilometres to a metre's accuracy."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.kx = _M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))

    def xy(self, lon: Sequence[float] | np.ndarray, lat: Sequence[float] | np.ndarray) -> np.ndarray:
        lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        return np.column_stack(((lon_a - self.lon0) * self.kx, (lat_a - self.lat0) * _M_PER_DEG_LAT))


def river_frame(pack: CityPack, network: RoadNetwork) -> RiverFrame:
    """Place every node and block of ``network`` on its nearest gauged river of ``pack``."""
    projection = _Projection(pack.center_lat, pack.center_lon)
    gauged: dict[str, list[GaugeOnRiver]] = {}
    lines: dict[str, LineString] = {}
    for river in pack.rivers.values():
        lines[river.id] = LineString(projection.xy([c[0] for c in river.coords], [c[1] for c in river.coords]))
    for spec in pack.sensors_of_type("river.gauge"):
        river_id = str(spec.params.get("river", ""))
        line = lines.get(river_id)
        bank = spec.params.get("thresholds", {}).get("flood_warning")
        if line is None or not isinstance(bank, int | float):
            continue
        where = shapely.points(projection.xy([spec.lon], [spec.lat]))
        position = float(shapely.line_locate_point(line, where)[0])
        gauged.setdefault(river_id, []).append(GaugeOnRiver(spec.id, river_id, position, float(bank)))
    rivers = tuple(r for r in lines if r in gauged)
    gauges = {r: tuple(sorted(gauged[r], key=lambda g: g.position_m)) for r in rivers}

    def place(lon: Sequence[float], lat: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        count = len(lon)
        if count == 0 or not rivers:
            return np.full(count, NO_RIVER, dtype=np.int32), np.zeros(count)
        points = shapely.points(projection.xy(lon, lat))
        distances = np.vstack([shapely.distance(lines[r], points) for r in rivers])
        nearest = distances.argmin(axis=0).astype(np.int32)
        positions = np.zeros(count)
        for index, river_id in enumerate(rivers):
            mine = nearest == index
            if mine.any():
                positions[mine] = shapely.line_locate_point(lines[river_id], points[mine])
        return nearest, positions

    node_river, node_position = place(network.lon, network.lat)
    blocks = network.blocks
    block_river, block_position = place([b.lon for b in blocks], [b.lat for b in blocks])
    return RiverFrame(
        rivers=rivers,
        gauges=gauges,
        node_river=node_river,
        node_position_m=node_position,
        node_hand_m=np.array([math.nan if h is None else h for h in network.hand_m], dtype=float),
        block_river=block_river,
        block_position_m=block_position,
        block_hand_m=np.array([math.nan if b.hand_m is None else b.hand_m for b in blocks], dtype=float),
    )


def overflows(frame: RiverFrame, stages: Mapping[str, float]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per river, the positions and overflows (stage above bank level) of its gauges that have a stage; a river
    with none is left out (its streets' depth is unknown, not zero)."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for river_id, gauges in frame.gauges.items():
        known = [(g.position_m, stages[g.id] - g.bank_stage_m) for g in gauges if g.id in stages]
        if known:
            out[river_id] = (np.array([p for p, _ in known]), np.array([o for _, o in known]))
    return out


def _depths(
    frame: RiverFrame, river: np.ndarray, position: np.ndarray, hand: np.ndarray, stages: Mapping[str, float]
) -> np.ndarray:
    depth = np.full(len(river), np.nan)
    profiles = overflows(frame, stages)
    for index, river_id in enumerate(frame.rivers):
        profile = profiles.get(river_id)
        if profile is None:
            continue
        mine = river == index
        if mine.any():
            water = np.interp(position[mine], profile[0], profile[1])
            depth[mine] = np.maximum(water - hand[mine], 0.0)
    return depth


def node_depths(frame: RiverFrame, stages: Mapping[str, float]) -> np.ndarray:
    """Water depth (m) at every node for gauge stages ``stages`` (by gauge id); NaN where it cannot be known (no
    height, or no gauge on the node's river reported)."""
    return _depths(frame, frame.node_river, frame.node_position_m, frame.node_hand_m, stages)


def block_depths(frame: RiverFrame, stages: Mapping[str, float]) -> np.ndarray:
    """Water depth (m) at every block, as ``node_depths``."""
    return _depths(frame, frame.block_river, frame.block_position_m, frame.block_hand_m, stages)


def road_depths(network: RoadNetwork, depth_at_nodes: np.ndarray) -> np.ndarray:
    """A street's depth: the deeper of its two ends, NaN only when both are unknown."""
    u = np.fromiter((r.u for r in network.roads), dtype=np.int64, count=len(network.roads))
    v = np.fromiter((r.v for r in network.roads), dtype=np.int64, count=len(network.roads))
    return np.fmax(depth_at_nodes[u], depth_at_nodes[v])
