"""The road network of flood response: intersections with their height above the nearest river's bank, directed
roads, and the places that matter when streets flood (rescue stations, shelters, residential blocks).

The model is plain frozen data, built once per process from the city pack (``load_flood_pack``) or from a real
OpenStreetMap export (``consumers.flood.osm``), and shared read-only by the inundation, routing and evacuation
code. Nodes are addressed by index (``int``) everywhere inside; their pack ids are kept for people and files.

Bad input is warned about, never a crash: a road whose end is no node, a road without a usable speed, a part of
the network that cannot be reached from the rest, a block outside every district all come back as warnings that
name the element, and the element is dropped or mended as the warning says.

Loading: ``load_flood_pack`` reads a pack's ``flood/`` folder (``roads.json``, ``stations.json``,
``shelters.json``, ``blocks.json``; the format is in that folder's README), ``consumers.flood.osm`` reads an osmnx
GraphML export; both turn their input into ``RawNode``/``RawRoad`` values and hand them to ``build_network``, the
one validation path:

- a node with a duplicate id (the later one is dropped) or no usable position (dropped); a ``hand_m`` that is no
  number (unknown), and one summary of the nodes whose height is unknown;
- a road whose end is no node or that starts where it ends (dropped); an unknown class (residential); a way no
  vehicle drives on (dropped, one summary); no usable speed (the class's ``DEFAULT_SPEED_KMH``); a length that
  is not positive (measured from its ends);
- every strongly connected part other than the largest (kept, with its size and one node);
- a station, shelter or block without an id, with a duplicate id, an unknown kind, a population or capacity that
  is not a positive whole number, or outside its district (``CityPack.place``) is dropped; the rest snap to the
  nearest node of the largest strongly connected part, so that every place can be reached and left.

Past ``WARNINGS_PER_KIND`` warnings of one kind the rest are counted in one line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np

from consumers.citypack import CityPack

ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "residential", "service")
"""OpenStreetMap's ``highway`` values this model keeps, fastest first; others map to the nearest (``osm``)."""

DEFAULT_SPEED_KMH: Mapping[str, float] = {
    "motorway": 80.0,
    "trunk": 60.0,
    "primary": 50.0,
    "secondary": 40.0,
    "tertiary": 40.0,
    "residential": 30.0,
    "service": 20.0,
}
"""A road with no usable speed limit gets its class's urban default (China's urban limits, GB 5768 signs), with a
warning."""

STATION_KINDS = ("fire_station", "hospital")
VEHICLE_KINDS = ("truck", "ambulance", "car", "boat")
BLOCK_KINDS = ("residential", "care_home", "school", "hospital")


@dataclass(frozen=True, slots=True)
class Road:
    """One direction of a street between two intersections (a two-way street is two roads)."""

    u: int
    v: int
    road_class: str
    speed_kmh: float
    length_m: float
    name_en: str
    name_zh: str


@dataclass(frozen=True, slots=True)
class Station:
    """Where rescue teams start: a fire station or a hospital with ambulances, and the vehicles it has."""

    id: str
    name_en: str
    name_zh: str
    kind: str
    district: str
    lon: float
    lat: float
    vehicles: Mapping[str, int] = field(hash=False)
    node: int
    """The nearest intersection, where a route starts."""


@dataclass(frozen=True, slots=True)
class Shelter:
    """A place evacuees are sent to, with how many people it takes."""

    id: str
    name_en: str
    name_zh: str
    district: str
    lon: float
    lat: float
    capacity: int
    node: int


@dataclass(frozen=True, slots=True)
class Block:
    """A residential block (or a care home, school, hospital) with the people who live or stay there."""

    id: str
    name_en: str
    name_zh: str
    kind: str
    district: str
    lon: float
    lat: float
    population: int
    node: int
    hand_m: float | None
    """The block's own ground above the nearest river's bank top (m); None when not known."""


@dataclass(frozen=True)
class RoadNetwork:
    """Intersections, roads and places, read-only. ``hand_m[i]`` is node i's ground height above the bank top of
    the nearest river (height above nearest drainage, HAND), None when the source gave no height."""

    node_ids: tuple[str, ...]
    lon: tuple[float, ...]
    lat: tuple[float, ...]
    hand_m: tuple[float | None, ...]
    roads: tuple[Road, ...]
    stations: tuple[Station, ...] = ()
    shelters: tuple[Shelter, ...] = ()
    blocks: tuple[Block, ...] = ()
    source: str = ""
    """Where the network came from, in a sentence (for the README and the exports)."""


# ------------------------------------------------------------------------------------------- loading

FLOOD_DIR = "flood"
"""The folder of a city pack that holds the flood-response files (``roads.json``, ``stations.json`` ...)."""

PLACE_FILES = ("stations.json", "shelters.json", "blocks.json")

WARNINGS_PER_KIND = 50
"""After this many warnings of one kind the rest are counted in one summary line: a real OpenStreetMap export
has thousands of streets without a speed limit, and a list of them all would hide the warnings that matter."""

CLASS_OF_HIGHWAY: Mapping[str, str] = {
    **{name: name for name in ROAD_CLASSES},
    "motorway_link": "motorway",
    "trunk_link": "trunk",
    "primary_link": "primary",
    "secondary_link": "secondary",
    "tertiary_link": "tertiary",
    "unclassified": "residential",
    "living_street": "residential",
    "road": "residential",
    "track": "service",
    "busway": "service",
}
"""OpenStreetMap ``highway`` values and the kept class a vehicle treats them as (a ramp as the road it joins)."""

NOT_FOR_VEHICLES = frozenset(
    {
        "footway",
        "cycleway",
        "path",
        "pedestrian",
        "steps",
        "bridleway",
        "corridor",
        "elevator",
        "platform",
        "proposed",
        "construction",
        "abandoned",
        "disused",
        "raceway",
        "via_ferrata",
        "bus_stop",
        "rest_area",
        "services",
        "escape",
        "emergency_bay",
    }
)
"""``highway`` values no rescue vehicle drives on: such ways are dropped, with one summary warning."""

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0
_MPH_KMH = 1.609344
_KNOTS_KMH = 1.852


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Metres between two points, equirectangular at their mean latitude: within 0.1 % of the great circle over
    a street's length, and the same formula the pack generator measures its roads with."""
    kx = math.cos(math.radians((lat1 + lat2) / 2)) * _M_PER_DEG_LON_EQUATOR
    return math.hypot((lon2 - lon1) * kx, (lat2 - lat1) * _M_PER_DEG_LAT)


def road_class_of(highway: str | Sequence[str] | None) -> tuple[str | None, str]:
    """The kept class of an OpenStreetMap ``highway`` value (or of a list of them: the fastest), with how it was
    found: ``"kept"`` (a kept or mapped value), ``"not_for_vehicles"`` (a footway ...; the class is None) or
    ``"unknown"`` (anything else; residential, the class most unnamed city streets have)."""
    values = [highway] if isinstance(highway, str) else list(highway or ())
    kept = [CLASS_OF_HIGHWAY[v] for v in values if isinstance(v, str) and v in CLASS_OF_HIGHWAY]
    if kept:
        return min(kept, key=ROAD_CLASSES.index), "kept"
    if values and all(isinstance(v, str) and v in NOT_FOR_VEHICLES for v in values):
        return None, "not_for_vehicles"
    return "residential", "unknown"


def parse_speed_kmh(value: object) -> float | None:
    """A speed limit in km/h from a number, or from an OpenStreetMap ``maxspeed`` (``"50"``, ``"30 mph"``,
    ``"50;60"``, a list of those: the mean, as osmnx's ``add_edge_speeds`` takes it); None when there is no
    usable positive speed (missing, ``"none"``, ``"walk"``, ``"CN:urban"``, zero ...)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value > 0 else None
    parts: list[object]
    if isinstance(value, str):
        parts = [p for p in value.replace(",", ";").replace("|", ";").split(";") if p.strip()]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        return None
    speeds: list[float] = []
    for part in parts:
        if isinstance(part, str):
            text = part.strip().lower()
            factor = 1.0
            for unit, to_kmh in (("mph", _MPH_KMH), ("knots", _KNOTS_KMH), ("km/h", 1.0), ("kmh", 1.0)):
                if text.endswith(unit):
                    text, factor = text[: -len(unit)].strip(), to_kmh
                    break
            number = _finite(text)
            speed = None if number is None else number * factor
        else:
            speed = parse_speed_kmh(part) if not isinstance(part, list | tuple) else None
        if speed is None or speed <= 0:
            return None
        speeds.append(speed)
    return sum(speeds) / len(speeds) if speeds else None


def _finite(value: object) -> float | None:
    """A finite float from a number or a numeric string (GraphML stores numbers as text), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class RawNode:
    """An intersection as a source gives it, before checking; ``where`` names it in warnings."""

    where: str
    id: str
    lon: object
    lat: object
    hand_m: object


@dataclass(frozen=True, slots=True)
class RawRoad:
    """A directed road as a source gives it, before checking; ``highway`` is a class or a list of OSM values."""

    where: str
    u: str
    v: str
    highway: str | Sequence[str] | None
    speed: object
    length_m: object
    name_en: str
    name_zh: str


class Warnings:
    """Warnings in the order found, each naming its element; past ``WARNINGS_PER_KIND`` of one kind only
    counted, and summed up by ``finish``."""

    def __init__(self, cap: int = WARNINGS_PER_KIND) -> None:
        self.items: list[str] = []
        self.cap = cap
        self._counts: dict[str, int] = {}

    def add(self, kind: str, message: str) -> None:
        count = self._counts[kind] = self._counts.get(kind, 0) + 1
        if count <= self.cap:
            self.items.append(message)

    def finish(self) -> list[str]:
        for kind, count in self._counts.items():
            if count > self.cap:
                self.items.append(f"... and {count - self.cap} more warning(s) of the kind '{kind}'")
        return self.items


def build_network(
    nodes: Sequence[RawNode],
    roads: Sequence[RawRoad],
    places: Mapping[str, Any] | None,
    pack: CityPack,
    source: str,
    warnings: Warnings | None = None,
) -> tuple[RoadNetwork, list[str]]:
    """The one validation path of every source (the pack's files, an OpenStreetMap export): check the nodes,
    roads and places, mend or drop what is wrong with a warning naming it, find the largest strongly connected
    part and snap the places to it.

    ``places`` maps ``stations.json``/``shelters.json``/``blocks.json`` to their parsed JSON (a file left out
    is no places of that kind, without a warning).
    """
    warn = warnings if warnings is not None else Warnings()
    node_ids, lon, lat, hand = _check_nodes(nodes, warn)
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    checked = _check_roads(roads, index, lon, lat, warn)
    largest = _largest_part(node_ids, checked, warn)
    snap: Snap = partial(NodeLocator(lon, lat).nearest, among=np.asarray(largest, dtype=np.int64))
    places = places or {}
    stations = _stations(places.get("stations.json"), pack, snap, warn)
    shelters = _shelters(places.get("shelters.json"), pack, snap, warn)
    blocks = _blocks(places.get("blocks.json"), pack, snap, hand, warn)
    network = RoadNetwork(
        node_ids=tuple(node_ids),
        lon=tuple(lon),
        lat=tuple(lat),
        hand_m=tuple(hand),
        roads=tuple(checked),
        stations=tuple(stations),
        shelters=tuple(shelters),
        blocks=tuple(blocks),
        source=source,
    )
    return network, warn.finish()


def _check_nodes(
    nodes: Sequence[RawNode], warn: Warnings
) -> tuple[list[str], list[float], list[float], list[float | None]]:
    ids: list[str] = []
    lons: list[float] = []
    lats: list[float] = []
    hands: list[float | None] = []
    seen: set[str] = set()
    unknown_height = 0
    for node in nodes:
        if node.id in seen:
            warn.add("duplicate node", f"{node.where}: duplicate node id {node.id}; the later one dropped")
            continue
        x, y = _finite(node.lon), _finite(node.lat)
        if x is None or y is None or not (-180 <= x <= 180 and -90 <= y <= 90):
            warn.add("node position", f"{node.where}: no usable position (lon {node.lon!r}, lat {node.lat!r}); dropped")
            continue
        height = _finite(node.hand_m)
        if height is None and node.hand_m is not None:
            warn.add("node height", f"{node.where}: hand_m {node.hand_m!r} is not a number; taken as unknown")
        if height is None:
            unknown_height += 1
        seen.add(node.id)
        ids.append(node.id)
        lons.append(x)
        lats.append(y)
        hands.append(height)
    if unknown_height:
        warn.add(
            "unknown heights",
            f"{unknown_height} of {len(ids)} node(s) have no hand_m (height above the nearest river's bank top): "
            "flood depth cannot be judged for them",
        )
    return ids, lons, lats, hands


def _check_roads(
    roads: Sequence[RawRoad], index: Mapping[str, int], lon: Sequence[float], lat: Sequence[float], warn: Warnings
) -> list[Road]:
    out: list[Road] = []
    not_for_vehicles: dict[str, int] = {}
    for raw in roads:
        missing = [end for end in (raw.u, raw.v) if end not in index]
        if missing:
            warn.add("dangling road", f"{raw.where}: end {', '.join(missing)} is no node; dropped")
            continue
        u, v = index[raw.u], index[raw.v]
        if u == v:
            warn.add("loop road", f"{raw.where}: starts and ends at node {raw.u}; dropped")
            continue
        road_class, how = road_class_of(raw.highway)
        if road_class is None:
            key = raw.highway if isinstance(raw.highway, str) else "/".join(map(str, raw.highway or ()))
            not_for_vehicles[key] = not_for_vehicles.get(key, 0) + 1
            continue
        if how == "unknown":
            warn.add("unknown class", f"{raw.where}: unknown road class {raw.highway!r}; taken as residential")
        speed = parse_speed_kmh(raw.speed)
        if speed is None:
            speed = DEFAULT_SPEED_KMH[road_class]
            what = "no speed" if raw.speed is None else f"unusable speed {raw.speed!r}"
            warn.add("road speed", f"{raw.where}: {what}; {road_class} default {speed:g} km/h")
        length = _finite(raw.length_m)
        if length is None or length <= 0:
            measured = distance_m(lon[u], lat[u], lon[v], lat[v])
            warn.add(
                "road length", f"{raw.where}: length {raw.length_m!r} is not positive; {measured:.1f} m from its ends"
            )
            length = measured
        out.append(Road(u, v, road_class, speed, length, raw.name_en, raw.name_zh))
    if not_for_vehicles:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(not_for_vehicles.items()))
        warn.add("not for vehicles", f"dropped {sum(not_for_vehicles.values())} way(s) no vehicle drives on ({kinds})")
    return out


def _largest_part(node_ids: Sequence[str], roads: Sequence[Road], warn: Warnings) -> list[int]:
    """The nodes of the largest strongly connected component (a rescue team can get there and back); every
    other component is warned about with its size and one node, and kept (a one-way dead end is still a
    street, and routing decides what to do with it)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(node_ids)))
    graph.add_edges_from((r.u, r.v) for r in roads)
    parts = sorted((sorted(c) for c in nx.strongly_connected_components(graph)), key=lambda c: (-len(c), c[0]))
    if not parts:
        return []
    for part in parts[1:]:
        warn.add(
            "disconnected part",
            f"network: a part of {len(part)} node(s) (e.g. node {node_ids[part[0]]}) is not strongly connected to "
            f"the largest part ({len(parts[0])} nodes); kept, places do not snap to it",
        )
    return parts[0]


class NodeLocator:
    """Nearest node to a point, by brute force in numpy over a local metric frame (equirectangular at the nodes'
    mean latitude): a few thousand places, or one click, against tens of thousands of nodes is a fraction of a
    second and needs no spatial index. The loader snaps places with it, the routes find a clicked point's street."""

    def __init__(self, lon: Sequence[float], lat: Sequence[float]) -> None:
        lat0 = float(np.mean(lat)) if len(lat) else 0.0
        self.kx = math.cos(math.radians(lat0)) * _M_PER_DEG_LON_EQUATOR
        self.x = np.asarray(lon, dtype=np.float64) * self.kx
        self.y = np.asarray(lat, dtype=np.float64) * _M_PER_DEG_LAT

    def nearest(self, lon: float, lat: float, among: np.ndarray | None = None) -> int | None:
        """The nearest node, or of ``among`` (node indexes) only; None when there is none to choose."""
        x, y = lon * self.kx, lat * _M_PER_DEG_LAT
        if among is None:
            return int(np.argmin((self.x - x) ** 2 + (self.y - y) ** 2)) if len(self.x) else None
        if not len(among):
            return None
        d2 = (self.x[among] - x) ** 2 + (self.y[among] - y) ** 2
        return int(among[int(np.argmin(d2))])

    def metres_between(self, a: int, b: int) -> float:
        return float(math.hypot(self.x[a] - self.x[b], self.y[a] - self.y[b]))


Snap = Callable[[float, float], int | None]
"""A place's position to the node it starts from (the nearest of the largest strongly connected part)."""


@dataclass(frozen=True, slots=True)
class _Common:
    """What every place has, once checked."""

    id: str
    name_en: str
    name_zh: str
    district: str
    lon: float
    lat: float
    node: int


def _place_items(doc: Any, name: str, warn: Warnings) -> list[tuple[str, dict[str, Any]]]:
    """The objects of a place file with their labels (``blocks.json[BK-0001]`` or ``blocks.json[#12]``)."""
    if doc is None:
        return []
    if not isinstance(doc, list):
        warn.add("place file", f"{name}: must be a JSON array of objects, got {type(doc).__name__}; ignored")
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(doc):
        item_id = item.get("id") if isinstance(item, dict) else None
        where = f"{name}[{item_id}]" if isinstance(item_id, str) and item_id else f"{name}[#{i}]"
        if not isinstance(item, dict):
            warn.add("place", f"{where}: not an object; dropped")
            continue
        out.append((where, item))
    return out


def _common(
    where: str, item: Mapping[str, Any], seen: set[str], pack: CityPack, snap: Snap, warn: Warnings
) -> _Common | None:
    item_id = item.get("id")
    if not isinstance(item_id, str) or not item_id:
        warn.add("place", f"{where}: no id; dropped")
        return None
    if item_id in seen:
        warn.add("duplicate place", f"{where}: duplicate id; the later one dropped")
        return None
    district = item.get("district")
    lon, lat = _finite(item.get("lon")), _finite(item.get("lat"))
    if not isinstance(district, str) or lon is None or lat is None:
        warn.add("place", f"{where}: needs 'district', 'lon' and 'lat'; dropped")
        return None
    problem = pack.place(district, lon, lat)
    if problem == "outside_city":
        warn.add("place outside", f"{where}: ({lon:.5f}, {lat:.5f}) is outside every district; dropped")
        return None
    if problem is not None:
        warn.add("place outside", f"{where}: ({lon:.5f}, {lat:.5f}) is not in district {district}; dropped")
        return None
    node = snap(lon, lat)
    if node is None:
        warn.add("place", f"{where}: the network has no node to reach it from; dropped")
        return None
    seen.add(item_id)
    name_en, name_zh = item.get("name_en"), item.get("name_zh")
    return _Common(
        item_id,
        name_en if isinstance(name_en, str) else "",
        name_zh if isinstance(name_zh, str) else "",
        district,
        lon,
        lat,
        node,
    )


def _positive_int(where: str, item: Mapping[str, Any], key: str, warn: Warnings) -> int | None:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        warn.add(f"place {key}", f"{where}: {key} {value!r} is not a positive whole number; dropped")
        return None
    return value


def _stations(doc: Any, pack: CityPack, snap: Snap, warn: Warnings) -> list[Station]:
    out: list[Station] = []
    seen: set[str] = set()
    for where, item in _place_items(doc, "stations.json", warn):
        kind = item.get("kind")
        if kind not in STATION_KINDS:
            warn.add("place kind", f"{where}: kind {kind!r} is not one of {', '.join(STATION_KINDS)}; dropped")
            continue
        common = _common(where, item, seen, pack, snap, warn)
        if common is None:
            continue
        raw = item.get("vehicles")
        vehicles = {name: 0 for name in VEHICLE_KINDS}
        for name, count in (raw if isinstance(raw, dict) else {}).items():
            if name not in vehicles:
                warn.add("vehicles", f"{where}: unknown vehicle kind {name!r}; ignored")
            elif isinstance(count, bool) or not isinstance(count, int) or count < 0:
                warn.add("vehicles", f"{where}: {name} count {count!r} is not a whole number >= 0; taken as 0")
            else:
                vehicles[name] = count
        if not any(vehicles.values()):
            warn.add("vehicles", f"{where}: has no vehicles; kept")
        out.append(
            Station(
                common.id,
                common.name_en,
                common.name_zh,
                str(kind),
                common.district,
                common.lon,
                common.lat,
                MappingProxyType(vehicles),
                common.node,
            )
        )
    return out


def _shelters(doc: Any, pack: CityPack, snap: Snap, warn: Warnings) -> list[Shelter]:
    out: list[Shelter] = []
    seen: set[str] = set()
    for where, item in _place_items(doc, "shelters.json", warn):
        capacity = _positive_int(where, item, "capacity", warn)
        if capacity is None:
            continue
        common = _common(where, item, seen, pack, snap, warn)
        if common is not None:
            out.append(
                Shelter(
                    common.id,
                    common.name_en,
                    common.name_zh,
                    common.district,
                    common.lon,
                    common.lat,
                    capacity,
                    common.node,
                )
            )
    return out


def _blocks(doc: Any, pack: CityPack, snap: Snap, node_hand: Sequence[float | None], warn: Warnings) -> list[Block]:
    """Blocks keep their own ``hand_m`` when the file gives one (a block's ground, not its street's), else the
    height of the node they snap to."""
    out: list[Block] = []
    seen: set[str] = set()
    for where, item in _place_items(doc, "blocks.json", warn):
        kind = item.get("kind", "residential")
        if kind not in BLOCK_KINDS:
            warn.add("place kind", f"{where}: kind {kind!r} is not one of {', '.join(BLOCK_KINDS)}; dropped")
            continue
        population = _positive_int(where, item, "population", warn)
        if population is None:
            continue
        common = _common(where, item, seen, pack, snap, warn)
        if common is None:
            continue
        own = _finite(item.get("hand_m"))
        out.append(
            Block(
                common.id,
                common.name_en,
                common.name_zh,
                str(kind),
                common.district,
                common.lon,
                common.lat,
                population,
                common.node,
                own if own is not None else node_hand[common.node],
            )
        )
    return out


def read_places(flood_dir: Path, warn: Warnings) -> dict[str, Any]:
    """The parsed place files of a pack's flood folder; a missing or broken one is a warning and no places."""
    out: dict[str, Any] = {}
    for name in PLACE_FILES:
        path = flood_dir / name
        try:
            out[name] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            warn.add("place file", f"{name}: file is missing in {flood_dir}; no places of that kind")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            warn.add("place file", f"{name}: cannot be read ({exc}); no places of that kind")
    return out


def load_flood_pack(root: Path, pack: CityPack) -> tuple[RoadNetwork, list[str]]:
    """The road network of a city pack: ``root / "flood"`` holds ``roads.json`` (nodes with their ``hand_m``
    and directed roads), ``stations.json``, ``shelters.json`` and ``blocks.json``. ``pack`` is the loaded city
    pack of ``root``, whose districts every place must lie in.

    Raises FileNotFoundError when the flood folder or its ``roads.json`` is missing and ValueError when
    ``roads.json`` is no JSON object with ``nodes`` and ``roads`` lists: without roads there is no network to
    warn about. Everything else wrong is a warning naming the element (see the module docstring).
    """
    flood_dir = Path(root) / FLOOD_DIR
    if not flood_dir.is_dir():
        raise FileNotFoundError(f"no flood folder in the city pack: {flood_dir} does not exist")
    roads_path = flood_dir / "roads.json"
    if not roads_path.is_file():
        raise FileNotFoundError(f"the flood folder has no road network: {roads_path} does not exist")
    try:
        doc = json.loads(roads_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{roads_path}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list) or not isinstance(doc.get("roads"), list):
        raise ValueError(f"{roads_path}: must be a JSON object with 'nodes' and 'roads' lists")
    warn = Warnings()
    if doc.get("schema") != 1:
        warn.add("schema", f"roads.json: schema {doc.get('schema')!r} is not 1; read as schema 1")
    nodes = [_raw_node(i, row, warn) for i, row in enumerate(doc["nodes"])]
    roads = [_raw_road(i, row, warn) for i, row in enumerate(doc["roads"])]
    places = read_places(flood_dir, warn)
    source = doc.get("source")
    return build_network(
        [n for n in nodes if n is not None],
        [r for r in roads if r is not None],
        places,
        pack,
        source if isinstance(source, str) else str(roads_path),
        warn,
    )


def _raw_node(i: int, row: object, warn: Warnings) -> RawNode | None:
    """``[id, lon, lat, hand_m]``; ``hand_m`` may be null (unknown)."""
    if not isinstance(row, list) or len(row) != 4 or not _is_id(row[0]):
        warn.add("node position", f"roads.json nodes[#{i}]: not [id, lon, lat, hand_m]; dropped")
        return None
    return RawNode(f"roads.json nodes[{row[0]}]", str(row[0]), row[1], row[2], row[3])


def _raw_road(i: int, row: object, warn: Warnings) -> RawRoad | None:
    """``[u, v, class, speed_kmh, length_m, name_en, name_zh]``; the names may be left out."""
    if not isinstance(row, list) or not 5 <= len(row) <= 7 or not all(_is_id(end) for end in row[:2]):
        warn.add("dangling road", f"roads.json roads[#{i}]: not [u, v, class, speed_kmh, length_m, name_en, name_zh]")
        return None
    names = [n if isinstance(n, str) else "" for n in [*row[5:], "", ""][:2]]
    highway = None if row[2] is None else str(row[2])
    return RawRoad(
        f"roads.json roads[#{i} {row[0]}->{row[1]}]", str(row[0]), str(row[1]), highway, row[3], row[4], *names
    )


def _is_id(value: object) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)
