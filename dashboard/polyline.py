"""Many lines or polygons as one map trace: their points in a row, each shape ended by a gap (None), so that a
city's rivers, lines or camera cones stay one trace however many there are."""

from __future__ import annotations

from collections.abc import Iterable

Polyline = tuple[list[float | None], list[float | None]]
"""(latitudes, longitudes), as plotly's map traces take them."""


def polyline(shapes: Iterable[Iterable[tuple[float, float]]]) -> Polyline:
    """``shapes`` of (longitude, latitude) points, GeoJSON's order."""
    lats: list[float | None] = []
    lons: list[float | None] = []
    for shape in shapes:
        for lon, lat in shape:
            lons.append(lon)
            lats.append(lat)
        lons.append(None)
        lats.append(None)
    return lats, lons
