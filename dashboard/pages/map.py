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

from consumers.citypack import CityPack
from dashboard.context import current
from dashboard.figures import (
    LEVEL_COLORS,
    LEVEL_RANK,
    TRACE_RISK,
    TRACE_SITES,
    map_figure,
    map_patch_values,
    sensor_level,
)
from dashboard.state_view import StateSnapshot

dash.register_page(__name__, path="/", name="City map", title="City operations · map")

MAX_ALARMS = 10


def _local_time(iso: str | None, tz: str) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def district_rows(pack: CityPack, snapshot: StateSnapshot) -> list[html.Div]:
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
                    html.Span([html.B(district.name_en), " ", district.name_zh], className="map-district-name"),
                    html.Span(
                        str(doc.get("worst_reason", "no data")) if level not in ("ok",) else "",
                        className="map-district-reason",
                    ),
                ],
                className=f"map-district-row level-{level}",
                id={"type": "map-district", "code": district.code},
            )
        )
    return rows


def alarm_rows(pack: CityPack, snapshot: StateSnapshot) -> list[html.Div]:
    """Sensors at warning or alarm, worst first; an empty list says so explicitly."""
    active = []
    for sensor_id, doc in snapshot.of_kind("sensor").items():
        level = sensor_level(doc)
        if level in ("warning", "alarm") and sensor_id in pack.sensors:
            active.append((LEVEL_RANK[level], float(doc.get("score", 0)), sensor_id, doc))
    active.sort(reverse=True)
    if not active:
        return [html.Div("No active warnings", className="map-alarm-none")]
    rows = []
    for _, _, sensor_id, doc in active[:MAX_ALARMS]:
        spec = pack.sensors[sensor_id]
        place = pack.buildings[spec.building_id].name_en if spec.building_id else spec.name_en
        district = pack.districts[spec.district].name_en
        level = sensor_level(doc)
        rows.append(
            html.Div(
                [
                    html.Span(
                        level.upper(), className="map-alarm-level", style={"backgroundColor": LEVEL_COLORS[level]}
                    ),
                    html.Span([html.B(place), f" · {district}"], className="map-alarm-place"),
                    html.Span(str(doc.get("reason", "")), className="map-alarm-reason"),
                ],
                className=f"map-alarm-row level-{level}",
            )
        )
    if len(active) > MAX_ALARMS:
        rows.append(html.Div(f"+ {len(active) - MAX_ALARMS} more", className="map-alarm-more"))
    return rows


def summary(pack: CityPack, snapshot: StateSnapshot) -> list[Any]:
    """Counts an operator scans first; "silent" covers stale sensors and those never heard from."""
    counts = {"alarm": 0, "warning": 0, "silent": 0}
    for sensor_id in pack.sensors:
        level = sensor_level(snapshot.sensor(sensor_id))
        key = "silent" if level in ("stale", "no_data") else level
        if key in counts:
            counts[key] += 1
    chips: list[Any] = [
        html.Span(f"{n} {name}", className=f"map-count level-{name}" if n else "map-count")
        for name, n in counts.items()
    ]
    restoring = [c for c in snapshot.of_kind("consumer").values() if c.get("phase") == "restoring"]
    if restoring:
        done = sum(int(c.get("restore", {}).get("done", 0)) for c in restoring)
        total = sum(int(c.get("restore", {}).get("total", 0)) for c in restoring)
        share = f" {100 * done // total}%" if total else ""
        chips.append(html.Span(f"REBUILDING STATE{share}", className="map-count level-restoring"))
    return chips


def status_doc(snapshot: StateSnapshot, tz: str, stale_after_s: float, now_wall: float) -> dict[str, Any]:
    age = snapshot.data_age(now_wall)
    return {
        "event_time": _local_time(snapshot.last_event_time(), tz),
        "age_s": age,
        "stale_after_s": stale_after_s,
    }


def layout(**_: Any) -> html.Div:
    ctx = current()
    pack, snapshot = ctx.pack, ctx.view.snapshot
    return html.Div(
        [
            html.Header(
                [
                    html.Div(
                        [
                            html.Span(f"{pack.name_en} City Operations", className="map-title"),
                            html.Span(f" {pack.name_zh}城市运行", className="map-title-zh"),
                        ]
                    ),
                    html.Div(summary(pack, snapshot), id="map-summary", className="map-summary"),
                    html.Div(id="map-freshness", className="map-freshness"),
                ],
                className="map-header",
            ),
            html.Main(
                [
                    dcc.Graph(
                        id="map-graph",
                        figure=map_figure(pack, snapshot),
                        config={"displayModeBar": False, "scrollZoom": True},
                        className="map-graph",
                    ),
                    html.Aside(
                        [
                            html.H2("Active warnings"),
                            html.Div(alarm_rows(pack, snapshot), id="map-alarms", className="map-alarms"),
                            html.H2("Districts by risk"),
                            html.Div(district_rows(pack, snapshot), id="map-districts", className="map-districts"),
                            html.Div(
                                [
                                    html.Span("Sites: ", className="map-legend-title"),
                                    *[
                                        html.Span([html.I(style={"backgroundColor": LEVEL_COLORS[k]}), label])
                                        for k, label in (
                                            ("ok", "OK"),
                                            ("watch", "watch"),
                                            ("warning", "warning"),
                                            ("alarm", "alarm"),
                                            ("stale", "stale / no data"),
                                        )
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
            dcc.Store(
                id="map-status", data=status_doc(snapshot, pack.timezone, ctx.settings.ui_stale_after_s, time.time())
            ),
            dcc.Store(id="map-received"),
        ],
        className="map-page",
    )


@callback(
    Output("map-graph", "figure"),
    Output("map-alarms", "children"),
    Output("map-districts", "children"),
    Output("map-summary", "children"),
    Output("map-status", "data"),
    Output("map-seen", "data"),
    Input("map-tick", "n_intervals"),
    State("map-seen", "data"),
)
def refresh(_: int | None, seen: int | None) -> tuple[Any, ...]:
    """Send what changed since this browser's last refresh; nothing at all when the view did not change."""
    ctx = current()
    snapshot = ctx.view.snapshot
    status = status_doc(snapshot, ctx.pack.timezone, ctx.settings.ui_stale_after_s, time.time())
    if seen == snapshot.version:
        return (dash.no_update,) * 4 + (status, dash.no_update)
    values = map_patch_values(ctx.pack, snapshot)
    patch = Patch()
    patch["data"][TRACE_RISK]["z"] = values["risk_z"]
    patch["data"][TRACE_RISK]["hovertext"] = values["risk_hover"]
    patch["data"][TRACE_SITES]["marker"]["color"] = values["site_colors"]
    patch["data"][TRACE_SITES]["marker"]["size"] = values["site_sizes"]
    patch["data"][TRACE_SITES]["hovertext"] = values["site_hover"]
    return (
        patch,
        alarm_rows(ctx.pack, snapshot),
        district_rows(ctx.pack, snapshot),
        summary(ctx.pack, snapshot),
        status,
        snapshot.version,
    )


# When a status arrives, note the browser's own time, so the age keeps growing even if the server goes away.
clientside_callback(
    """
    function(status) {
        if (!status) { return window.dash_clientside.no_update; }
        return {age_s: status.age_s, event_time: status.event_time, stale_after_s: status.stale_after_s,
                received_ms: Date.now()};
    }
    """,
    Output("map-received", "data"),
    Input("map-status", "data"),
)

clientside_callback(
    """
    function(_, received) {
        if (!received || received.age_s === null || received.age_s === undefined) {
            return [["WAITING FOR DATA"], "map-freshness stale"];
        }
        const age = received.age_s + (Date.now() - received.received_ms) / 1000;
        if (age > received.stale_after_s) {
            return [["STALE · no update for " + Math.round(age) + " s · last " + received.event_time],
                    "map-freshness stale"];
        }
        return [["LIVE · " + received.event_time], "map-freshness live"];
    }
    """,
    Output("map-freshness", "children"),
    Output("map-freshness", "className"),
    Input("map-clock", "n_intervals"),
    State("map-received", "data"),
)
