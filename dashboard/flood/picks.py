"""What the flood page takes from the browser's stores (the picked point, the earlier route): a client can put
anything there, and the page then shows no route rather than failing its refresh."""

from __future__ import annotations

import math
from collections.abc import Mapping


def picked_point(pick: object) -> tuple[float, float] | None:
    """The picked point from the browser's store, which a client could fill with anything: a finite lon and lat,
    or None."""
    if not isinstance(pick, Mapping):
        return None
    try:
        lon, lat = float(pick["lon"]), float(pick["lat"])
    except (KeyError, TypeError, ValueError):
        return None
    return (lon, lat) if math.isfinite(lon) and math.isfinite(lat) else None


def route_roads(value: object, count: int) -> list[int] | None:
    """The earlier route's roads from the browser's memo, when they are road indexes of this network."""
    if not isinstance(value, list) or not all(isinstance(i, int) and 0 <= i < count for i in value):
        return None
    return value
