"""The river's states as the dashboard shows them: which state a gauge's document is in, and its colour.

One vocabulary for the map's gauge markers, the gauge panel and the warning banner, so that drought and flood
never look alike anywhere (``dashboard.figures.site_status`` colours a gauge by its state, not by its level).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RIVER_COLORS: Mapping[str, str] = {
    "normal": "#2ecc71",
    "low_water_watch": "#e9c46a",
    "drought_warning": "#b5651d",
    "flood_warning": "#f39c12",
    "flood_danger": "#ff3b30",
    "fault": "#a569bd",
    "stale": "#7f8c8d",
}


def river_state_of(doc: Mapping[str, Any] | None) -> str | None:
    """The river state of a gauge's document (stale wins: an old state is not a statement about now)."""
    if doc is None or "river" not in doc:
        return None
    if doc.get("stale"):
        return "stale"
    return str(doc["river"].get("state", "normal"))
