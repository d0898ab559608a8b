"""A sensor's page (``/sensor/<id>``): what it says now, its chart, the last hour, and its alarms with their trails.

A gauge's chart is its river model's (observations, the 72-hour forecast band, thresholds), a line's its load
against its rating and its conductor's temperature: the same charts the map opens. Other sensors publish no history
(their windows stay in the consumers): their chart is the last hour of readings this web worker has seen on the state
topic (``dashboard.sensor_trail``), and its title says from when.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.alarms import listing
from dashboard.alarms import words as alarm_words
from dashboard.alarms.table import alarm_table, when
from dashboard.auth.account_bar import account_bar
from dashboard.context import current
from dashboard.figures import LEVEL_COLORS, sensor_level
from dashboard.grid.chart import line_figure
from dashboard.i18n import language, t
from dashboard.reasons import sensor_reason
from dashboard.river.chart import gauge_figure
from dashboard.trail_chart import trail_figure

dash.register_page(__name__, path_template="/sensor/<sensor_id>", name="Sensor", title="City operations · sensor")

REFRESH_MS = 5000
CHARTS = {"river.gauge": gauge_figure, "grid.line": line_figure}


def layout(sensor_id: str | None = None, lang: str | None = None, **_: Any) -> html.Div:
    ctx = current()
    lang = language(lang, ctx.settings.language)
    spec = ctx.pack.sensors.get(str(sensor_id))
    if spec is None:
        return html.Div(
            [
                html.A(t(lang, "alarms.back"), href=f"/?lang={lang}"),
                html.P(t(lang, "drill.unknown_sensor", id=sensor_id)),
            ],
            className="drill-page",
        )
    building = ctx.pack.buildings.get(spec.building_id) if spec.building_id else None
    place = [t(lang, f"alarms.type.{spec.type}")]
    if building is not None:
        place.append(building.name_zh if lang == "zh" else building.name_en)
    return html.Div(
        [
            html.Header(
                [
                    html.A(t(lang, "alarms.back"), href=f"/?lang={lang}", className="alarms-back"),
                    html.A(
                        t(lang, "drill.district_page"),
                        href=f"/district/{spec.district}?lang={lang}",
                        className="alarms-back",
                    ),
                    html.Span(spec.id, className="map-title"),
                    html.Span(" · ".join(place), className="alarms-waiting-words"),
                    html.Div(id="sensor-now", className="map-summary"),
                    account_bar(ctx.settings, lang, f"/sensor/{spec.id}"),
                ],
                className="map-header alarms-header",
            ),
            html.Main(
                [
                    html.Div(id="sensor-reason", className="alarms-detail-reason"),
                    dcc.Graph(id="sensor-chart", config={"displayModeBar": False}, className="drill-chart"),
                    html.A("CSV", href=f"/api/v1/sensors/{spec.id}/history.csv", id="sensor-csv"),
                    html.H2(t(lang, "drill.window")),
                    html.Div(id="sensor-window"),
                    html.H2(t(lang, "drill.alarms")),
                    html.Div(id="sensor-alarms"),
                ],
                className="drill-main",
            ),
            dcc.Store(id="sensor-id", data=spec.id),
            dcc.Store(id="sensor-lang", data=lang),
            dcc.Interval(id="sensor-tick", interval=REFRESH_MS),
        ],
        className="alarms-page drill-page",
    )


@callback(
    Output("sensor-now", "children"),
    Output("sensor-reason", "children"),
    Output("sensor-chart", "figure"),
    Output("sensor-chart", "style"),
    Output("sensor-window", "children"),
    Output("sensor-alarms", "children"),
    Input("sensor-tick", "n_intervals"),
    State("sensor-id", "data"),
    State("sensor-lang", "data"),
)
def refresh(_: int | None, sensor_id: str | None, lang: str | None) -> tuple[Any, ...]:
    ctx = current()
    lang = language(lang, ctx.settings.language)
    spec = ctx.pack.sensors.get(str(sensor_id))
    if spec is None:
        raise PreventUpdate
    snapshot = ctx.view.snapshot
    doc = snapshot.sensor(spec.id)
    level = sensor_level(doc)
    badge = html.Span(
        t(lang, "level.stale" if level in ("stale", "no_data") else f"level.{level}"),
        className="map-alarm-level",
        style={"backgroundColor": LEVEL_COLORS.get(level, "#7f8c8d")},
    )
    last = "" if doc is None else f" {t(lang, 'last_report')} {when(doc.get('event_time'), ctx.pack, lang)}"
    chart = CHARTS.get(spec.type)
    if chart is not None:
        figure, style = chart(spec, doc, ctx.pack.timezone, lang), {"height": "420px"}
    else:
        series = ctx.view.trails.series(spec.id)
        figure = trail_figure(spec, series, ctx.pack.timezone, lang)
        style = {"height": f"{200 + 160 * min(len(series), 3)}px"} if series else {"display": "none"}
    stats = (doc or {}).get("stats") or {}
    values = (doc or {}).get("values") or {}
    head = html.Tr([html.Th("")] + [html.Th(t(lang, f"drill.{k}")) for k in ("now", "min", "max", "rate", "n")])
    rows = [
        html.Tr(
            [
                html.Td(html.B(name)),
                html.Td(str(values.get(name, ""))),
                html.Td(str(s.get("min"))),
                html.Td(str(s.get("max"))),
                html.Td("" if s.get("rate_per_h") is None else str(s["rate_per_h"])),
                html.Td(str(s.get("n"))),
            ]
        )
        for name, s in sorted(stats.items())
    ]
    text_values = [html.Tr([html.Td(html.B(k)), html.Td(str(v))]) for k, v in values.items() if k not in stats]
    window = html.Table([html.Thead(head), html.Tbody(rows + text_values)], className="alarms-table")
    alarms = [a for a in snapshot.of_kind("alarm").values() if a.get("entity") == f"sensor:{spec.id}"]
    active, history = listing.ordered(alarms)
    trails = [
        html.Details(
            [
                html.Summary(f"{a['id']} · {t(lang, 'alarms.trail')}"),
                html.Ol(
                    [
                        html.Li(
                            f"{when(e.get('at'), ctx.pack, lang)} · {e.get('by')} · {alarm_words.trail_entry(e, lang)}"
                        )
                        for e in reversed(list(a.get("trail") or []))
                    ],
                    className="alarms-trail",
                ),
            ]
        )
        for a in active + history
    ]
    return (
        [badge, html.Span(last, className="alarms-waiting-words")],
        "" if doc is None else sensor_reason(spec, doc, lang),
        figure,
        style,
        window,
        [alarm_table(active + history, ctx.pack, lang, None, clickable=False), *trails],
    )
