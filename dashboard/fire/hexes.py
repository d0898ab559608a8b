"""The fire-risk grid on the map: the cells' outlines once (served as a GeoJSON file the browser caches, so that
3,400 hexagons do not ride in every page's figure), and each cell's score and explanation from the ``hexes:``
records the consumers publish (``consumers.fire.hexgrid``).

A cell with nothing of its own takes its district's weather score and adds no line to its hover (the district's
hover explains the weather); only cells with signals carry their parts. A line in every cell was 150 KB of every
changed refresh, before compression, for each viewer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from consumers.citypack import CityPack
from consumers.fire.hexgrid import HexGrid
from dashboard.fire.risk_words import part_words
from dashboard.state_view import StateSnapshot

MIN_ZOOM = 10.5
"""The grid shows from this zoom on: a 1 km cell is then about 10 pixels across; at the city's zoom it is a
speck, and the districts say more."""
GEOJSON_PATH = "/api/v1/hexes.geojson"


@dataclass(frozen=True, slots=True)
class HexLayer:
    """The cells in drawing order, each with its district, and their outlines."""

    cells: tuple[str, ...]
    districts: tuple[str, ...]
    geojson: Mapping[str, Any]

    @classmethod
    def of(cls, pack: CityPack) -> HexLayer:
        grid = HexGrid(pack)
        outlines = grid.boundaries()
        cells = [(cell, code) for code, cs in grid.cells_of.items() for cell in cs]
        features = [
            {
                "type": "Feature",
                "id": cell,
                "properties": {"district": code},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[round(lon, 5), round(lat, 5)] for lon, lat in outlines[cell]]],
                },
            }
            for cell, code in cells
        ]
        return cls(
            tuple(c for c, _ in cells),
            tuple(code for _, code in cells),
            {"type": "FeatureCollection", "features": features},
        )


def hex_arrays(layer: HexLayer, snapshot: StateSnapshot, lang: str) -> tuple[list[float | None], list[str]]:
    """Each cell's score (None where its district has no fire risk: nothing reports there) and the lines its
    hover adds under the score."""
    records = snapshot.of_kind("hexes")
    z: list[float | None] = []
    text: list[str] = []
    for cell, code in zip(layer.cells, layer.districts, strict=True):
        doc = records.get(code) or {}
        own = (doc.get("cells") or {}).get(cell)
        if own is not None:
            z.append(float(own["score"]))
            text.append("".join("<br>" + part_words(p, lang) for p in own.get("parts") or []))
            continue
        background = doc.get("background")
        z.append(None if not background else float(background["score"]))
        text.append("")
    return z, text
