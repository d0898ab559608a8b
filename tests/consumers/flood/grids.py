"""Small hand-made street grids for the flood tests: a city whose every street and height the test can see."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from consumers.flood.network import Block, RoadNetwork, Shelter, Station

LAT0, LON0 = 26.58, 106.71
SPACING_M = 200.0
_DLAT = SPACING_M / 110_574.0
_DLON = SPACING_M / (111_320.0 * math.cos(math.radians(LAT0)))


def node_index(cols: int, row: int, col: int) -> int:
    return row * cols + col


def grid(
    rows: int,
    cols: int,
    hand: Callable[[int, int], float] = lambda r, c: 10.0,
    stations: Sequence[tuple[str, str, int, int, dict[str, int]]] = (),
    shelters: Sequence[tuple[str, int, int, int]] = (),
    blocks: Sequence[tuple[str, str, int, int, int]] = (),
) -> RoadNetwork:
    """A ``rows`` × ``cols`` grid of two-way 30 km/h streets ``SPACING_M`` apart, row 0 in the south; ``hand(r, c)``
    is the height of each node above the bank. Places sit on their nodes: stations ``(id, kind, r, c, vehicles)``,
    shelters ``(id, r, c, capacity)``, blocks ``(id, kind, r, c, population)``."""
    from consumers.flood.network import Road

    ids, lon, lat, heights = [], [], [], []
    for r in range(rows):
        for c in range(cols):
            ids.append(f"n{r}-{c}")
            lon.append(LON0 + c * _DLON)
            lat.append(LAT0 + r * _DLAT)
            heights.append(hand(r, c))
    roads: list[Road] = []
    for r in range(rows):
        for c in range(cols):
            here = node_index(cols, r, c)
            for dr, dc in ((0, 1), (1, 0)):
                if r + dr < rows and c + dc < cols:
                    there = node_index(cols, r + dr, c + dc)
                    name = f"Row {r} Street" if dr == 0 else f"Column {c} Road"
                    roads.append(Road(here, there, "residential", 30.0, SPACING_M, name, name))
                    roads.append(Road(there, here, "residential", 30.0, SPACING_M, name, name))
    return RoadNetwork(
        node_ids=tuple(ids),
        lon=tuple(lon),
        lat=tuple(lat),
        hand_m=tuple(heights),
        roads=tuple(roads),
        stations=tuple(
            Station(
                i,
                i,
                i,
                kind,
                "520102",
                lon[node_index(cols, r, c)],
                lat[node_index(cols, r, c)],
                v,
                node_index(cols, r, c),
            )
            for i, kind, r, c, v in stations
        ),
        shelters=tuple(
            Shelter(
                i, i, i, "520102", lon[node_index(cols, r, c)], lat[node_index(cols, r, c)], cap, node_index(cols, r, c)
            )
            for i, r, c, cap in shelters
        ),
        blocks=tuple(
            Block(
                i,
                i,
                i,
                kind,
                "520102",
                lon[node_index(cols, r, c)],
                lat[node_index(cols, r, c)],
                pop,
                node_index(cols, r, c),
                hand(r, c),
            )
            for i, kind, r, c, pop in blocks
        ),
        source="a test grid",
    )
