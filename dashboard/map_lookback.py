"""The map's time control: pick a five-minute step of the last 24 hours and the map shows the city then; "now"
returns to live. What is shown for a past moment, and why it reaches 24 hours: ``dashboard.lookback``.

While the map looks back, the live refresh sends nothing (``dashboard.pages.map.refresh`` reads
``map-lookback-at``), the layers that cannot be replayed are hidden (``REPLAYED_LAYERS``), and a banner across the
map says which moment it shows. Returning to live clears ``map-seen``, so the next refresh sends the whole present.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import dash
from dash import Input, Output, Patch, State, callback, clientside_callback, dcc, html
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate
from plotly.io.json import to_json_plotly

from consumers.citypack import CityPack
from consumers.clock import epoch_iso
from consumers.district_history import STEP_S
from consumers.rules import level_for
from dashboard.alarms import words as alarm_words
from dashboard.alarms.table import district_name, severity_badge, when
from dashboard.context import current
from dashboard.figures import LEVEL_COLORS, TRACE_FIRE_RISK, TRACE_RISK, TRACE_SILENT
from dashboard.freshness import judge_now
from dashboard.i18n import language, names_in_order, t
from dashboard.lookback import MAX_STEPS_BACK, alarms_at, districts_at, moment
from dashboard.state_view import StateSnapshot

REPLAYED_LAYERS = frozenset({"districts", "fire_risk"})
"""The layers a past moment can be drawn for; the others are hidden while the map looks back."""
MAX_ROWS = 12
HOURS_MARKED = (24, 18, 12, 6, 3)


def control(lang: str) -> html.Div:
    """The slider (steps back from now; 0 is live) and the button back to now."""
    marks: dict[int, str] = {-int(h * 3600 / STEP_S): f"−{h} h" for h in HOURS_MARKED}
    marks[0] = t(lang, "lookback.now")
    return html.Div(
        [
            html.H2(t(lang, "lookback.title")),
            dcc.Slider(
                id="map-lookback",
                min=-MAX_STEPS_BACK,
                max=0,
                step=1,
                value=0,
                marks=marks,
                included=False,
                updatemode="mouseup",
                allow_direct_input=False,  # a box of "steps back" numbers says nothing; the banner says the time
                className="map-lookback-slider",
            ),
            html.Button(t(lang, "lookback.back_to_live"), id="map-lookback-now", className="map-lookback-now"),
        ],
        className="map-lookback",
    )


def stores() -> list[Any]:
    return [dcc.Store(id="map-lookback-at"), dcc.Store(id="map-lookback-redraw")]


def banner_slot() -> html.Div:
    return html.Div(id="map-lookback-banner", className="map-lookback-banner")


def _clock(at: float, pack: CityPack, lang: str) -> str:
    return when(epoch_iso(at), pack, lang)


def ago(minutes: int, lang: str) -> str:
    if minutes < 60:
        return t(lang, "lookback.ago_min", m=minutes)
    return t(lang, "lookback.ago", h=minutes // 60, m=minutes % 60)


def banner(at: float, event_now: float | None, pack: CityPack, lang: str) -> list[Any]:
    ago_min = None if event_now is None else round((event_now - at) / 60)
    return [
        html.Span(t(lang, "lookback.badge"), className="map-lookback-badge"),
        html.Span(
            t(lang, "lookback.showing", start=_clock(at, pack, lang), end=_clock(at + STEP_S, pack, lang)[-5:])
            + ("" if ago_min is None else " · " + ago(ago_min, lang)),
            className="map-lookback-when",
        ),
        html.Span(t(lang, "lookback.what"), className="map-lookback-what"),
    ]


def district_rows_then(pack: CityPack, snapshot: StateSnapshot, at: float, lang: str) -> list[html.Div]:
    then = sorted(districts_at(pack, snapshot, at), key=lambda d: -1.0 if d.risk is None else d.risk, reverse=True)
    rows = []
    for d in then:
        district = pack.districts[d.code]
        level = "no_data" if d.risk is None else level_for(d.risk)
        first, second = names_in_order(district.name_en, district.name_zh, lang)
        rows.append(
            html.Div(
                [
                    html.Span(
                        "–" if d.risk is None else f"{d.risk:.0f}",
                        className="map-risk-value",
                        style={"backgroundColor": LEVEL_COLORS[level]},
                    ),
                    html.A(
                        [html.B(first), " ", second],
                        href=f"/district/{d.code}?lang={lang}",
                        className="map-district-name",
                    ),
                    html.Span(t(lang, "lookback.no_record") if d.risk is None else "", className="map-district-reason"),
                ],
                className=f"map-district-row level-{level}",
            )
        )
    return rows


def alarm_rows_then(pack: CityPack, alarms: Mapping[str, Mapping[str, Any]], at: float, lang: str) -> list[Any]:
    then = alarms_at(alarms.values(), at)
    if not then:
        return [html.Div(t(lang, "lookback.no_alarms"), className="map-alarm-none")]
    rows: list[Any] = []
    for severity, alarm in then[:MAX_ROWS]:
        rows.append(
            html.A(
                [
                    severity_badge(severity, t(lang, f"badge.{severity}")),
                    html.Span(
                        [
                            html.B(alarm_words.subject(alarm, pack, lang)),
                            f" · {district_name(pack, alarm.get('district'), lang)}",
                        ],
                        className="map-alarm-place",
                    ),
                    html.Span(alarm_words.reason(alarm, lang), className="map-alarm-reason"),
                ],
                href=f"/alarms?alarm={alarm['id']}&lang={lang}",
                className=f"map-alarm-row level-{severity}",
            )
        )
    if len(then) > MAX_ROWS:
        rows.append(html.Div(t(lang, "more", n=len(then) - MAX_ROWS), className="map-alarm-more"))
    return rows


def past_patch(pack: CityPack, snapshot: StateSnapshot, at: float, lang: str) -> Patch:
    """The district colourings as they were; no silent-district grey (silence is not kept per moment)."""
    then = districts_at(pack, snapshot, at)
    hover = []
    for d in then:
        name = f"<b>{district_name(pack, d.code, lang)}</b>"
        if d.risk is None:
            hover.append(f"{name}<br>{t(lang, 'lookback.no_record')}")
        else:
            hover.append(f"{name}<br>{t(lang, 'lookback.worst', risk=round(d.risk), start=_clock(at, pack, lang))}")
    patch = Patch()
    patch["data"][TRACE_SILENT]["z"] = [None] * len(then)
    patch["data"][TRACE_RISK]["z"] = [d.risk for d in then]
    patch["data"][TRACE_RISK]["hovertext"] = hover
    patch["data"][TRACE_FIRE_RISK]["z"] = [d.fire or None for d in then]
    patch["data"][TRACE_FIRE_RISK]["hovertext"] = hover
    return patch


@callback(
    Output("map-lookback-at", "data"),
    Output("map-lookback", "value"),
    Input("map-lookback", "value"),
    Input("map-lookback-now", "n_clicks"),
    prevent_initial_call=True,
)
def choose_moment(steps: int | None, _: int | None) -> tuple[Any, Any]:
    """The slider's steps back become a fixed moment (event time moves on; the moment looked at does not)."""
    if dash_ctx.triggered_id == "map-lookback-now" or not steps:
        return None, 0
    ctx = current()
    picture = judge_now(ctx.view.snapshot, ctx.settings)
    if picture.event_now is None:
        return None, 0  # no data yet: nothing to look back at
    return moment(picture.event_now, -int(steps)), dash.no_update


# A live refresh that was already on its way when the moment was chosen lands after it: the moment is drawn again.
# Decided in the browser, so that the live map's every change does not cost a request that does nothing.
clientside_callback(
    """
    function(seen, at) { return at === null || at === undefined ? window.dash_clientside.no_update : seen; }
    """,
    Output("map-lookback-redraw", "data"),
    Input("map-seen", "data"),
    State("map-lookback-at", "data"),
    prevent_initial_call=True,
)


@callback(
    Output("map-graph", "figure", allow_duplicate=True),
    Output("map-alarms", "children", allow_duplicate=True),
    Output("map-districts", "children", allow_duplicate=True),
    Output("map-incidents", "children", allow_duplicate=True),
    Output("map-faults", "children", allow_duplicate=True),
    Output("map-lookback-banner", "children"),
    Output("map-seen", "data", allow_duplicate=True),
    Input("map-lookback-at", "data"),
    Input("map-lookback-redraw", "data"),
    State("map-lang", "data"),
    prevent_initial_call=True,
)
def show_moment(at: float | None, _redraw: str | None, lang: str | None) -> tuple[Any, ...]:
    """Draw the moment; back at live, clear ``map-seen`` so that the next refresh redraws everything."""
    if at is None:
        if dash_ctx.triggered_id == "map-lookback-redraw":
            raise PreventUpdate
        return (dash.no_update,) * 5 + ([], None)
    ctx = current()
    lang = language(lang, ctx.settings.language)
    pack, snapshot = ctx.pack, ctx.view.snapshot
    picture = judge_now(snapshot, ctx.settings)
    not_kept = [html.Div(t(lang, "lookback.not_kept"), className="map-alarm-none")]
    panels = [
        alarm_rows_then(pack, snapshot.of_kind("alarm"), float(at), lang),
        district_rows_then(pack, snapshot, float(at), lang),
        not_kept,
        not_kept,
        banner(float(at), picture.event_now, pack, lang),
    ]
    return (past_patch(pack, snapshot, float(at), lang), *json.loads(to_json_plotly(panels)), dash.no_update)
