"""The fire risk of a district, finer: over the urban districts, a grid of h3 hexagons of about 1 km (resolution 8,
0.74 km² on average), each scored by the district's rule (``consumers.fire.risk``) from the signals inside it and
the district's weather. Pure.

Why h3 and not squares: hexagons have one kind of neighbour, tile the city at one size whatever its latitude, and
every cell has a stable id (``88...``), so that the dashboard and the consumers agree on a cell without sharing a
grid definition. Each cell belongs to the district that holds its centre (h3's own rule for "cells of a polygon"),
so a cell is published by one district's partition only. A sensor, building or incident near a border whose cell
is centred in the next district is counted in the nearest cell of its own district: a signal stays with the
district whose records carry it.

Published (state topic, ``hexes:<district>``, on the district's partition): the score every cell of the district
has from the weather alone (``background``), and the cells that have signals of their own (``cells``), each with
its parts, as the district's. Cells with nothing of their own are not listed, so a district's record stays a few
hundred bytes whatever its area.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import h3

from consumers.citypack import CityPack
from consumers.fire.risk import FireInputs, FireRisk, fire_risk

RESOLUTION = 8
URBAN_KIND = "district"
"""Districts of this ``kind`` in the pack get a grid (Guiyang's six urban districts; its counties are mostly
hills and farmland, where a 1 km grid would say nothing the district does not)."""
NEAREST_RINGS = 3
"""How far (in cells) to look for a cell of its own district, for a point whose cell is centred in the next."""


class HexGrid:
    """The cells of each urban district, and the cell of every sensor and building of the pack in one."""

    def __init__(self, pack: CityPack, resolution: int = RESOLUTION) -> None:
        self.resolution = resolution
        self.cells_of: dict[str, tuple[str, ...]] = {}
        geo = pack.geo
        for code, district in pack.districts.items():
            if district.kind == URBAN_KIND and geo is not None and code in geo.districts:
                self.cells_of[code] = tuple(sorted(h3.geo_to_cells(geo.districts[code], resolution)))
        self._district_of = {cell: code for code, cells in self.cells_of.items() for cell in cells}
        self.sensor_cells: dict[str, tuple[str, ...]] = {}
        """sensor id -> its cells: one for a point, those its path crosses for a power line."""
        for spec in pack.sensors.values():
            if spec.district not in self.cells_of:
                continue
            path = spec.params.get("path") if spec.type == "grid.line" else None
            cells = self._path_cells(spec.district, path) if path else ()
            if not cells:
                one = self.cell_at(spec.district, spec.lat, spec.lon)
                cells = () if one is None else (one,)
            if cells:
                self.sensor_cells[spec.id] = cells
        self.building_cell: dict[str, str] = {}
        for b in pack.buildings.values():
            cell = self.cell_at(b.district, b.lat, b.lon)
            if cell is not None:
                self.building_cell[b.id] = cell

    def cell_at(self, code: str, lat: float, lon: float) -> str | None:
        """The cell of ``code`` a point counts in: its own, or the nearest of the district's (module doc); None
        for a district with no grid, or a point far outside its district."""
        if code not in self.cells_of:
            return None
        cell = h3.latlng_to_cell(lat, lon, self.resolution)
        if self._district_of.get(cell) == code:
            return cell
        for k in range(1, NEAREST_RINGS + 1):
            ring = [c for c in h3.grid_ring(cell, k) if self._district_of.get(c) == code]
            if ring:
                return min(ring, key=lambda c: (h3.great_circle_distance((lat, lon), h3.cell_to_latlng(c)), c))
        return None

    def _path_cells(self, code: str, path: Iterable[Iterable[float]]) -> tuple[str, ...]:
        points = [(float(lat), float(lon)) for lon, lat in path]
        cells: list[str] = []
        for (lat_a, lon_a), (lat_b, lon_b) in itertools.pairwise(points):
            a = h3.latlng_to_cell(lat_a, lon_a, self.resolution)
            b = h3.latlng_to_cell(lat_b, lon_b, self.resolution)
            cells += h3.grid_path_cells(a, b)
        return tuple(dict.fromkeys(c for c in cells if self._district_of.get(c) == code))

    def boundaries(self) -> dict[str, list[tuple[float, float]]]:
        """Each cell's outline, ``(lon, lat)`` closed, for drawing."""
        out = {}
        for cells in self.cells_of.values():
            for cell in cells:
                ring = [(lon, lat) for lat, lon in h3.cell_to_boundary(cell)]
                out[cell] = [*ring, ring[0]]
        return out


def cell_signals(
    grid: HexGrid,
    notable: Iterable[tuple[str, str, float | None]],
    incidents: Iterable[tuple[str, float, float]],
    code: str,
    buildings: Iterable[tuple[str, str]],
) -> dict[str, FireInputs]:
    """What each cell of district ``code`` holds: the counts of ``FireInputs`` (the weather is the district's).

    ``notable``: ``consumers.fire.district.signals``; ``incidents``: (state, lat, lon) of the open ones;
    ``buildings``: (id, readiness state)."""
    counts: dict[str, dict[str, Any]] = {}

    def at(cell: str) -> dict[str, Any]:
        return counts.setdefault(cell, {})

    for state, lat, lon in incidents:
        cell = grid.cell_at(code, lat, lon)
        if cell is not None and state in ("confirmed", "suspected"):
            c = at(cell)
            c[state] = c.get(state, 0) + 1
    for sensor_id, kind, share in notable:
        for cell in grid.sensor_cells.get(sensor_id, ()):
            c = at(cell)
            if kind == "line":
                if share is not None:
                    c["line_share"] = max(share, c.get("line_share", share))
            elif kind in ("cameras", "detectors"):
                c[kind] = c.get(kind, 0) + 1
    for building_id, state in buildings:
        cell = grid.building_cell.get(building_id)
        if cell is not None and state in ("not_ready", "degraded"):
            c = at(cell)
            c[state] = c.get(state, 0) + 1
    return {cell: FireInputs(**c) for cell, c in counts.items()}


def hexes_view(code: str, weather: FireInputs, cells: Mapping[str, FireInputs]) -> dict[str, Any]:
    """The published record of a district's grid (module doc). ``weather``: the district's inputs with its counts
    left at zero, the weather only; ``cells``: each cell's counts (``cell_signals``), its weather left out."""

    def doc(risk: FireRisk) -> dict[str, Any]:
        return {"score": risk.score, "parts": risk.parts}

    return {
        "kind": "hexes",
        "district": code,
        "resolution": RESOLUTION,
        "background": doc(fire_risk(weather)),
        "cells": {
            cell: doc(
                fire_risk(replace(s, air_c=weather.air_c, wind_m_s=weather.wind_m_s, rain_mm_h=weather.rain_mm_h))
            )
            for cell, s in sorted(cells.items())
        },
    }
