"""The field map: one standalone HTML file of the flood for teams on the ground, made with folium, that opens offline.

Closed streets, streets with water and streets closing within hours, the rescue missions' routes, the blocks to
evacuate (what each is, how deep, how many people, which shelter and how), the shelters with their room, and the
evacuation list as a table below. Leaflet is inlined from the copy the situation report ships
(``dashboard/report/leaflet``), no tiles and no CDN: nothing is fetched when it opens. Every name is escaped where
it goes (``dashboard.report.situation.tooltip_text`` for tooltips, ``html.escape`` in the table).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import folium
from branca.element import Figure

from consumers.citypack import CityPack
from dashboard.flood.layer import CLOSED_COLOR, CLOSING_COLOR, MISSION_COLOR, SHELTER_COLOR, WET_COLOR, ZONE_COLORS
from dashboard.flood.reader import FloodNetwork
from dashboard.flood.words import block_hover, block_name, clock, place_name, shelter_hover
from dashboard.i18n import t
from dashboard.report.situation import STYLE, _leaflet, tooltip_text


def _street_lines(flood: FloodNetwork, indexes: Sequence[int]) -> list[list[tuple[float, float]]]:
    """Streets as Leaflet draws them: ``(lat, lon)`` pairs, each street once."""
    return [[(a[1], a[0]), (b[1], b[0])] for a, b in flood.street_segments(indexes)]


def _marker(m: folium.Map, lat: float, lon: float, radius: int, color: str, hover: str, klass: str) -> None:
    """A place on the field map, its tooltip the page's hover text as plain escaped text (folium puts tooltips into
    a JavaScript template literal)."""
    plain = hover.replace("<br>", " · ").replace("<b>", "").replace("</b>", "")
    folium.CircleMarker(
        location=[lat, lon],
        radius=radius,
        color="#111",
        weight=1,
        fill=True,
        fill_color=color,
        fill_opacity=0.95,
        tooltip=folium.Tooltip(tooltip_text(plain)),
        class_name=klass,
    ).add_to(m)


def _table(flood: FloodNetwork, picture: Mapping[str, Any], lang: str) -> str:
    e = html.escape
    network = flood.network
    head = "".join(
        f"<th>{e(t(lang, key))}</th>"
        for key in ("flood.col.n", "flood.col.place", "flood.col.water", "flood.col.people", "flood.col.shelter")
    )
    rows = []
    for n, row in enumerate(picture.get("evacuation") or [], start=1):
        block_id, zone, _, now_m, exp_m, people, shelter_id, mode, route_m, _, _ = row
        block = network.blocks[flood.blocks[block_id]] if block_id in flood.blocks else None
        name = block_id if block is None else block_name(block, lang)
        kind = "" if block is None else t(lang, "flood.kind." + block.kind)
        shelter = network.shelters[flood.shelters[shelter_id]] if shelter_id in flood.shelters else None
        where = (
            t(lang, "flood.unassigned", n=people)
            if shelter is None
            else f"{place_name(shelter.name_en, shelter.name_zh, shelter.id, lang)} · {t(lang, 'flood.mode.' + mode)}"
            + ("" if route_m is None else f" · {float(route_m) / 1000:.1f} km")
        )
        rows.append(
            f"<tr><td>{n}</td><td>{e(name)}<br><small>{e(block_id)}</small></td><td>{e(kind)} · "
            f"{e(t(lang, 'flood.zone.' + zone, now=f'{now_m:.2f}', expected=f'{exp_m:.2f}'))}</td>"
            f"<td>{people:,}</td><td>{e(where)}</td></tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def field_map(pack: CityPack, flood: FloodNetwork, picture: Mapping[str, Any], lang: str) -> str:
    """The field map as one HTML document."""
    network = flood.network
    lat0 = sum(network.lat) / len(network.lat) if network.lat else pack.center_lat
    lon0 = sum(network.lon) / len(network.lon) if network.lon else pack.center_lon
    m = folium.Map(location=[lat0, lon0], zoom_start=12, tiles=None, height="70vh", control_scale=True)
    m.default_js = []  # Leaflet is inlined below; folium's jQuery, Bootstrap and icon fonts come from CDNs
    m.default_css = []
    leaflet_js, leaflet_css = _leaflet()
    root = m.get_root()
    assert isinstance(root, Figure)
    at = clock(picture.get("event_time"), pack.timezone)
    title = (
        f"{t(lang, 'flood.title')} · {pack.name_zh if lang == 'zh' else pack.name_en} · {t(lang, 'flood.as_of', at=at)}"
    )
    root.header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    root.header.add_child(folium.Element(f"<style>{leaflet_css}</style><style>{STYLE}</style>"))
    root.header.add_child(folium.Element(f"<script>{leaflet_js}</script>"))
    folium.GeoJson(
        dict(pack.districts_geojson),
        style_function=lambda _: {"fillColor": "#26323d", "color": "#555", "weight": 1, "fillOpacity": 0.08},
        name="districts",
    ).add_to(m)
    for river in pack.rivers.values():
        folium.PolyLine([(lat, lon) for lon, lat in river.coords], color="#2f7fb8", weight=5, opacity=0.8).add_to(m)
    closed = set((picture.get("closed") or {}).get("i") or [])
    wet = [i for i in (picture.get("wet") or {}).get("i") or [] if i not in closed]
    closing = [i for i in (picture.get("closing") or {}).get("i") or [] if i not in closed]
    for indexes, color, weight, klass in (
        (wet, WET_COLOR, 3, "field-wet"),
        (closing, CLOSING_COLOR, 4, "field-closing"),
        (sorted(closed), CLOSED_COLOR, 5, "field-closed"),
    ):
        for line in _street_lines(flood, indexes):
            folium.PolyLine(line, color=color, weight=weight, opacity=0.9, class_name=klass).add_to(m)
    for mission in picture.get("missions") or []:
        route = mission.get("route")
        if route is not None:
            path = [(network.lat[n], network.lon[n]) for n in route["nodes"]]
            folium.PolyLine(path, color=MISSION_COLOR, weight=4, class_name="field-mission").add_to(m)
    for block, row, people in flood.listed_blocks(picture):
        color = ZONE_COLORS.get(str(row[1]), CLOSING_COLOR)
        _marker(m, block.lat, block.lon, 7, color, block_hover(block, row, people, flood, lang), "field-block")
    used = picture.get("shelters") or {}
    opened = set(picture.get("shelters_open") or [])
    for shelter in network.shelters:
        hover = shelter_hover(shelter, int(used.get(shelter.id, 0)), shelter.id in opened, lang)
        color = SHELTER_COLOR if shelter.id in opened else "#777"
        _marker(m, shelter.lat, shelter.lon, 9, color, hover, "field-shelter")
    # folium puts the elements added here before the map: the page's own order puts the title, then the map, then
    # the list (a team opens it for the map; the list is for going door to door).
    order = (
        "body { display: flex; flex-direction: column; height: auto; } .field-title { order: 0; }"
        " .folium-map { order: 1; flex: 0 0 70vh; } .report { order: 2; }"
    )
    root.header.add_child(folium.Element(f"<style>{order}</style>"))
    heading = f'<h1 class="field-title" style="padding: 0.4rem 1.2rem">{html.escape(title)}</h1>'
    root.html.add_child(folium.Element(heading))
    root.html.add_child(folium.Element(f'<div class="report">{_table(flood, picture, lang)}</div>'))
    return str(root.render())
