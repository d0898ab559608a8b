"""A district's page (``/district/<code>``): its risk over the last day, its sensors, worst first, and its alarms.

A manager comes here from the alarm list or the map to see one district whole. The day's risk is what the
consumers keep (``consumers.district_history``: the worst of each five minutes), with the score now as the last
point. Sensors that are fine are counted, not listed, past the first hundred: a district has hundreds of them.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, callback, dcc, html

from consumers.citypack import CityPack
from dashboard.alarms import listing
from dashboard.alarms.table import alarm_table, when
from dashboard.auth.account_bar import account_bar
from dashboard.context import current
from dashboard.figures import LEVEL_COLORS, sensor_level
from dashboard.freshness import judge_now
from dashboard.i18n import language, names_in_order, t
from dashboard.reasons import sensor_reason
from dashboard.risk_history_chart import history_figure
from dashboard.state_view import StateSnapshot

dash.register_page(__name__, path_template="/district/<code>", name="District", title="City operations · district")

MAX_SENSOR_ROWS = 100
REFRESH_MS = 5000
LEVEL_ORDER = {"alarm": 0, "warning": 1, "watch": 2, "stale": 3, "no_data": 4, "ok": 5}


def layout(code: str | None = None, lang: str | None = None, **_: Any) -> html.Div:
    ctx = current()
    lang = language(lang, ctx.settings.language)
    district = ctx.pack.districts.get(str(code))
    if district is None:
        return html.Div(
            [
                html.A(t(lang, "alarms.back"), href=f"/?lang={lang}"),
                html.P(t(lang, "drill.unknown_district", code=code)),
            ],
            className="drill-page",
        )
    return html.Div(
        [
            html.Header(
                [
                    html.A(t(lang, "alarms.back"), href=f"/?lang={lang}", className="alarms-back"),
                    html.A(t(lang, "alarms.title"), href=f"/alarms?lang={lang}", className="alarms-back"),
                    html.Span(
                        " ".join(names_in_order(district.name_en, district.name_zh, lang)), className="map-title"
                    ),
                    html.Div(id="district-now", className="map-summary"),
                    account_bar(ctx.settings, lang, f"/district/{code}"),
                ],
                className="map-header alarms-header",
            ),
            html.Main(
                [
                    html.H2(
                        [
                            t(lang, "drill.risk_24h"),
                            " · ",
                            html.A("CSV", href=f"/api/v1/districts/{code}/risk_history.csv", id="district-csv"),
                        ]
                    ),
                    dcc.Graph(id="district-history", config={"displayModeBar": False}, className="drill-chart"),
                    html.H2(t(lang, "drill.alarms")),
                    html.Div(id="district-alarms"),
                    html.H2(id="district-sensors-title"),
                    html.Div(id="district-sensors"),
                ],
                className="drill-main",
            ),
            dcc.Store(id="district-code", data=code),
            dcc.Store(id="district-lang", data=lang),
            dcc.Interval(id="district-tick", interval=REFRESH_MS),
        ],
        className="alarms-page drill-page",
    )


def sensor_rows(pack: CityPack, snapshot: StateSnapshot, code: str, lang: str) -> tuple[Any, int]:
    """The district's sensors, worst first: the first ``MAX_SENSOR_ROWS`` and how many in all."""
    specs = pack.sensors_in_district(code)
    rows = []
    for spec in specs:
        doc = snapshot.sensor(spec.id)
        level = sensor_level(doc)
        score = -1.0 if doc is None else float(doc.get("score") or 0.0)
        rows.append((LEVEL_ORDER.get(level, 6), -score, spec, doc, level))
    rows.sort(key=lambda r: (r[0], r[1], r[2].id))
    shown = rows[:MAX_SENSOR_ROWS]
    body = [
        html.Tr(
            [
                html.Td(html.A(html.B(spec.id), href=f"/sensor/{spec.id}?lang={lang}")),
                html.Td(t(lang, f"alarms.type.{spec.type}")),
                html.Td(
                    html.Span(
                        t(lang, "level.stale" if level in ("stale", "no_data") else f"level.{level}"),
                        className="map-alarm-level",
                        style={"backgroundColor": LEVEL_COLORS.get(level, "#7f8c8d")},
                    )
                ),
                html.Td("" if doc is None else sensor_reason(spec, doc, lang), className="alarms-reason"),
                html.Td("" if doc is None else when(doc.get("event_time"), pack, lang)),
            ]
        )
        for _, _, spec, doc, level in shown
    ]
    table = html.Table(html.Tbody(body), className="alarms-table")
    rest = rows[len(shown) :]
    all_ok = all(r[4] == "ok" for r in rest)
    more = (
        [html.Div(t(lang, "drill.more_ok" if all_ok else "more", n=len(rest)), className="alarms-none")] if rest else []
    )
    return [table, *more], len(rows)


@callback(
    Output("district-now", "children"),
    Output("district-history", "figure"),
    Output("district-alarms", "children"),
    Output("district-sensors-title", "children"),
    Output("district-sensors", "children"),
    Input("district-tick", "n_intervals"),
    State("district-code", "data"),
    State("district-lang", "data"),
)
def refresh(_: int | None, code: str | None, lang: str | None) -> tuple[Any, Any, Any, Any, Any]:
    ctx = current()
    lang = language(lang, ctx.settings.language)
    code = str(code)
    if code not in ctx.pack.districts:
        raise dash.exceptions.PreventUpdate
    snapshot = ctx.view.snapshot
    view = snapshot.district(code) or {}
    risk, level = view.get("risk"), str(view.get("level") or "no_data")
    fire = (view.get("fire_risk") or {}).get("score")
    chips = [
        html.Span(
            f"{t(lang, 'risk')} {risk:.0f}" if risk is not None else t(lang, "no_data"),
            className=f"map-count level-{level}" if risk is not None else "map-count",
        )
    ]
    if fire is not None:
        chips.append(html.Span(f"{t(lang, 'drill.fire_risk')} {float(fire):.0f}", className="map-count"))
    alarms = [a for a in snapshot.of_kind("alarm").values() if a.get("district") == code]
    active, history = listing.ordered(alarms)
    event_now = judge_now(snapshot, ctx.settings).event_now or time.time()
    now = datetime.fromtimestamp(event_now, ZoneInfo(ctx.pack.timezone))
    figure = history_figure(snapshot.entities.get(f"risk_history:{code}"), risk, fire, now, lang)
    sensors, count = sensor_rows(ctx.pack, snapshot, code, lang)
    return (
        chips,
        figure,
        alarm_table(active + history, ctx.pack, lang, None, clickable=False),
        t(lang, "drill.sensors", n=count),
        sensors,
    )
