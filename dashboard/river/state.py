"""The river's states as the dashboard shows them: which state a gauge's document is in, and its colour.

One vocabulary for the map's gauge markers, the gauge panel and the warning banner, so that drought and flood
never look alike anywhere (``dashboard.figures.site_status`` colours a gauge by its state, not by its level).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RIVER_COLORS: Mapping[str, str] = {
    "normal": "#3d7ea6",
    "low_water_watch": "#e9c46a",
    "drought_warning": "#b5651d",
    "flood_warning": "#ffb000",
    "flood_danger": "#ff3b4e",
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
