"""The fire layers of the map: each camera's view cone (filled, red while it sees smoke), the lines of sight of
the cameras attached to open incidents, and the incidents themselves, coloured by state."""

from __future__ import annotations

import html
import math
from typing import Any

from consumers.citypack import CityPack, SensorSpec
from dashboard.fire.words import lead, ordered, place
from dashboard.i18n import t
from dashboard.polyline import Polyline, polyline
from dashboard.state_view import StateSnapshot

CONE_QUIET = "rgba(79, 195, 247, 0.10)"
CONE_SEEING = "rgba(255, 59, 48, 0.32)"
CONE_EDGE = {"quiet": "rgba(79, 195, 247, 0.45)", "seeing": "#ff3b30"}
INCIDENT_COLORS = {"suspected": "#ff9f0a", "confirmed": "#ff3b30", "resolved": "#8d99a6"}
INCIDENT_SIZE = {"suspected": 26, "confirmed": 34, "resolved": 20}
ARC_STEPS = 12
SEEING_LEVELS = ("warning", "alarm")
"""A camera at warning or alarm (possible smoke and above, ``docs/risk.md``) draws its cone red."""
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


def cone(spec: SensorSpec) -> list[tuple[float, float]]:
    """The camera's view as a closed polygon of (lon, lat): from the camera out to its range, across its field."""
    p = spec.params
    heading, fov, reach = float(p["heading_deg"]), float(p["fov_deg"]), float(p["range_m"])
    kx = math.cos(math.radians(spec.lat)) * M_PER_DEG_LON_EQUATOR
    points = [(spec.lon, spec.lat)]
    for i in range(ARC_STEPS + 1):
        b = math.radians(heading - fov / 2 + fov * i / ARC_STEPS)
        points.append((spec.lon + reach * math.sin(b) / kx, spec.lat + reach * math.cos(b) / M_PER_DEG_LAT))
    points.append((spec.lon, spec.lat))
    return points


def cone_paths(pack: CityPack, snapshot: StateSnapshot) -> dict[str, Polyline]:
    """The cones of the cameras seeing smoke now, and of the others, each as one polyline of polygons."""
    groups: dict[str, list[list[tuple[float, float]]]] = {"quiet": [], "seeing": []}
    for spec in pack.sensors_of_type("fire.camera"):
        doc = snapshot.sensor(spec.id)
        seeing = doc is not None and not doc.get("stale") and doc.get("level") in SEEING_LEVELS
        groups["seeing" if seeing else "quiet"].append(cone(spec))
    return {name: polyline(polygons) for name, polygons in groups.items()}


def camera_alarm_points(pack: CityPack, snapshot: StateSnapshot) -> tuple[list[float], list[float]]:
    """Where the cameras seeing smoke at their alarm confidence stand: their halos pulse on the map, so that a
    wall read from across the room shows which camera raised it."""
    lat: list[float] = []
    lon: list[float] = []
    for spec in pack.sensors_of_type("fire.camera"):
        doc = snapshot.sensor(spec.id)
        if doc is not None and not doc.get("stale") and doc.get("level") == "alarm":
            lat.append(spec.lat)
            lon.append(spec.lon)
    return lat, lon


def sight_path(snapshot: StateSnapshot) -> Polyline:
    """The lines of sight of the cameras attached to incidents not yet resolved."""
    lines = []
    for incident in snapshot.of_kind("incident").values():
        if incident.get("state") == "resolved":
            continue
        for source in incident.get("sources") or ():
            sight = source.get("sight")
            if sight:
                lines.append([tuple(sight["from"]), tuple(sight["to"])])
    return polyline(lines)


def incident_arrays(pack: CityPack, snapshot: StateSnapshot, lang: str) -> dict[str, list[Any]]:
    """One marker per incident with a position: its colour and size by state, its hover text (the callers'
    words escaped: plotly reads hover text as markup), and ``incident:<id>`` for a click."""
    out: dict[str, list[Any]] = {"lat": [], "lon": [], "color": [], "size": [], "hover": [], "id": []}
    for incident in reversed(ordered(snapshot.of_kind("incident"))):  # the worst drawn last, on top
        if incident.get("lat") is None:
            continue
        state = str(incident.get("state", "suspected"))
        lines = [f"<b>{t(lang, f'fire.state.{state}')}</b> · {html.escape(place(incident, pack, lang))}"]
        lines.append(html.escape(lead(incident, lang)))
        for call in (incident.get("calls") or [])[:2]:
            lines.append(f"{t(lang, 'fire.said')}: “{html.escape(str(call.get('text', ''))[:120])}”")
        out["lat"].append(incident["lat"])
        out["lon"].append(incident["lon"])
        out["color"].append(INCIDENT_COLORS.get(state, INCIDENT_COLORS["suspected"]))
        out["size"].append(INCIDENT_SIZE.get(state, 26))
        out["hover"].append("<br>".join(lines))
        out["id"].append(f"incident:{incident['id']}")
    return out
