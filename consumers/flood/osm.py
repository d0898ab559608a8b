"""A real city's road network from an OpenStreetMap export, as osmnx's ``save_graphml`` writes it.

The demo pack's network is authored (``simulator.roadnet``); a real city brings its streets from OpenStreetMap:

    import osmnx as ox
    G = ox.graph_from_place("Guiyang, Guizhou, China", network_type="drive")
    ox.save_graphml(G, "guiyang.graphml")

and this module reads that file with ``networkx.read_graphml`` (osmnx is not a dependency: it is only the tool
that makes the file). What osmnx writes, and how it is read here:

- nodes: ``x`` (lon), ``y`` (lat), all attribute values stored as text; an optional ``hand_m`` (this project's,
  not osmnx's: the node's height above the nearest river's bank top, e.g. from a HAND raster) is taken as the
  node's height. ``elevation`` (above sea level, from ``add_node_elevations_raster``) is not a height above the
  river and is not used: nodes without ``hand_m`` have an unknown height, with one summary warning.
- edges: one per direction (osmnx already writes both directions of a two-way street, ``oneway`` and
  ``reversed`` say which is which, so every edge is one ``Road``); ``highway`` a value or a list written as
  text (``"['primary', 'primary_link']"``: the fastest kept class), ``maxspeed`` (``"50"``, ``"30 mph"``,
  ``"50;60"``, a list, or missing: the class's default, with a warning), ``length`` in metres, ``name`` (a value
  or a list: the first), and ``name:en`` / ``name:zh`` when the export kept those tags.

Everything is then checked by the same code as the pack's own files (``consumers.flood.network.build_network``).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import networkx as nx

from consumers.citypack import CityPack
from consumers.flood.network import FLOOD_DIR, RawNode, RawRoad, RoadNetwork, Warnings, build_network, read_places

OSM_SOURCE = "OpenStreetMap (© OpenStreetMap contributors, ODbL 1.0) via osmnx GraphML: {name}"


def load_osm_graphml(path: Path, pack: CityPack, places_root: Path | None = None) -> tuple[RoadNetwork, list[str]]:
    """The network of an osmnx GraphML file, with the stations, shelters and blocks of
    ``places_root / "flood"`` (a city pack's folder) snapped to it when given, else none.

    Raises FileNotFoundError when the file is missing; a file that is not GraphML raises what networkx raises
    (there is no network to warn about). Bad elements are warnings, as for the pack (``load_flood_pack``).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no OpenStreetMap GraphML file at {path}")
    graph = nx.read_graphml(path)
    name = path.name
    nodes = [
        RawNode(f"{name} node {node_id}", str(node_id), data.get("x"), data.get("y"), data.get("hand_m"))
        for node_id, data in graph.nodes(data=True)
    ]
    roads = [_road(name, str(u), str(v), data) for u, v, data in graph.edges(data=True)]
    warn = Warnings()
    places = read_places(Path(places_root) / FLOOD_DIR, warn) if places_root is not None else None
    return build_network(nodes, roads, places, pack, OSM_SOURCE.format(name=name), warn)


def _road(file_name: str, u: str, v: str, data: dict[str, Any]) -> RawRoad:
    highway = _values(data.get("highway"))
    name = _first(data.get("name"))
    return RawRoad(
        where=f"{file_name} edge {u}->{v}",
        u=u,
        v=v,
        highway=highway if highway else None,
        speed=_speed(data.get("maxspeed")),
        length_m=data.get("length"),
        name_en=_first(data.get("name:en")) or name,
        name_zh=_first(data.get("name:zh")) or name,
    )


def _values(value: object) -> list[str]:
    """A tag's values: osmnx writes a list as its Python text (``"['a', 'b']"``); anything else is one value."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return [text]
        if isinstance(parsed, list):
            return [str(v) for v in parsed]
    return [text] if text else []


def _first(value: object) -> str:
    values = _values(value)
    return values[0] if values else ""


def _speed(value: object) -> object:
    """``maxspeed`` as ``parse_speed_kmh`` takes it: a list-string becomes a list, the rest stays as written."""
    values = _values(value)
    if not values:
        return None
    return values if len(values) > 1 else values[0]
