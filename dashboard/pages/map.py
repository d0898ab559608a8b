"""The live city map (``/``): districts coloured by risk, sites coloured by status, ranked lists beside.

Made for the wall first: large type, no interaction needed, a freshness clock that turns into a STALE
warning by itself in the browser when updates stop (even if the server is gone). Each refresh sends a
``dash.Patch`` with the changed arrays only; the figure is built once per page load.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, Patch, State, callback, clientside_callback, dcc, html
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from consumers.citypack import CityPack, District
from consumers.processor import river_stretches
from dashboard.context import current
from dashboard.figures import (
    LEVEL_COLORS,
    LEVEL_RANK,
    RIVER_COLORS,
    TRACE_RISK,
    TRACE_SITES,
    map_figure,
    map_patch_values,
    sensor_level,
)
from dashboard.i18n import language, names_in_order, t
from dashboard.river_chart import gauge_figure
from dashboard.river_panel import gauge_sentence, river_banner, sensor_reason
from dashboard.state_view import StateSnapshot

dash.register_page(__name__, path="/", name="City map", title="City operations · map")

MAX_ALARMS = 10


def _local_time(iso: str | None, tz: str) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def _district_label(district: District, lang: str) -> list[Any]:
    first, second = names_in_order(district.name_en, district.name_zh, lang)
    return [html.B(first), " ", second]


def district_rows(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[html.Div]:
    """Districts ranked by risk; those with no data last, shown as such."""
    rows = []
    ranked = sorted(
        pack.districts.values(),
        key=lambda d: (
            -1.0 if (doc := snapshot.district(d.code)) is None or doc.get("risk") is None else float(doc["risk"])
        ),
        reverse=True,
    )
    for district in ranked:
        doc: Mapping[str, Any] = snapshot.district(district.code) or {}
        risk = doc.get("risk")
        level = str(doc.get("level", "no_data")) if risk is not None else "no_data"
        rows.append(
            html.Div(
                [
                    html.Span(
                        f"{risk:.0f}" if risk is not None else "–",
                        className="map-risk-value",
                        style={"backgroundColor": LEVEL_COLORS[level]},
                    ),
                    html.Span(_district_label(district, lang), className="map-district-name"),
                    html.Span(
                        _worst_reason(pack, snapshot, doc, lang) if level not in ("ok",) else "",
                        className="map-district-reason",
                    ),
                ],
                className=f"map-district-row level-{level}",
                id={"type": "map-district", "code": district.code},
            )
        )
    return rows


def _worst_reason(pack: CityPack, snapshot: StateSnapshot, doc: Mapping[str, Any], lang: str) -> str:
    worst = pack.sensors.get(str(doc.get("worst_sensor")))
    worst_doc = snapshot.sensor(worst.id) if worst is not None else None
    if worst is not None and worst_doc is not None and lang != "en":
        return sensor_reason(worst, worst_doc, lang)
    return str(doc.get("worst_reason") or t(lang, "no_data"))


def alarm_rows(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[html.Div]:
    """Sensors at warning or alarm, worst first; an empty list says so explicitly."""
    active = []
    for sensor_id, doc in snapshot.of_kind("sensor").items():
        level = sensor_level(doc)
        if level in ("warning", "alarm") and sensor_id in pack.sensors:
            active.append((LEVEL_RANK[level], float(doc.get("score", 0)), sensor_id, doc))
    active.sort(reverse=True)
    if not active:
        return [html.Div(t(lang, "no_active_warnings"), className="map-alarm-none")]
    rows = []
    for _, _, sensor_id, doc in active[:MAX_ALARMS]:
        spec = pack.sensors[sensor_id]
        named = pack.buildings[spec.building_id] if spec.building_id else spec
        place = named.name_zh if lang == "zh" else named.name_en
        district = pack.districts[spec.district].name_zh if lang == "zh" else pack.districts[spec.district].name_en
        level = sensor_level(doc)
        rows.append(
            html.Div(
                [
                    html.Span(
                        t(lang, f"badge.{level}"),
                        className="map-alarm-level",
                        style={"backgroundColor": LEVEL_COLORS[level]},
                    ),
                    html.Span([html.B(place), f" · {district}"], className="map-alarm-place"),
                    html.Span(sensor_reason(spec, doc, lang), className="map-alarm-reason"),
                ],
                className=f"map-alarm-row level-{level}",
            )
        )
    if len(active) > MAX_ALARMS:
        rows.append(html.Div(t(lang, "more", n=len(active) - MAX_ALARMS), className="map-alarm-more"))
    return rows


def summary(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[Any]:
    """Counts an operator scans first; "silent" covers stale sensors and those never heard from."""
    counts = {"alarm": 0, "warning": 0, "silent": 0}
    for sensor_id in pack.sensors:
        level = sensor_level(snapshot.sensor(sensor_id))
        key = "silent" if level in ("stale", "no_data") else level
        if key in counts:
            counts[key] += 1
    chips: list[Any] = [
        html.Span(f"{n} {t(lang, name)}", className=f"map-count level-{name}" if n else "map-count")
        for name, n in counts.items()
    ]
    restoring = [c for c in snapshot.of_kind("consumer").values() if c.get("phase") == "restoring"]
    if restoring:
        done = sum(int(c.get("restore", {}).get("done", 0)) for c in restoring)
        total = sum(int(c.get("restore", {}).get("total", 0)) for c in restoring)
        share = f" {100 * done // total}%" if total else ""
        chips.append(html.Span(f"{t(lang, 'rebuilding')}{share}", className="map-count level-restoring"))
    return chips


def status_doc(snapshot: StateSnapshot, tz: str, stale_after_s: float, now_wall: float, lang: str) -> dict[str, Any]:
    """What the browser's own clock needs to tell LIVE from STALE, with its words in the page language."""
    return {
        "event_time": _local_time(snapshot.last_event_time(), tz),
        "age_s": snapshot.data_age(now_wall),
        "stale_after_s": stale_after_s,
        "words": {k: t(lang, k) for k in ("live", "stale", "last", "waiting")},
        "no_update_for": t(lang, "no_update_for", s="{s}"),
    }


def layout(lang: str | None = None, **_: Any) -> html.Div:
    """The page for one viewer; ``?lang=zh`` shows it in Chinese."""
    ctx = current()
    pack, snapshot = ctx.pack, ctx.view.snapshot
    lang = language(lang, ctx.settings.language)
    return html.Div(
        [
            html.Header(
                [
                    html.Div(
                        [
                            html.Span(
                                t(lang, "title", name_en=pack.name_en, name_zh=pack.name_zh), className="map-title"
                            ),
                            html.Span(
                                t(lang, "subtitle", name_en=pack.name_en, name_zh=pack.name_zh),
                                className="map-title-zh",
                            ),
                        ]
                    ),
                    html.Div(summary(pack, snapshot, lang), id="map-summary", className="map-summary"),
                    html.Div(id="map-freshness", className="map-freshness"),
                ],
                className="map-header",
            ),
            html.Div(river_banner(pack, snapshot, lang), id="map-river-banner", className="map-river-banner"),
            html.Main(
                [
                    html.Div(
                        [
                            html.Div(
                                [
                                    html.Div(id="map-gauge-status", className="map-gauge-status"),
                                    html.Button(t(lang, "close"), id="map-gauge-close", className="map-gauge-close"),
                                ],
                                className="map-gauge-head",
                            ),
                            dcc.Graph(
                                id="map-gauge-graph",
                                config={"displayModeBar": False},
                                responsive=True,
                                style={"height": "100%", "width": "100%"},
                            ),
                        ],
                        id="map-gauge-panel",
                        className="map-gauge-panel",
                        hidden=True,
                    ),
                    dcc.Graph(
                        id="map-graph",
                        figure=map_figure(pack, snapshot, lang),
                        config={"displayModeBar": False, "scrollZoom": True},
                        className="map-graph",
                    ),
                    html.Aside(
                        [
                            html.H2(t(lang, "active_warnings")),
                            html.Div(alarm_rows(pack, snapshot, lang), id="map-alarms", className="map-alarms"),
                            html.H2(t(lang, "districts_by_risk")),
                            html.Div(
                                district_rows(pack, snapshot, lang), id="map-districts", className="map-districts"
                            ),
                            html.Div(
                                [
                                    html.Span(t(lang, "sites"), className="map-legend-title"),
                                    *[
                                        html.Span(
                                            [html.I(style={"backgroundColor": LEVEL_COLORS[k]}), t(lang, f"level.{k}")]
                                        )
                                        for k in ("ok", "watch", "warning", "alarm", "stale")
                                    ],
                                ],
                                className="map-legend",
                            ),
                            html.Div(
                                [
                                    html.Span(t(lang, "gauges"), className="map-legend-title"),
                                    *[
                                        html.Span([html.I(style={"backgroundColor": color}), t(lang, f"river.{k}")])
                                        for k, color in RIVER_COLORS.items()
                                    ],
                                ],
                                className="map-legend",
                            ),
                        ],
                        className="map-side",
                    ),
                ],
                className="map-main",
            ),
            dcc.Interval(id="map-tick", interval=ctx.settings.ui_refresh_ms),
            dcc.Interval(id="map-clock", interval=1000),
            dcc.Store(id="map-seen", data=snapshot.version),
            dcc.Store(id="map-lang", data=lang),
            dcc.Store(
                id="map-status",
                data=status_doc(snapshot, pack.timezone, ctx.settings.ui_stale_after_s, time.time(), lang),
            ),
            dcc.Store(id="map-received"),
            dcc.Store(id="map-gauge"),
            dcc.Store(id="map-gauge-seen"),
        ],
        className="map-page",
    )


@callback(
    Output("map-graph", "figure"),
    Output("map-alarms", "children"),
    Output("map-districts", "children"),
    Output("map-summary", "children"),
    Output("map-river-banner", "children"),
    Output("map-status", "data"),
    Output("map-seen", "data"),
    Input("map-tick", "n_intervals"),
    State("map-seen", "data"),
    State("map-lang", "data"),
)
def refresh(_: int | None, seen: int | None, lang: str | None) -> tuple[Any, ...]:
    """Send what changed since this browser's last refresh; nothing at all when the view did not change."""
    ctx = current()
    snapshot = ctx.view.snapshot
    lang = language(lang, ctx.settings.language)
    status = status_doc(snapshot, ctx.pack.timezone, ctx.settings.ui_stale_after_s, time.time(), lang)
    if seen == snapshot.version:
        return (dash.no_update,) * 5 + (status, dash.no_update)
    values = map_patch_values(ctx.pack, snapshot, lang)
    patch = Patch()
    patch["data"][TRACE_RISK]["z"] = values["risk_z"]
    patch["data"][TRACE_RISK]["hovertext"] = values["risk_hover"]
    patch["data"][TRACE_SITES]["marker"]["color"] = values["site_colors"]
    patch["data"][TRACE_SITES]["marker"]["size"] = values["site_sizes"]
    patch["data"][TRACE_SITES]["hovertext"] = values["site_hover"]
    return (
        patch,
        alarm_rows(ctx.pack, snapshot, lang),
        district_rows(ctx.pack, snapshot, lang),
        summary(ctx.pack, snapshot, lang),
        river_banner(ctx.pack, snapshot, lang),
        status,
        snapshot.version,
    )


# When a status arrives, note the browser's own time, so the age keeps growing even if the server goes away.
clientside_callback(
    """
    function(status) {
        if (!status) { return window.dash_clientside.no_update; }
        return Object.assign({}, status, {received_ms: Date.now()});
    }
    """,
    Output("map-received", "data"),
    Input("map-status", "data"),
)

clientside_callback(
    """
    function(_, received) {
        if (!received) { return [["…"], "map-freshness stale"]; }
        const w = received.words;
        if (received.age_s === null || received.age_s === undefined) {
            return [[w.waiting], "map-freshness stale"];
        }
        const age = received.age_s + (Date.now() - received.received_ms) / 1000;
        if (age > received.stale_after_s) {
            const quiet = received.no_update_for.replace("{s}", Math.round(age));
            return [[w.stale + " · " + quiet + " · " + w.last + " " + received.event_time], "map-freshness stale"];
        }
        return [[w.live + " · " + received.event_time], "map-freshness live"];
    }
    """,
    Output("map-freshness", "children"),
    Output("map-freshness", "className"),
    Input("map-clock", "n_intervals"),
    State("map-received", "data"),
)


@callback(
    Output("map-gauge", "data"),
    Input("map-graph", "clickData"),
    Input("map-gauge-close", "n_clicks"),
    prevent_initial_call=True,
)
def select_gauge(click: dict[str, Any] | None, _: int | None) -> str | None:
    """A click on a gauge opens its panel; a click on anything else, or on Close, closes it."""
    if dash_ctx.triggered_id == "map-gauge-close" or not click:
        return None
    site_id = str(click["points"][0].get("customdata", ""))
    spec = current().pack.sensors.get(site_id)
    return site_id if spec is not None and spec.type == "river.gauge" else None


@callback(
    Output("map-gauge-panel", "hidden"),
    Output("map-gauge-graph", "figure"),
    Output("map-gauge-status", "children"),
    Output("map-gauge-seen", "data"),
    Input("map-gauge", "data"),
    Input("map-tick", "n_intervals"),
    State("map-gauge-seen", "data"),
    State("map-lang", "data"),
)
def refresh_gauge(gauge_id: str | None, _: int | None, seen: str | None, lang: str | None) -> tuple[Any, ...]:
    """Redraw the open gauge's chart only when the gauge itself reported something new."""
    if not gauge_id:
        return True, dash.no_update, dash.no_update, None
    ctx = current()
    spec = ctx.pack.sensors[gauge_id]
    doc = ctx.view.snapshot.sensor(gauge_id)
    lang = language(lang, ctx.settings.language)
    stamp = f"{gauge_id}@{(doc or {}).get('event_time')}@{(doc or {}).get('stale')}@{lang}"
    if dash_ctx.triggered_id == "map-tick" and stamp == seen:
        raise PreventUpdate
    stretch = river_stretches(ctx.pack, lang).get(gauge_id) if lang != "en" else None
    sentence = gauge_sentence(spec, doc, lang, stretch)
    return False, gauge_figure(spec, doc, ctx.pack.timezone, lang), sentence, stamp
