"""Pure builders for the live map: the full figure once per page load, then small patches.

Trace order is fixed so that a patch can address traces by index:
0 grey district underlay (districts with no data stay visible), 1 silent districts, 2 district risk, 3 district
fire risk (a layer off by default), 4 the fire-risk hex grid (off by default, and shown only when zoomed in),
5 rivers, 6-7 cameras' view cones (quiet, seeing smoke), 8-13 power lines, one trace per level (``LINE_LEVELS``: a
trace has one colour, and a trace per level stays six traces however many lines a city has), 14-17 sites coloured
by status, a trace per kind (``SITE_KINDS``: gauges, cameras, buildings, line segments' midpoints), 18 the lines of
sight of cameras on open incidents, 19 fire incidents, 20 the halos of cameras in alarm (still; the beating ring
over each is drawn by ``assets/map_pulse.js``), so that each layer (``LAYERS``) can be switched on and off.

No tiles and no text layers: the MapLibre style is an inline background-only style, so the map renders
with no network at all (text labels would make MapLibre fetch glyphs from the web).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from dash import Patch

from consumers.citypack import Building, CityPack, District, SensorSpec
from dashboard.fire.hexes import GEOJSON_PATH, HexLayer, hex_arrays
from dashboard.fire.layers import (
    CONE_EDGE,
    CONE_QUIET,
    CONE_SEEING,
    camera_alarm_points,
    cone_paths,
    incident_arrays,
    sight_path,
)
from dashboard.fire.readiness import READINESS_COLORS, READINESS_SIZE, building_sentence, district_line, state_of
from dashboard.fire.risk_words import explanation
from dashboard.grid.words import line_reason
from dashboard.i18n import names_in_order, t
from dashboard.palette import LEVEL_COLORS, RISK_COLORSCALE
from dashboard.polyline import polyline
from dashboard.reasons import reason_text
from dashboard.river.state import RIVER_COLORS, river_state_of
from dashboard.river.words import localized_reason
from dashboard.state_view import StateSnapshot

LEVEL_RANK = {"no_data": -2, "stale": -1, "ok": 0, "watch": 1, "warning": 2, "alarm": 3}
SITE_SIZE = {"ok": 11, "watch": 14, "warning": 18, "alarm": 24, "stale": 11, "no_data": 9}
OFFLINE_STYLE: Mapping[str, Any] = {
    "version": 8,
    # MapLibre refuses symbol layers (plotly adds one per scatter trace) in a style without a glyphs URL, and
    # plotly then rejects every later update with "Map error.". No layer here draws text, so this local URL
    # is never fetched; it only satisfies the style validator.
    "glyphs": "/assets/glyphs/{fontstack}/{range}.pbf",
    # An empty "sources" object is dropped when the figure is serialised, and MapLibre then rejects the style
    # on the first update ("missing required property sources"); an empty GeoJSON source keeps it present.
    "sources": {"none": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
    "layers": [{"id": "background", "type": "background", "paint": {"background-color": "#0e1a24"}}],
}
LEVEL_TICKS = ((0, "ok"), (25, "watch"), (50, "warning"), (80, "alarm"))
TRACE_SILENT = 1
TRACE_RISK = 2
LINE_LEVELS = ("no_data", "stale", "ok", "watch", "warning", "alarm")
"""Drawn in this order, so the worst lines lie on top."""
LINE_WIDTH = {"no_data": 2, "stale": 2, "ok": 3, "watch": 4, "warning": 6, "alarm": 8}
TRACE_FIRE_RISK = 3
TRACE_HEXES = 4
TRACE_RIVERS = 5
TRACE_CONES = 6
CONE_GROUPS = ("quiet", "seeing")
TRACE_LINES = TRACE_CONES + len(CONE_GROUPS)
TRACE_SITES = TRACE_LINES + len(LINE_LEVELS)
SITE_KINDS = ("gauge", "camera", "building", "line")
"""The sites' traces, from ``TRACE_SITES`` on, in this order."""
TRACE_SIGHTS = TRACE_SITES + len(SITE_KINDS)
TRACE_INCIDENTS = TRACE_SIGHTS + 1
TRACE_CAMERA_ALARMS = TRACE_INCIDENTS + 1
CAMERA_ALARM_NAME = "camera alarms"
"""The halos' trace is found by this name in the browser, which places a beating ring on each of its points
(``assets/map_pulse.js``)."""
LAYERS: Mapping[str, tuple[int, ...]] = {
    "districts": (1, 2),
    "fire_risk": (TRACE_FIRE_RISK,),
    "hexes": (TRACE_HEXES,),
    "river": (TRACE_RIVERS, TRACE_SITES + SITE_KINDS.index("gauge")),
    "lines": (*range(TRACE_LINES, TRACE_SITES), TRACE_SITES + SITE_KINDS.index("line")),
    "cameras": (TRACE_CONES, TRACE_CONES + 1, TRACE_SITES + SITE_KINDS.index("camera"), TRACE_CAMERA_ALARMS),
    "buildings": (TRACE_SITES + SITE_KINDS.index("building"),),
    "incidents": (TRACE_SIGHTS, TRACE_INCIDENTS),
}
"""What each layer a viewer can switch shows: trace indices. The grey district underlay stays, so the city keeps
its outline with every layer off."""
DEFAULT_LAYERS = tuple(name for name in LAYERS if name not in ("fire_risk", "hexes"))
"""Shown until a viewer chooses: the fire-risk colourings lie over the districts' overall risk, so they are asked
for."""
ZOOMED_LAYERS = frozenset({"hexes"})
"""Layers shown only when zoomed in (``dashboard.fire.hexes.MIN_ZOOM``), when chosen."""
SILENT_COLOR = "#8d99a6"
"""A district whose sensors have all gone silent: grey, drawn under the risk layer (which has no value there)."""


@dataclass(frozen=True, slots=True)
class Site:
    """A point on the map: one gauge, camera, line segment, or a building with all its devices."""

    id: str
    label: str
    lat: float
    lon: float
    sensor_ids: tuple[str, ...]
    kind: str
    """One of ``SITE_KINDS``."""
    gauge: SensorSpec | None = None
    """The gauge, for a gauge's site: its hover text is composed in the page language from the river state."""
    building: Building | None = None
    """The building, for a building's site: it is coloured by its readiness."""


SITE_KIND_OF_TYPE = {"river.gauge": "gauge", "fire.camera": "camera", "grid.line": "line"}


def sites(pack: CityPack) -> list[Site]:
    """Every site, grouped by kind in ``SITE_KINDS`` order (each kind is one trace)."""
    out = []
    for spec in sorted(pack.sensors.values(), key=lambda s: s.id):
        if spec.building_id is None:
            kind = SITE_KIND_OF_TYPE[spec.type]
            gauge = spec if kind == "gauge" else None
            out.append(Site(spec.id, f"{spec.name_en} {spec.name_zh}", spec.lat, spec.lon, (spec.id,), kind, gauge))
    for building in pack.buildings.values():
        out.append(
            Site(
                building.id,
                f"{building.name_en} {building.name_zh}",
                building.lat,
                building.lon,
                tuple(building.device_ids),
                "building",
                building=building,
            )
        )
    return sorted(out, key=lambda site: SITE_KINDS.index(site.kind))


def sites_by_kind(pack: CityPack) -> dict[str, list[Site]]:
    grouped: dict[str, list[Site]] = {kind: [] for kind in SITE_KINDS}
    for site in sites(pack):
        grouped[site.kind].append(site)
    return grouped


def district_name(district: District, lang: str) -> str:
    return " ".join(names_in_order(district.name_en, district.name_zh, lang))


def sensor_level(doc: Mapping[str, Any] | None) -> str:
    if doc is None:
        return "no_data"
    if doc.get("stale"):
        return "stale"
    return str(doc.get("level", "no_data"))


def site_status(
    site: Site, snapshot: StateSnapshot, lang: str = "en", now: float | None = None, tz: str = "UTC"
) -> tuple[str, str, str, int]:
    """Worst level over the site's sensors, its colour, a hover text that names what is wrong, and its size.

    A gauge is coloured by its river state (drought and flood must not look alike on the wall), a building by
    its readiness (``consumers.fire.readiness``: a fire in it is an incident, drawn on its own layer); every
    other site by its worst sensor's level.
    """
    docs = [(sid, snapshot.sensor(sid)) for sid in site.sensor_ids]
    worst = max((sensor_level(d) for _, d in docs), key=LEVEL_RANK.__getitem__)
    color, size = LEVEL_COLORS[worst], SITE_SIZE[worst]
    lines = [f"<b>{site.label}</b>"]
    if site.building is not None:
        doc = snapshot.entities.get(f"building:{site.id}")
        state = state_of(doc)
        color, size = READINESS_COLORS[state], READINESS_SIZE[state]
        lines.append(building_sentence(site.building, doc, lang, tz, now))
    river_state = river_state_of(docs[0][1]) if len(docs) == 1 else None
    if river_state is not None:
        color = RIVER_COLORS[river_state]
        lines.append(t(lang, f"river.{river_state}").upper())
    if site.gauge is not None and river_state is not None and lang != "en":
        doc = docs[0][1] or {}
        lines.append(localized_reason(site.gauge, doc, river_state, lang))
        return worst, color, "<br>".join(lines), size
    problems = [(sid, d) for sid, d in docs if sensor_level(d) not in ("ok",)]
    if not problems:
        lines.append(t(lang, "all_ok", n=len(docs)) if len(docs) > 1 else _describe(docs[0][1], lang))
    for sid, d in sorted(problems, key=lambda p: -LEVEL_RANK[sensor_level(p[1])])[:6]:
        lines.append(f"{sid}: {level_label(sensor_level(d), lang)} · {_describe(d, lang)}")
    return worst, color, "<br>".join(lines), size


def level_label(level: str, lang: str) -> str:
    return t(lang, "level.stale") if level in ("stale", "no_data") else t(lang, f"level.{level}").upper()


def _describe(doc: Mapping[str, Any] | None, lang: str) -> str:
    if doc is None:
        return t(lang, "no_data_yet")
    reason = line_reason(doc, lang) if doc.get("grid") else reason_text(str(doc.get("reason", "")), lang)
    if doc.get("stale"):
        return f"{reason} ({t(lang, 'last_report')} {str(doc.get('event_time', '?'))[11:19]})"
    return reason


def silence(doc: Mapping[str, Any] | None, now: float | None, lang: str, tz: str) -> str | None:
    """For a district that had data and now has no fresh sensor: how long it has been silent, and since when."""
    if doc is None or doc.get("risk") is not None or not doc.get("event_time") or now is None:
        return None
    last = datetime.fromisoformat(str(doc["event_time"]))
    minutes = max(0, round((now - last.timestamp()) / 60))
    return t(lang, "silent_for", m=minutes, at=last.astimezone(ZoneInfo(tz)).strftime("%H:%M"))


def fire_risk_arrays(pack: CityPack, snapshot: StateSnapshot, lang: str = "en") -> tuple[list[float | None], list[str]]:
    """Each district's fire risk and its explanation (what pushes it up and by how much)."""
    z: list[float | None] = []
    hover: list[str] = []
    for code, district in pack.districts.items():
        doc = snapshot.district(code)
        fire = (doc or {}).get("fire_risk")
        z.append(None if not fire else float(fire["score"]))
        hover.append(
            "<br>".join([f"<b>{district_name(district, lang)}</b>", *(explanation(doc, lang) or [t(lang, "no_data")])])
        )
    return z, hover


def district_arrays(
    pack: CityPack, snapshot: StateSnapshot, lang: str = "en", now: float | None = None
) -> tuple[list[float | None], list[str], list[float | None]]:
    """Risk values and hover texts per district, and the silent layer's values (1 where all sensors went silent).

    ``now`` is event-time now (the consumers' clock), from which a silent district's age is counted."""
    z: list[float | None] = []
    hover: list[str] = []
    silent: list[float | None] = []
    for code, district in pack.districts.items():
        doc = snapshot.district(code)
        title = f"<b>{district_name(district, lang)}</b>"
        quiet = silence(doc, now, lang, pack.timezone)
        silent.append(1.0 if quiet else None)
        if doc is None or doc.get("risk") is None:
            z.append(None)
            hover.append(f"{title}<br>{quiet or t(lang, 'no_data')}")
            continue
        counts = doc.get("counts", {})
        z.append(float(doc["risk"]))
        text = [title, f"{t(lang, 'risk')} {doc['risk']:.0f} · {level_label(str(doc.get('level', 'no_data')), lang)}"]
        text += [reason_text(str(r), lang) for r in doc.get("reasons", [])[:3]]
        stale = counts.get("stale", 0) + counts.get("no_data", 0)
        text.append(t(lang, "reporting", n=doc.get("fresh", 0)) + (t(lang, "silent_count", n=stale) if stale else ""))
        readiness = district_line(doc, lang)
        if readiness:
            text.append(readiness)
        text += explanation(doc, lang, limit=3)
        hover.append("<br>".join(text))
    return z, hover, silent


class SiteMemo:
    """A web worker's memory of each site's status, so that a new state version formats only the sites whose
    documents changed.

    Why: the state's version moves several times a second, each version is rendered once per worker and language,
    and formatting every site's hover text (2,446 sensors in 306 buildings and 300-odd other sites) was most of that
    render: under 50 browsers a worker spent 60 % of its time there, holding the GIL while answers waited
    (``bench.map_render``). The state view keeps an unchanged document as the same object from one version to the
    next, so a site's status is reused while every one of its documents ``is`` the one it was made from, in the
    same language and the same minute (a building's sentence counts its faults' age in minutes). One entry per
    site and language: bounded by the pack. Threads of a worker share it; a race only formats a site twice."""

    def __init__(self) -> None:
        self._status: dict[tuple[str, str], tuple[tuple[object, ...], object, tuple[str, str, str, int]]] = {}
        self._sites: tuple[CityPack, dict[str, list[Site]]] | None = None

    def sites_by_kind(self, pack: CityPack) -> dict[str, list[Site]]:
        """``sites_by_kind(pack)``, worked out once per pack (the pack never changes in a running worker)."""
        known = self._sites
        if known is None or known[0] is not pack:
            known = self._sites = (pack, sites_by_kind(pack))
        return known[1]

    def site_status(
        self, site: Site, snapshot: StateSnapshot, lang: str, now: float | None, tz: str
    ) -> tuple[str, str, str, int]:
        entities = snapshot.entities
        docs: tuple[object, ...] = tuple(entities.get(f"sensor:{sid}") for sid in site.sensor_ids)
        when: object = None
        if site.building is not None:
            docs += (entities.get(f"building:{site.id}"),)
            when = (None if now is None else int(now // 60), tz)
        key = (site.id, lang)
        known = self._status.get(key)
        if known is not None and known[1] == when and all(a is b for a, b in zip(known[0], docs, strict=True)):
            return known[2]
        status = site_status(site, snapshot, lang, now, tz)
        self._status[key] = (docs, when, status)
        return status


def site_arrays(
    site_list: Iterable[Site],
    snapshot: StateSnapshot,
    lang: str = "en",
    now: float | None = None,
    tz: str = "UTC",
    memo: SiteMemo | None = None,
) -> tuple[list[str], list[int], list[str]]:
    colors, sizes, hover = [], [], []
    for site in site_list:
        _, color, text, size = (
            site_status(site, snapshot, lang, now, tz)
            if memo is None
            else memo.site_status(site, snapshot, lang, now, tz)
        )
        colors.append(color)
        sizes.append(size)
        hover.append(text)
    return colors, sizes, hover


def line_paths(pack: CityPack, snapshot: StateSnapshot) -> dict[str, tuple[list[float | None], list[float | None]]]:
    """Each level's lines as one polyline (latitudes, longitudes): a line is coloured by its sensor's level, which
    for a rated line is its load against the rating for the weather now (``consumers/grid``)."""
    paths: dict[str, list[Iterable[tuple[float, float]]]] = {level: [] for level in LINE_LEVELS}
    for spec in pack.sensors_of_type("grid.line"):
        paths[sensor_level(snapshot.sensor(spec.id))].append(spec.params["path"])
    return {level: polyline(p) for level, p in paths.items()}


def district_underlay(pack: CityPack) -> go.Choroplethmap:
    """Every district in one quiet grey with its outline: the city keeps its shape under any layer, or none."""
    codes = list(pack.districts)
    return go.Choroplethmap(
        geojson=dict(pack.districts_geojson),
        locations=codes,
        z=[0] * len(codes),
        colorscale=[[0, "#26323d"], [1, "#26323d"]],
        showscale=False,
        hoverinfo="skip",
        marker={"line": {"color": "#8aa0b4", "width": 1.5}},
        name="districts",
    )


def map_figure(
    pack: CityPack, hexes: HexLayer, snapshot: StateSnapshot, lang: str = "en", now: float | None = None
) -> go.Figure:
    codes = list(pack.districts)
    hex_z, hex_text = hex_arrays(hexes, snapshot, lang)
    alarm_lat, alarm_lon = camera_alarm_points(pack, snapshot)
    z, district_hover, silent = district_arrays(pack, snapshot, lang, now)
    by_kind = sites_by_kind(pack)
    river_lat, river_lon = polyline(r.coords for r in pack.rivers.values())
    lines = line_paths(pack, snapshot)
    cones = cone_paths(pack, snapshot)
    sight_lat, sight_lon = sight_path(snapshot)
    incidents = incident_arrays(pack, snapshot, lang)
    fire_z, fire_hover = fire_risk_arrays(pack, snapshot, lang)
    fig = go.Figure(
        [
            district_underlay(pack),
            go.Choroplethmap(
                geojson=dict(pack.districts_geojson),
                locations=codes,
                z=silent,
                zmin=0,
                zmax=1,
                colorscale=[[0, SILENT_COLOR], [1, SILENT_COLOR]],
                showscale=False,
                hoverinfo="skip",
                marker={"opacity": 0.85, "line": {"color": "#dfe8f0", "width": 1.5}},
                name="silent",
            ),
            go.Choroplethmap(
                geojson=dict(pack.districts_geojson),
                locations=codes,
                z=z,
                zmin=0,
                zmax=100,
                colorscale=RISK_COLORSCALE,
                marker={"opacity": 0.72, "line": {"color": "#dfe8f0", "width": 1.5}},
                hovertext=district_hover,
                hoverinfo="text",
                name="risk",
                colorbar={
                    "title": {"text": t(lang, "district_risk"), "font": {"size": 18, "color": "#e8eef3"}},
                    "tickvals": [0, 25, 50, 80, 100],
                    "ticktext": [f"{v} {t(lang, f'level.{k}')}" for v, k in LEVEL_TICKS] + ["100"],
                    "tickfont": {"size": 15, "color": "#e8eef3"},
                    "thickness": 18,
                    "len": 0.6,
                    "x": 0.99,
                    "xanchor": "right",
                },
            ),
            go.Choroplethmap(
                geojson=dict(pack.districts_geojson),
                locations=codes,
                z=fire_z,
                zmin=0,
                zmax=100,
                colorscale=RISK_COLORSCALE,
                showscale=False,  # the district risk's colour bar reads for both: one scale, one meaning
                marker={"opacity": 0.8, "line": {"color": "#ffb27a", "width": 2}},
                hovertext=fire_hover,
                hoverinfo="text",
                name="fire risk",
                visible=False,
            ),
            go.Choroplethmap(
                geojson=GEOJSON_PATH,  # fetched once from this server and kept by the browser (module doc)
                locations=list(hexes.cells),
                z=hex_z,
                zmin=0,
                zmax=100,
                colorscale=RISK_COLORSCALE,
                showscale=False,
                marker={"opacity": 0.9, "line": {"color": "#0e1a24", "width": 0.5}},  # over the districts: read alone
                text=hex_text,
                customdata=[district_name(pack.districts[code], lang) for code in hexes.districts],
                hovertemplate=(
                    f"<b>%{{customdata}}</b> · {t(lang, 'hex.cell')}<br>{t(lang, 'risk.fire', score='%{z:.0f}')}"
                    "%{text}<extra></extra>"
                ),
                name="fire risk grid",
                visible=False,
            ),
            go.Scattermap(
                lat=river_lat,
                lon=river_lon,
                mode="lines",
                line={"color": "#4fc3f7", "width": 4},
                hoverinfo="skip",
                name="rivers",
            ),
            *[
                go.Scattermap(
                    lat=cones[group][0],
                    lon=cones[group][1],
                    mode="lines",
                    fill="toself",
                    fillcolor=CONE_QUIET if group == "quiet" else CONE_SEEING,
                    line={"color": CONE_EDGE[group], "width": 1 if group == "quiet" else 2},
                    hoverinfo="skip",
                    name=f"camera cones {group}",
                )
                for group in CONE_GROUPS
            ],
            *[
                go.Scattermap(
                    lat=lines[level][0],
                    lon=lines[level][1],
                    mode="lines",
                    line={"color": LEVEL_COLORS[level], "width": LINE_WIDTH[level]},
                    hoverinfo="skip",
                    name=f"power lines {level}",
                )
                for level in LINE_LEVELS
            ],
            *[site_trace(kind, by_kind[kind], snapshot, lang, now, pack.timezone) for kind in SITE_KINDS],
            go.Scattermap(
                lat=sight_lat,
                lon=sight_lon,
                mode="lines",
                line={"color": "#ff3b30", "width": 2},
                hoverinfo="skip",
                name="lines of sight",
            ),
            go.Scattermap(
                lat=incidents["lat"],
                lon=incidents["lon"],
                mode="markers",
                marker={"color": incidents["color"], "size": incidents["size"], "opacity": 0.95},
                hovertext=incidents["hover"],
                hoverinfo="text",
                customdata=incidents["id"],
                name="incidents",
            ),
            go.Scattermap(
                lat=alarm_lat,
                lon=alarm_lon,
                mode="markers",
                marker={"color": "#ff3b30", "size": 34, "opacity": 0.6},
                hoverinfo="skip",
                name=CAMERA_ALARM_NAME,
            ),
        ]
    )
    fig.update_layout(
        map={
            "style": dict(OFFLINE_STYLE),
            "center": {"lat": pack.center_lat, "lon": pack.center_lon},
            "zoom": pack.zoom,
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="#0e1a24",
        showlegend=False,
        uirevision="map",
        hoverlabel={"font": {"size": 16}},
    )
    return fig


def site_trace(
    kind: str, site_list: list[Site], snapshot: StateSnapshot, lang: str, now: float | None, tz: str
) -> go.Scattermap:
    colors, sizes, hover = site_arrays(site_list, snapshot, lang, now, tz)
    return go.Scattermap(
        lat=[s.lat for s in site_list],
        lon=[s.lon for s in site_list],
        mode="markers",
        marker={"color": colors, "size": sizes, "opacity": 0.95},
        hovertext=hover,
        hoverinfo="text",
        customdata=[s.id for s in site_list],
        name=f"sites {kind}",
    )


def map_patch_values(
    pack: CityPack,
    hexes: HexLayer,
    snapshot: StateSnapshot,
    lang: str = "en",
    now: float | None = None,
    memo: SiteMemo | None = None,
) -> dict[str, Any]:
    """The live parts of the figure: what a patch replaces every refresh (``memo``: the worker's ``SiteMemo``)."""
    z, district_hover, silent = district_arrays(pack, snapshot, lang, now)
    by_kind = sites_by_kind(pack) if memo is None else memo.sites_by_kind(pack)
    tz = pack.timezone
    return {
        "sites": {kind: site_arrays(by_kind[kind], snapshot, lang, now, tz, memo) for kind in SITE_KINDS},
        "line_paths": line_paths(pack, snapshot),
        "cones": cone_paths(pack, snapshot),
        "sights": sight_path(snapshot),
        "incidents": incident_arrays(pack, snapshot, lang),
        "silent_z": silent,
        "risk_z": z,
        "risk_hover": district_hover,
        "fire_risk": fire_risk_arrays(pack, snapshot, lang),
        "hexes": hex_arrays(hexes, snapshot, lang),
        "camera_alarms": camera_alarm_points(pack, snapshot),
    }


def map_patch(
    pack: CityPack,
    hexes: HexLayer,
    snapshot: StateSnapshot,
    lang: str,
    now: float | None,
    memo: SiteMemo | None = None,
) -> Patch:
    """A refresh of the map figure's live arrays as a ``dash.Patch``: what the map page and the wall send when the
    view changed, leaving the figure, its view and its zoom as they are in the browser."""
    values = map_patch_values(pack, hexes, snapshot, lang, now, memo)
    patch = Patch()
    for offset, level in enumerate(LINE_LEVELS):
        lat, lon = values["line_paths"][level]
        patch["data"][TRACE_LINES + offset]["lat"] = lat
        patch["data"][TRACE_LINES + offset]["lon"] = lon
    patch["data"][TRACE_SILENT]["z"] = values["silent_z"]
    patch["data"][TRACE_RISK]["z"] = values["risk_z"]
    patch["data"][TRACE_RISK]["hovertext"] = values["risk_hover"]
    patch["data"][TRACE_FIRE_RISK]["z"], patch["data"][TRACE_FIRE_RISK]["hovertext"] = values["fire_risk"]
    patch["data"][TRACE_HEXES]["z"], patch["data"][TRACE_HEXES]["text"] = values["hexes"]
    patch["data"][TRACE_CAMERA_ALARMS]["lat"], patch["data"][TRACE_CAMERA_ALARMS]["lon"] = values["camera_alarms"]
    for offset, kind in enumerate(SITE_KINDS):
        colors, sizes, hover = values["sites"][kind]
        patch["data"][TRACE_SITES + offset]["marker"]["color"] = colors
        patch["data"][TRACE_SITES + offset]["marker"]["size"] = sizes
        patch["data"][TRACE_SITES + offset]["hovertext"] = hover
    for offset, group in enumerate(CONE_GROUPS):
        patch["data"][TRACE_CONES + offset]["lat"], patch["data"][TRACE_CONES + offset]["lon"] = values["cones"][group]
    patch["data"][TRACE_SIGHTS]["lat"], patch["data"][TRACE_SIGHTS]["lon"] = values["sights"]
    incidents = values["incidents"]
    patch["data"][TRACE_INCIDENTS]["lat"] = incidents["lat"]
    patch["data"][TRACE_INCIDENTS]["lon"] = incidents["lon"]
    patch["data"][TRACE_INCIDENTS]["marker"]["color"] = incidents["color"]
    patch["data"][TRACE_INCIDENTS]["marker"]["size"] = incidents["size"]
    patch["data"][TRACE_INCIDENTS]["hovertext"] = incidents["hover"]
    patch["data"][TRACE_INCIDENTS]["customdata"] = incidents["id"]
    return patch
