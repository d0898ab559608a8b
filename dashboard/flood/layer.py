"""The flood map: streets by water (wet, closing within hours, closed), the rescue missions' routes, a route a person
picked, the blocks to evacuate, shelters and stations. A figure once per page load, then patches of the live
traces, addressed by the fixed indexes below.

0 district underlay, 1 rivers, 2 wet streets, 3 streets closing within the outlook, 4 closed streets, 5 missions'
routes, 6 the picked route's alternative, 7 the picked route, 8 blocks to evacuate, 9 shelters, 10 stations,
11 the picked point (and, with no safe route, the nearest reachable point), 12 a picked block's way to its shelter,
13 the closed street that blocks the way when no route is safe.

Colours for a dark room and for colour-blind readers: water in blues (wet light, closed deep), closure in the
strong orange–magenta pair that deuteranopes tell apart from blue, routes in white and yellow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from consumers.citypack import CityPack
from dashboard.figures import OFFLINE_STYLE, district_underlay
from dashboard.flood.reader import FloodNetwork
from dashboard.flood.words import block_hover, shelter_hover, station_hover
from dashboard.polyline import Polyline, polyline

TRACE_WET = 2
TRACE_CLOSING = 3
TRACE_CLOSED = 4
TRACE_MISSIONS = 5
TRACE_ALTERNATIVE = 6
TRACE_PICKED = 7
TRACE_BLOCKS = 8
TRACE_SHELTERS = 9
TRACE_STATIONS = 10
TRACE_PICK = 11
TRACE_SHELTER_ROUTE = 12
TRACE_BLOCKING = 13
WET_COLOR = "#6cc5ff"
CLOSING_COLOR = "#ff9f1c"
CLOSED_COLOR = "#ff2d95"
MISSION_COLOR = "#ffe14d"
PICKED_COLOR = "#ffffff"
ALTERNATIVE_COLOR = "#9fb3c8"
ZONE_COLORS: Mapping[str, str] = {"flooded": "#ff2d95", "soon": "#ff9f1c"}
SHELTER_COLOR = "#3ddc84"
STATION_COLOR = "#e8eef3"
FLOOD_ZOOM = 11.8
FOCUS_HAND_M = 2.0


def _streets(flood: FloodNetwork, indexes: Sequence[int]) -> Polyline:
    """Roads as one polyline, each street drawn once (its two directions are one line on a map)."""
    return polyline(flood.street_segments(indexes))


def _paths(paths: Sequence[Sequence[Sequence[float]]]) -> Polyline:
    return polyline(((p[0], p[1]) for p in path) for path in paths)


def flood_values(
    flood: FloodNetwork,
    picture: Mapping[str, Any] | None,
    pick: Mapping[str, Any] | None,
    lang: str,
    tz: str,
    evacuee: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The live parts of the figure for one picture and one viewer's picked route (``pick``, a ``route_to``
    answer, or None) and picked block (``evacuee``, an ``evacuation_route`` answer, or None)."""
    picture = picture or {}
    network = flood.network
    wet = picture.get("wet") or {}
    closed_i = set((picture.get("closed") or {}).get("i") or [])
    closing_i = (picture.get("closing") or {}).get("i") or []
    wet_i = [i for i in wet.get("i") or [] if i not in closed_i]
    missions = [flood.path(m["route"]["nodes"]) for m in picture.get("missions") or [] if m.get("route") is not None]
    blocks = flood.listed_blocks(picture)
    used = picture.get("shelters") or {}
    opened = set(picture.get("shelters_open") or [])
    route = (pick or {}).get("route")
    alternative = (pick or {}).get("alternative")
    pick_lat: list[float] = []
    pick_lon: list[float] = []
    if pick:
        pick_lat.append(pick["target"]["lat"])
        pick_lon.append(pick["target"]["lon"])
        blocked = pick.get("blocked")
        if blocked:
            pick_lat.append(blocked["closest"]["lat"])
            pick_lon.append(blocked["closest"]["lon"])
    return {
        "wet": _streets(flood, wet_i),
        "closing": _streets(flood, [i for i in closing_i if i not in closed_i]),
        "closed": _streets(flood, sorted(closed_i)),
        "missions": _paths(missions),
        "alternative": _paths([alternative["path"]] if alternative else []),
        "picked": _paths([route["path"]] if route else []),
        "blocks": {
            "lat": [b.lat for b, _, _ in blocks],
            "lon": [b.lon for b, _, _ in blocks],
            "color": [ZONE_COLORS.get(str(row[1]), CLOSING_COLOR) for _, row, _ in blocks],
            "size": [float(np.clip(6 + np.sqrt(people) / 3, 7, 30)) for _, _, people in blocks],
            "hover": [block_hover(b, row, people, flood, lang) for b, row, people in blocks],
        },
        "shelters": {
            "color": [SHELTER_COLOR if s.id in opened else "#55606b" for s in network.shelters],
            "hover": [shelter_hover(s, int(used.get(s.id, 0)), s.id in opened, lang) for s in network.shelters],
        },
        "pick": (pick_lat, pick_lon),
        "shelter_route": _paths([evacuee["path"]] if evacuee and evacuee.get("path") else []),
        "blocking": _paths(
            [blocked["road_path"]] if (blocked := (pick or {}).get("blocked")) and blocked.get("road_path") else []
        ),
    }


def flood_focus(flood: FloodNetwork) -> tuple[float, float] | None:
    """Where the map opens: the middle of the city's low ground (within ``FOCUS_HAND_M`` of its rivers' banks), where
    a flood will be; the middle of the network when it gives no heights."""
    network = flood.network
    if not network.lon:
        return None
    hand = np.array([np.inf if h is None else h for h in network.hand_m])
    low = hand < FOCUS_HAND_M
    pick = low if low.any() else np.ones(len(hand), dtype=bool)
    return float(np.mean(np.asarray(network.lon)[pick])), float(np.mean(np.asarray(network.lat)[pick]))


def flood_figure(
    pack: CityPack, flood: FloodNetwork, picture: Mapping[str, Any] | None, pick: Mapping[str, Any] | None, lang: str
) -> go.Figure:
    values = flood_values(flood, picture, pick, lang, pack.timezone, None)
    network = flood.network
    river_lat, river_lon = polyline(r.coords for r in pack.rivers.values())

    def lines(key: str, color: str, width: float, name: str) -> go.Scattermap:
        lat, lon = values[key]
        return go.Scattermap(
            lat=lat, lon=lon, mode="lines", line={"color": color, "width": width}, hoverinfo="skip", name=name
        )

    blocks = values["blocks"]
    fig = go.Figure(
        [
            district_underlay(pack),
            go.Scattermap(
                lat=river_lat, lon=river_lon, mode="lines", line={"color": "#2f7fb8", "width": 6}, hoverinfo="skip"
            ),
            lines("wet", WET_COLOR, 3, "wet streets"),
            lines("closing", CLOSING_COLOR, 4, "closing streets"),
            lines("closed", CLOSED_COLOR, 5, "closed streets"),
            lines("missions", MISSION_COLOR, 4, "missions"),
            lines("alternative", ALTERNATIVE_COLOR, 4, "alternative route"),
            lines("picked", PICKED_COLOR, 7, "picked route"),
            go.Scattermap(
                lat=blocks["lat"],
                lon=blocks["lon"],
                mode="markers",
                marker={"color": blocks["color"], "size": blocks["size"], "opacity": 0.9},
                hovertext=blocks["hover"],
                hoverinfo="text",
                name="evacuation",
            ),
            go.Scattermap(
                lat=[s.lat for s in network.shelters],
                lon=[s.lon for s in network.shelters],
                mode="markers",
                marker={"color": values["shelters"]["color"], "size": 16, "opacity": 0.95},
                hovertext=values["shelters"]["hover"],
                hoverinfo="text",
                name="shelters",
            ),
            go.Scattermap(
                lat=[s.lat for s in network.stations],
                lon=[s.lon for s in network.stations],
                mode="markers",
                marker={"color": STATION_COLOR, "size": 11, "opacity": 0.9},
                hovertext=[station_hover(s, lang) for s in network.stations],
                hoverinfo="text",
                name="stations",
            ),
            go.Scattermap(
                lat=values["pick"][0],
                lon=values["pick"][1],
                mode="markers",
                marker={"color": [PICKED_COLOR, CLOSED_COLOR][: len(values["pick"][0])], "size": 18},
                hoverinfo="skip",
                name="picked point",
            ),
            lines("shelter_route", SHELTER_COLOR, 5, "way to the shelter"),
            lines("blocking", CLOSED_COLOR, 10, "blocking street"),
        ]
    )
    lon0, lat0 = flood_focus(flood) or (pack.center_lon, pack.center_lat)
    fig.update_layout(
        map={"style": dict(OFFLINE_STYLE), "center": {"lat": lat0, "lon": lon0}, "zoom": FLOOD_ZOOM},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="#0e1a24",
        showlegend=False,
        uirevision="flood",
        hoverlabel={"font": {"size": 16}},
        clickmode="event",
    )
    return fig


def flood_patch(fig_patch: Any, values: Mapping[str, Any]) -> Any:
    """Write ``flood_values`` into a ``dash.Patch`` of the figure."""
    for trace, key in (
        (TRACE_SHELTER_ROUTE, "shelter_route"),
        (TRACE_BLOCKING, "blocking"),
        (TRACE_WET, "wet"),
        (TRACE_CLOSING, "closing"),
        (TRACE_CLOSED, "closed"),
        (TRACE_MISSIONS, "missions"),
        (TRACE_ALTERNATIVE, "alternative"),
        (TRACE_PICKED, "picked"),
    ):
        fig_patch["data"][trace]["lat"], fig_patch["data"][trace]["lon"] = values[key]
    blocks = values["blocks"]
    fig_patch["data"][TRACE_BLOCKS]["lat"] = blocks["lat"]
    fig_patch["data"][TRACE_BLOCKS]["lon"] = blocks["lon"]
    fig_patch["data"][TRACE_BLOCKS]["marker"]["color"] = blocks["color"]
    fig_patch["data"][TRACE_BLOCKS]["marker"]["size"] = blocks["size"]
    fig_patch["data"][TRACE_BLOCKS]["hovertext"] = blocks["hover"]
    fig_patch["data"][TRACE_SHELTERS]["marker"]["color"] = values["shelters"]["color"]
    fig_patch["data"][TRACE_SHELTERS]["hovertext"] = values["shelters"]["hover"]
    fig_patch["data"][TRACE_PICK]["lat"], fig_patch["data"][TRACE_PICK]["lon"] = values["pick"]
    fig_patch["data"][TRACE_PICK]["marker"]["color"] = [PICKED_COLOR, CLOSED_COLOR][: len(values["pick"][0])]
    return fig_patch
