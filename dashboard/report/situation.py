"""The situation report: one standalone HTML file of the moment, made with folium, that opens anywhere offline.

A manager takes it away (to a meeting, into an e-mail): the districts coloured by their risk, every active alarm
marked where it is, and two tables, the alarms and the districts. Leaflet, folium's map library, is inlined from
the copy beside this module (``leaflet/``, BSD-2-Clause, 1.9.4 from npm); folium's other defaults (jQuery,
Bootstrap, icon fonts, all from CDNs) are left out, and there are no tiles: nothing is fetched when it opens.

Every text in it comes from the city pack or the consumers and is escaped where it goes: HTML in the tables, and
for the markers' tooltips, which folium puts into a JavaScript template literal as HTML, the backtick, the dollar
and the backslash too.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import folium
from branca.element import Figure

from consumers.citypack import CityPack
from dashboard.alarms import listing
from dashboard.alarms import words as alarm_words
from dashboard.alarms.table import COLUMNS
from dashboard.figures import LEVEL_COLORS
from dashboard.i18n import names_in_order, t
from dashboard.state_view import StateSnapshot

LEAFLET = Path(__file__).parent / "leaflet"
SEVERITY_COLORS = {"alarm": LEVEL_COLORS["alarm"], "warning": LEVEL_COLORS["warning"]}


@cache
def _leaflet() -> tuple[str, str]:
    return (LEAFLET / "leaflet.js").read_text(encoding="utf-8"), (LEAFLET / "leaflet.css").read_text(encoding="utf-8")


def tooltip_text(text: str) -> str:
    """Text for a folium tooltip: HTML-escaped, and safe inside the JavaScript template literal folium puts it in."""
    return html.escape(text).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _local(iso: object, pack: CityPack) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(str(iso)).astimezone(ZoneInfo(pack.timezone)).strftime("%Y-%m-%d %H:%M")


def _district_name(pack: CityPack, code: str, lang: str) -> str:
    d = pack.districts.get(code)
    return code if d is None else " ".join(names_in_order(d.name_en, d.name_zh, lang))


def _tables(pack: CityPack, snapshot: StateSnapshot, alarms: list[Mapping[str, Any]], lang: str, title: str) -> str:
    e = html.escape
    rows = "".join(
        "<tr>"
        f'<td><span class="sev" style="background:{SEVERITY_COLORS.get(str(a.get("severity")), "#777")}">'
        f"{e(t(lang, 'level.' + str(a.get('severity'))))}</span></td>"
        f"<td>{e(t(lang, 'alarms.state.' + listing.state_of(a)))}</td>"
        f"<td>{e(alarm_words.subject(a, pack, lang))}<br><small>{e(str(a.get('id')))}</small></td>"
        f"<td>{e(_district_name(pack, str(a.get('district')), lang))}</td>"
        f"<td>{e(alarm_words.reason(a, lang))}</td>"
        f"<td>{e(_local(a.get('raised'), pack))}</td>"
        f"<td>{e(str((a.get('ack') or {}).get('by') or ''))}</td>"
        "</tr>"
        for a in alarms
    )
    head = "".join(f"<th>{e(t(lang, k))}</th>" for k in (*COLUMNS, "alarms.col.by"))
    risks: dict[str, float | None] = {}
    for code in pack.districts:
        risk = (snapshot.district(code) or {}).get("risk")
        risks[code] = None if risk is None else float(risk)
    district_rows = ""
    for code in sorted(pack.districts, key=lambda c: -(r if (r := risks[c]) is not None else -1.0)):
        level = _level(snapshot, code)
        level_text = t(lang, "no_data") if level == "no_data" else t(lang, "level." + level)
        risk = risks[code]
        risk_text = t(lang, "no_data") if risk is None else f"{float(risk):.0f}"
        district_rows += (
            f"<tr><td>{e(_district_name(pack, code, lang))}</td><td>{e(risk_text)}</td><td>{e(level_text)}</td></tr>"
        )
    none = f'<p class="none">{e(t(lang, "alarms.none"))}</p>'
    return (
        f"<h1>{e(title)}</h1>"
        f"<h2>{e(t(lang, 'alarms.active'))} ({len(alarms)})</h2>"
        + (f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>" if alarms else none)
        + f"<h2>{e(t(lang, 'districts_by_risk'))}</h2>"
        f"<table><thead><tr><th>{e(t(lang, 'alarms.col.district'))}</th><th>{e(t(lang, 'risk'))}</th>"
        f"<th>{e(t(lang, 'alarms.col.state'))}</th></tr></thead><tbody>{district_rows}</tbody></table>"
    )


def _level(snapshot: StateSnapshot, code: str) -> str:
    doc = snapshot.district(code) or {}
    return str(doc.get("level") or "no_data") if doc.get("risk") is not None else "no_data"


STYLE = """
body { margin: 0; font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; color: #111; }
.report { padding: 0.6rem 1.2rem 2rem; }
h1 { font-size: 1.3rem; margin: 0.4rem 0; } h2 { font-size: 1.05rem; margin: 1rem 0 0.3rem; }
table { border-collapse: collapse; font-size: 0.9rem; width: 100%; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
.sev { color: #fff; padding: 0 0.4rem; border-radius: 0.2rem; }
.folium-map { border-bottom: 1px solid #999; }
"""


def situation_report(pack: CityPack, snapshot: StateSnapshot, now_iso: str, lang: str, simulated: str = "") -> str:
    """The report as one HTML document. ``simulated``: the simulated clock's badge (``SIMULATED TIME ×60``), put
    in its title: a file forwarded from a demo must not read as the city's real situation."""
    alarms, _ = listing.ordered(snapshot.of_kind("alarm").values())
    m = folium.Map(
        location=[pack.center_lat, pack.center_lon],
        zoom_start=round(pack.zoom),
        tiles=None,
        height="62%",
        control_scale=True,
    )
    m.default_js = []  # Leaflet is inlined below; folium's jQuery, Bootstrap and icon fonts come from CDNs
    m.default_css = []
    leaflet_js, leaflet_css = _leaflet()
    root = m.get_root()
    assert isinstance(root, Figure)
    now = _local(now_iso, pack)
    title = t(lang, "report.title", name=pack.name_zh if lang == "zh" else pack.name_en, at=now)
    title = f"{title} · {simulated}" if simulated else title
    root.header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    root.header.add_child(folium.Element(f"<style>{leaflet_css}</style><style>{STYLE}</style>"))
    root.header.add_child(folium.Element(f"<script>{leaflet_js}</script>"))

    def style(feature: Mapping[str, Any]) -> dict[str, Any]:
        level = _level(snapshot, str(feature.get("id")))
        return {"fillColor": LEVEL_COLORS[level], "color": "#333", "weight": 1, "fillOpacity": 0.55}

    folium.GeoJson(dict(pack.districts_geojson), style_function=style, name="districts").add_to(m)
    for alarm in alarms:
        if alarm.get("lat") is None or alarm.get("lon") is None:
            continue
        text = f"{alarm_words.subject(alarm, pack, lang)} · {alarm_words.reason(alarm, lang)}"
        color = SEVERITY_COLORS.get(str(alarm.get("severity")), "#777")
        folium.CircleMarker(
            location=[float(alarm["lat"]), float(alarm["lon"])],
            radius=7,
            color="#111",
            weight=1,
            fill=True,
            fill_color=color,
            fill_opacity=0.95,
            tooltip=folium.Tooltip(tooltip_text(text)),
            class_name="report-alarm",
        ).add_to(m)
    root.html.add_child(folium.Element(f'<div class="report">{_tables(pack, snapshot, alarms, lang, title)}</div>'))
    return str(root.render())
