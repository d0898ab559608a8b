"""The live city map (``/``): districts coloured by risk, sites coloured by status, ranked lists beside.

Made for the wall first: large type, no interaction needed, and a freshness clock that tells the truth: the
server judges the data (``dashboard.freshness``: stale, rebuilding, broker or consumers down), and the browser
adds what only it can know, that the server itself stopped answering, and says which of the two it is. The
status travels outside Dash's callbacks (``dashboard/clock_status.py``, ``assets/freshness.js``), so a slow
map refresh is never mistaken for old data. Each refresh sends a ``dash.Patch`` with the changed arrays only;
the figure is built once per page load.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import dash
from dash import ALL, Input, Output, Patch, State, callback, clientside_callback, dcc, html
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from consumers.citypack import CityPack, District
from consumers.flood.picture import PICTURE_KEY
from dashboard import map_lookback
from dashboard.alarms import listing as alarm_listing
from dashboard.auth.account_bar import account_bar
from dashboard.clock_status import simulated_badge
from dashboard.context import current
from dashboard.figures import (
    DEFAULT_LAYERS,
    LAYERS,
    LEVEL_COLORS,
    LEVEL_RANK,
    SILENT_COLOR,
    ZOOMED_LAYERS,
    SiteMemo,
    level_label,
    map_figure,
    map_patch,
    sensor_level,
    silence,
)
from dashboard.fire import readiness as ready_words
from dashboard.fire import words as fire_words
from dashboard.fire.chart import timeline_figure
from dashboard.fire.hexes import MIN_ZOOM, HexLayer
from dashboard.fire.layers import INCIDENT_COLORS
from dashboard.fire.readiness import READINESS_COLORS
from dashboard.freshness import Picture, judge_now
from dashboard.grid.chart import line_figure
from dashboard.grid.words import line_reason
from dashboard.i18n import count, language, names_in_order, t
from dashboard.map_refresh import Rendered, Seen, answer
from dashboard.reasons import sensor_reason
from dashboard.rendered import plain
from dashboard.river.chart import gauge_figure
from dashboard.river.panel import drought_confidence, gauge_sentence, river_banner
from dashboard.river.state import RIVER_COLORS
from dashboard.river.words import river_stretches
from dashboard.state_view import StateSnapshot
from dashboard.typography import unbroken_quantities

dash.register_page(__name__, path="/", name="City map", title="City operations · map")

MAX_ALARMS = 10
MAX_INCIDENTS = 5
MAX_FAULTS = 6


def _district_label(district: District, lang: str) -> list[Any]:
    first, second = names_in_order(district.name_en, district.name_zh, lang)
    return [html.B(first), " ", second]


def district_rows(pack: CityPack, snapshot: StateSnapshot, lang: str, now: float | None = None) -> list[html.Div]:
    """Districts ranked by risk; those with no data last, shown as such, a silent one with its age."""
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
        quiet = silence(doc or None, now, lang, pack.timezone)
        rows.append(
            html.Div(
                [
                    html.Span(
                        f"{risk:.0f}" if risk is not None else "–",
                        className="map-risk-value",
                        style={"backgroundColor": SILENT_COLOR if quiet else LEVEL_COLORS[level]},
                    ),
                    html.A(
                        _district_label(district, lang),
                        href=f"/district/{district.code}?lang={lang}",
                        className="map-district-name",
                    ),
                    html.Span(
                        quiet or (_worst_reason(pack, snapshot, doc, lang) if level not in ("ok",) else ""),
                        className="map-district-reason",
                    ),
                ],
                className=f"map-district-row level-{'silent' if quiet else level}",
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


def incident_rows(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[html.Div]:
    """Fire incidents, confirmed first, then suspected, then resolved; each opens its timeline when clicked."""
    incidents = fire_words.ordered(snapshot.of_kind("incident"))
    if not incidents:
        return [html.Div(t(lang, "fire.none"), className="map-alarm-none")]
    rows = []
    for incident in incidents[:MAX_INCIDENTS]:
        state = str(incident.get("state", "suspected"))
        rows.append(
            html.Div(
                [
                    html.Span(
                        t(lang, f"fire.state.{state}"),
                        className="map-alarm-level",
                        style={"backgroundColor": INCIDENT_COLORS.get(state, INCIDENT_COLORS["suspected"])},
                    ),
                    html.Span(html.B(fire_words.place(incident, pack, lang)), className="map-alarm-place"),
                    html.Span(fire_words.lead(incident, lang), className="map-alarm-reason"),
                ],
                className=f"map-alarm-row map-incident-row state-{state}",
                id={"type": "map-incident", "id": str(incident["id"])},
                n_clicks=0,
            )
        )
    if len(incidents) > MAX_INCIDENTS:
        rows.append(html.Div(t(lang, "more", n=len(incidents) - MAX_INCIDENTS), className="map-alarm-more"))
    return rows


def fault_rows(pack: CityPack, snapshot: StateSnapshot, lang: str, now: float | None) -> list[html.Div]:
    """Public buildings whose fire equipment has a fault, the oldest fault first, with its age."""
    faulty = ready_words.faulty_buildings(pack, snapshot)
    if not faulty:
        return [html.Div(t(lang, "ready.none"), className="map-alarm-none")]
    rows = []
    for b, doc in faulty[:MAX_FAULTS]:
        state = ready_words.state_of(doc)
        district = pack.districts[b.district]
        rows.append(
            html.Div(
                [
                    html.Span(
                        ready_words.badge(doc, lang),
                        className="map-alarm-level",
                        style={"backgroundColor": READINESS_COLORS[state]},
                    ),
                    html.Span(
                        [
                            html.B(b.name_zh if lang == "zh" else b.name_en),
                            f" · {district.name_zh if lang == 'zh' else district.name_en}",
                        ],
                        className="map-alarm-place",
                    ),
                    html.Span(
                        ready_words.building_sentence(b, doc, lang, pack.timezone, now, head=False),
                        className="map-alarm-reason",
                    ),
                ],
                className=f"map-alarm-row map-fault-row readiness-{state}",
            )
        )
    if len(faulty) > MAX_FAULTS:
        rows.append(html.Div(t(lang, "more", n=len(faulty) - MAX_FAULTS), className="map-alarm-more"))
    return rows


def summary(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[Any]:
    """Counts an operator scans first. "Silent" is a sensor heard from and then quiet past its limit; one never
    heard from is counted apart, and only while there are any: right after a fresh start every sensor is one
    until its first reading, and calling 790 sensors silent then (an earlier version did) reads as an outage."""
    counts = {"alarm": 0, "warning": 0, "silent": 0}
    not_heard = 0
    for sensor_id in pack.sensors:
        level = sensor_level(snapshot.sensor(sensor_id))
        if level == "no_data":
            not_heard += 1
            continue
        key = "silent" if level == "stale" else level
        if key in counts:
            counts[key] += 1
    # The first chips count sensors and the next counts alarms waiting: unlabelled, "1 alarm" beside "Alarms: 4
    # unacknowledged" (in Chinese the same word twice) read as a contradiction. The label says whose counts they are.
    chips: list[Any] = [html.Span(t(lang, "sensors.label"), id="map-sensors-label", className="map-summary-label")]
    chips += [
        html.Span(count(lang, name, n), className=f"map-count level-{name}" if n else "map-count")
        for name, n in counts.items()
    ]
    if not_heard:
        chips.append(html.Span(t(lang, "not_heard", n=not_heard), id="map-not-heard", className="map-count"))
    waiting = alarm_listing.waiting(snapshot.of_kind("alarm").values())
    worst = next((f" level-{s}" for s in ("alarm", "warning") if waiting[s]), "")
    chips.append(
        html.A(
            f"{t(lang, 'alarms.link')}: {t(lang, 'alarms.waiting', n=sum(waiting.values()))}",
            href=f"/alarms?lang={lang}",
            id="map-alarms-link",
            className=f"map-count map-alarms-link{worst}",
        )
    )
    flood = snapshot.entities.get(PICTURE_KEY)
    if flood is not None:  # a city pack with flood response: its page, with the people to move when there are any
        people = int(((flood.get("totals") or {}).get("city") or {}).get("people") or 0)
        chips.append(
            html.A(
                t(lang, "flood.link", n=f"{people:,}") if people else t(lang, "flood.title"),
                href=f"/flood?lang={lang}",
                id="map-flood-link",
                className="map-count map-alarms-link" + (" level-alarm" if people else ""),
            )
        )
    restoring = [c for c in snapshot.live_consumers(time.time()) if c.get("phase") == "restoring"]
    if restoring:
        done = sum(int(c.get("restore", {}).get("done", 0)) for c in restoring)
        total = sum(int(c.get("restore", {}).get("total", 0)) for c in restoring)
        share = f" {100 * done // total}%" if total else ""
        chips.append(html.Span(f"{t(lang, 'rebuilding')}{share}", className="map-count level-restoring"))
    return chips


def _refresh_stamp(snapshot: StateSnapshot, picture: Picture) -> str:
    """What the side panel shows depends on the view and on which consumers are alive (a member that stops
    reporting must not leave its "rebuilding" chip on the wall): render again when either changes."""
    lost = ",".join(sorted(str(c.get("id")) for c in picture.consumers if c["lost"]))
    return f"{snapshot.version}|{lost}"


def _rendered(snapshot: StateSnapshot, picture: Picture, lang: str) -> Rendered:
    """The refresh's outputs for this view and language, and digests of them: what a browser has seen.

    The view's version moves with every record the worker reads (each consumer's status, every second), most of
    which change nothing on the page; a browser is sent an update only when what it would draw differs. Each
    update patches the map, and a patch that lands while the map eases out of a wheel turn can put the view back
    where the figure says (plotly's map sets its centre and zoom from the layout between the wheel's end and the
    move's end), so a patch that changes nothing is worse than none."""
    ctx = current()
    stamp = _refresh_stamp(snapshot, picture)

    rendered: Rendered = ctx.renders.get(
        ("map-refresh", stamp, lang),
        lambda: rendered_update(ctx.pack, ctx.hexes, snapshot, picture, lang, ctx.site_memo),
    )
    return rendered


def _picture() -> Picture:
    ctx = current()
    return judge_now(ctx.view.snapshot, ctx.settings)


def layout(lang: str | None = None, **_: Any) -> html.Div:
    """The page for one viewer; ``?lang=zh`` shows it in Chinese."""
    ctx = current()
    pack, snapshot = ctx.pack, ctx.view.snapshot
    lang = language(lang, ctx.settings.language)
    picture = _picture()
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
                    html.Div(simulated_badge(picture, lang), id="map-simulated", className="map-simulated"),
                    html.Div(id="map-freshness", className="map-freshness"),
                    account_bar(ctx.settings, lang, "/"),
                ],
                className="map-header map-page-header",
            ),
            html.Div(river_banner(pack, snapshot, lang), id="map-river-banner", className="map-river-banner"),
            map_lookback.banner_slot(),
            html.Main(
                [
                    html.Div(
                        [
                            html.Div(
                                [
                                    html.Div(id="map-detail-status", className="map-detail-status"),
                                    html.Button(t(lang, "close"), id="map-detail-close", className="map-detail-close"),
                                ],
                                className="map-detail-head",
                            ),
                            dcc.Graph(
                                id="map-detail-graph",
                                config={"displayModeBar": False},
                                responsive=True,
                                style={"height": "100%", "width": "100%"},
                            ),
                        ],
                        id="map-detail-panel",
                        className="map-detail-panel",
                        hidden=True,
                    ),
                    dcc.Graph(
                        id="map-graph",
                        figure=map_figure(pack, ctx.hexes, snapshot, lang, picture.event_now),
                        config={"displayModeBar": False, "scrollZoom": True},
                        className="map-graph",
                    ),
                    html.Aside(
                        [
                            html.H2(t(lang, "fire.incidents")),
                            html.Div(incident_rows(pack, snapshot, lang), id="map-incidents", className="map-alarms"),
                            html.H2(t(lang, "ready.title")),
                            html.Div(
                                fault_rows(pack, snapshot, lang, picture.event_now),
                                id="map-faults",
                                className="map-alarms",
                            ),
                            html.H2(t(lang, "active_warnings")),
                            html.Div(alarm_rows(pack, snapshot, lang), id="map-alarms", className="map-alarms"),
                            html.H2(t(lang, "districts_by_risk")),
                            html.Div(
                                district_rows(pack, snapshot, lang, picture.event_now),
                                id="map-districts",
                                className="map-districts",
                            ),
                            map_lookback.control(lang),
                            html.Div(
                                [
                                    html.Span(t(lang, "layers"), className="map-legend-title"),
                                    dcc.Checklist(
                                        id="map-layers",
                                        options=[{"label": t(lang, f"layer.{name}"), "value": name} for name in LAYERS],
                                        value=list(DEFAULT_LAYERS),
                                        inline=True,
                                        persistence=True,
                                        persistence_type="local",
                                        className="map-layer-choice",
                                    ),
                                ],
                                className="map-legend map-layers",
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
                            html.Div(
                                [
                                    html.Span(t(lang, "power_lines"), className="map-legend-title"),
                                    *[
                                        html.Span(
                                            [
                                                html.I(style={"backgroundColor": LEVEL_COLORS[k]}),
                                                t(lang, f"grid.band.{k}"),
                                            ]
                                        )
                                        for k in ("ok", "watch", "warning", "alarm")
                                    ],
                                ],
                                className="map-legend",
                                id="map-legend-lines",
                            ),
                            html.Div(
                                [
                                    html.Span(t(lang, "fire.incidents") + ": ", className="map-legend-title"),
                                    *[
                                        html.Span(
                                            [
                                                html.I(style={"backgroundColor": color}),
                                                t(lang, f"fire.state.{state}").lower(),
                                            ]
                                        )
                                        for state, color in INCIDENT_COLORS.items()
                                    ],
                                    html.Span(t(lang, "fire.cones"), className="map-legend-title"),
                                    html.Span([html.I(className="map-cone-quiet"), t(lang, "fire.cone.quiet")]),
                                    html.Span([html.I(className="map-cone-seeing"), t(lang, "fire.cone.seeing")]),
                                    html.Span([html.I(className="map-alarm-ring"), t(lang, "fire.cone.alarm")]),
                                    html.Span(t(lang, "hex.legend"), className="map-legend-title"),
                                    html.Span([html.I(className="map-hex-scale"), t(lang, "hex.legend_scale")]),
                                ],
                                className="map-legend",
                                id="map-legend-fire",
                            ),
                            html.Div(
                                [
                                    html.Span(t(lang, "ready.legend"), className="map-legend-title"),
                                    *[
                                        html.Span(
                                            [html.I(style={"backgroundColor": color}), t(lang, f"ready.{k}").lower()]
                                        )
                                        for k, color in READINESS_COLORS.items()
                                    ],
                                ],
                                className="map-legend",
                                id="map-legend-buildings",
                            ),
                        ],
                        className="map-side",
                    ),
                ],
                className="map-main",
            ),
            dcc.Interval(id="map-tick", interval=ctx.settings.ui_refresh_ms),
            dcc.Interval(id="map-clock", interval=1000),
            dcc.Store(id="map-seen", data=_rendered(snapshot, picture, lang).seen()),
            dcc.Store(id="map-pull", data=0),
            dcc.Store(id="map-done", data=0),
            dcc.Store(id="map-lang", data=lang),
            dcc.Store(id="map-detail"),
            dcc.Store(id="map-zoomed-in", data=False),
            dcc.Store(id="map-detail-seen"),
            dcc.Store(id="map-detail-tick"),
            *map_lookback.stores(),
        ],
        className="map-page",
    )


@callback(
    Output("map-graph", "figure"),
    Output("map-alarms", "children"),
    Output("map-districts", "children"),
    Output("map-summary", "children"),
    Output("map-river-banner", "children"),
    Output("map-incidents", "children"),
    Output("map-faults", "children"),
    Output("map-seen", "data"),
    Output("map-done", "data"),
    Input("map-pull", "data"),
    State("map-seen", "data"),
    State("map-lang", "data"),
    State("map-lookback-at", "data"),
)
def refresh(pull: int | None, seen: str | None, lang: str | None, looking_back: float | None) -> tuple[Any, ...]:
    """Send what changed since this browser's last refresh; nothing at all when the view did not change. While the
    map looks back at a past moment (``dashboard.map_lookback``) only the header's counts, which are of now.

    The map goes whole when what it draws changed (colours, positions, a shaded area's band), its fine detail
    (hover texts, exact shades) alone at most every ``FINE_EVERY_S`` (``dashboard.map_refresh`` says why).

    Answers every pull (``map-done``), changed or not, so that the browser asks for the next one only then. What a
    view renders to is built once per worker and language (``RenderCache``) and shared by every open map."""
    ctx = current()
    snapshot = ctx.view.snapshot
    lang = language(lang, ctx.settings.language)
    picture = _picture()
    rendered = _rendered(snapshot, picture, lang)
    was = Seen.parse(seen)
    if looking_back is not None:
        if was.lists == rendered.lists_digest:
            return (dash.no_update,) * 8 + (pull,)
        return (dash.no_update,) * 3 + (rendered.lists[2],) + (dash.no_update,) * 4 + (pull,)
    sent = answer(rendered, was, time.time())
    if sent.operations is None and not sent.lists:
        return (dash.no_update,) * 8 + (pull,)
    figure = dash.no_update if sent.operations is None else {**rendered.patch, "operations": sent.operations}
    return (figure, *(rendered.lists if sent.lists else [dash.no_update] * 6), sent.seen.dump(), pull)


def rendered_update(
    pack: CityPack, hexes: HexLayer, snapshot: StateSnapshot, picture: Picture, lang: str, memo: SiteMemo | None = None
) -> Rendered:
    """The changing outputs of a refresh, as the JSON-ready data Dash sends (no component objects left): the map
    patch and the six side panels, with digests of what the map draws, of its fine detail and of the panels
    (``dashboard.map_refresh.Rendered``).
    ``memo``: the worker's ``SiteMemo`` (sites whose documents did not change are not formatted again)."""
    now = picture.event_now
    patch = map_patch(pack, hexes, snapshot, lang, now, memo)
    outputs = [
        patch,
        alarm_rows(pack, snapshot, lang),
        district_rows(pack, snapshot, lang, now),
        summary(pack, snapshot, lang),
        river_banner(pack, snapshot, lang),
        incident_rows(pack, snapshot, lang),
        fault_rows(pack, snapshot, lang, now),
    ]
    # Serialised once here, so that each viewer's answer is a plain dump: walking the component trees was a third
    # of a refresh's cost, paid again for every viewer.
    return Rendered.of(plain(outputs))  # digests of its parts, not of the whole


clientside_callback(
    """
    function(_) {
        const f = window.cityopsFreshness;
        const r = f && f.status;
        if (!r) { return [["…"], "map-freshness waiting", window.dash_clientside.no_update]; }
        const w = r.words;
        const asOf = r.last_data === "—" ? "" : " · " + w["last_data"] + " " + r.last_data;
        const silentFor = (Date.now() - f.receivedMs) / 1000;
        if (silentFor > r.no_answer_after_s) {
            const quiet = r.no_answer_for.replace("{s}", Math.round(silentFor));
            return [[w["status.no_connection"] + " · " + quiet + asOf], "map-freshness stale", r.simulated];
        }
        const age = (r.age_s === null || r.age_s === undefined) ? null : r.age_s + silentFor;
        switch (r.status) {
            case "starting":
                return [[w.waiting], "map-freshness waiting", r.simulated];
            case "restoring":
                const pct = (r.restore_pct === null || r.restore_pct === undefined) ? "" : " " + r.restore_pct + "%";
                return [[w.rebuilding + pct + asOf], "map-freshness restoring", r.simulated];
            case "broker_unreachable":
                const away = w["status.broker_unreachable"] + " " + w.since + " " + r.since;
                return [[away + asOf], "map-freshness stale", r.simulated];
            case "no_consumers":
            case "partitions_unowned":
                return [[w["status." + r.status] + asOf], "map-freshness stale", r.simulated];
        }
        if (age === null) {
            return [[w.stale + " · " + w.no_new_data_since_start + asOf], "map-freshness stale", r.simulated];
        }
        if (r.status === "stale" || age > r.stale_after_s) {
            const quiet = r.no_update_for.replace("{s}", Math.round(age));
            return [[w.stale + " · " + quiet + asOf], "map-freshness stale", r.simulated];
        }
        return [[w.live + " · " + r.last_data], "map-freshness live", r.simulated];
    }
    """,
    Output("map-freshness", "children"),
    Output("map-freshness", "className"),
    Output("map-simulated", "children"),
    Input("map-clock", "n_intervals"),
)


# One refresh at a time: the next pull only once the last one has answered (or after 30 s without an answer).
# Dash drops the answer of a callback that is still running when the same callback is triggered again, so an
# interval faster than a loaded server's answers would have discarded every refresh; a wall would freeze.
clientside_callback(
    """
    function(_, pull, done) {
        const gate = window.cityopsPull || (window.cityopsPull = {sentMs: 0});
        if (done === pull || Date.now() - gate.sentMs > 30000) {
            gate.sentMs = Date.now();
            return (pull || 0) + 1;
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output("map-pull", "data"),
    Input("map-tick", "n_intervals"),
    State("map-pull", "data"),
    State("map-done", "data"),
)


@callback(
    Output("map-graph", "figure", allow_duplicate=True),
    Input("map-layers", "value"),
    Input("map-zoomed-in", "data"),
    Input("map-lookback-at", "data"),
    prevent_initial_call="initial_duplicate",
)
def show_layers(chosen: list[str] | None, zoomed_in: bool | None, looking_back: float | None) -> Patch:
    """Show the layers this browser chose (remembered in its local storage by the checklist), those of
    ``ZOOMED_LAYERS`` only when zoomed in, and only the replayed ones while looking back. Only ``visible`` changes,
    which the refreshes never touch, so the choice holds through every update, as the zoom does (``uirevision``)."""
    shown = set(chosen or ())
    if looking_back is not None:
        shown &= map_lookback.REPLAYED_LAYERS
    patch = Patch()
    for name, traces in LAYERS.items():
        for index in traces:
            patch["data"][index]["visible"] = name in shown and (bool(zoomed_in) or name not in ZOOMED_LAYERS)
    return patch


# Whether the map is zoomed in far enough for the layers that show only then (the hex grid), told to the server only
# when it changes: a wheel turn sends dozens of relayouts.
clientside_callback(
    """
    function(_, known) {
        const gd = document.querySelector("#map-graph .js-plotly-plot");
        const map = gd && gd._fullLayout && gd._fullLayout.map;
        if (!map) { return window.dash_clientside.no_update; }
        const zoomed = map.zoom >= MIN_ZOOM;
        return zoomed === known ? window.dash_clientside.no_update : zoomed;
    }
    """.replace("MIN_ZOOM", json.dumps(MIN_ZOOM)),
    Output("map-zoomed-in", "data"),
    Input("map-graph", "relayoutData"),
    State("map-zoomed-in", "data"),
)


DETAIL_TYPES = ("river.gauge", "grid.line")
"""Sites whose click opens a chart beside the map."""
INCIDENT_PREFIX = "incident:"
"""An open panel of an incident is ``incident:<id>``, its key on the state topic."""


@callback(
    Output("map-detail", "data"),
    Input("map-graph", "clickData"),
    Input("map-detail-close", "n_clicks"),
    prevent_initial_call=True,
)
def select_detail(click: dict[str, Any] | None, _: int | None) -> str | None:
    """A click on a gauge, a line segment or an incident on the map opens its panel; a click on anything else,
    or on Close, closes it."""
    if dash_ctx.triggered_id == "map-detail-close" or not click:
        return None
    site_id = str(click["points"][0].get("customdata", ""))
    if site_id.startswith(INCIDENT_PREFIX):
        return site_id
    spec = current().pack.sensors.get(site_id)
    return site_id if spec is not None and spec.type in DETAIL_TYPES else None


# A click on an incident in the list opens its panel. In the browser: the list is redrawn at every refresh that
# changed it, and a redraw triggers this again (new rows, no click); a server callback triggered again while the
# click's answer was on its way had that answer dropped, and the click was lost.
clientside_callback(
    """
    function(_) {
        const fired = window.dash_clientside.callback_context.triggered;
        if (!fired.length || !fired[0].value) { return window.dash_clientside.no_update; }
        return PREFIX + JSON.parse(fired[0].prop_id.slice(0, fired[0].prop_id.lastIndexOf("."))).id;
    }
    """.replace("PREFIX", json.dumps(INCIDENT_PREFIX)),
    Output("map-detail", "data", allow_duplicate=True),
    Input({"type": "map-incident", "id": ALL}, "n_clicks"),
    prevent_initial_call=True,
)


# The open panel's chart follows the map's refreshes; with no panel open there is nothing to ask the server (that
# request used to follow every changed refresh of every open map: a third of the web tier's requests).
clientside_callback(
    """
    function(seen, detail) { return detail ? seen : window.dash_clientside.no_update; }
    """,
    Output("map-detail-tick", "data"),
    Input("map-seen", "data"),
    State("map-detail", "data"),
)


@callback(
    Output("map-detail-panel", "hidden"),
    Output("map-detail-graph", "figure"),
    Output("map-detail-status", "children"),
    Output("map-detail-seen", "data"),
    Input("map-detail", "data"),
    Input("map-detail-tick", "data"),
    State("map-detail-seen", "data"),
    State("map-lang", "data"),
)
def refresh_detail(sensor_id: str | None, _: str | None, seen: str | None, lang: str | None) -> tuple[Any, ...]:
    """Redraw the open chart only when its sensor itself reported something new."""
    if not sensor_id:
        return True, dash.no_update, dash.no_update, None
    ctx = current()
    lang = language(lang, ctx.settings.language)
    if sensor_id.startswith(INCIDENT_PREFIX):
        return _incident_detail(sensor_id, seen, lang)
    spec = ctx.pack.sensors[sensor_id]
    doc = ctx.view.snapshot.sensor(sensor_id)
    stamp = f"{sensor_id}@{(doc or {}).get('event_time')}@{(doc or {}).get('stale')}@{lang}"
    if dash_ctx.triggered_id == "map-detail-tick" and stamp == seen:
        raise PreventUpdate
    if spec.type == "grid.line":
        level = sensor_level(doc)
        words = line_reason(doc, lang) if doc and doc.get("grid") else t(lang, "grid.no_rating")
        sentence = unbroken_quantities(f"{level_label(level, lang)} · {words}")
        return False, line_figure(spec, doc, ctx.pack.timezone, lang), sentence, stamp
    stretch = river_stretches(ctx.pack, lang).get(sensor_id)
    sentence = unbroken_quantities(gauge_sentence(spec, doc, lang, stretch))
    confidence = drought_confidence(doc, lang)
    status: Any = sentence if confidence is None else [html.Div(sentence), confidence]
    return False, gauge_figure(spec, doc, ctx.pack.timezone, lang), status, stamp


def _incident_detail(key: str, seen: str | None, lang: str) -> tuple[Any, ...]:
    """An incident's timeline and sentence, with what the callers said (as text: React escapes it)."""
    ctx = current()
    doc = ctx.view.snapshot.entities.get(key)
    if doc is None:  # forgotten since (six hours after it was resolved)
        return True, dash.no_update, dash.no_update, None
    stamp = f"{key}@{doc.get('event_time')}@{doc.get('state')}@{len(doc.get('calls') or ())}@{lang}"
    if dash_ctx.triggered_id == "map-detail-tick" and stamp == seen:
        raise PreventUpdate
    said = [
        html.Div(
            [
                html.Span(
                    f"{fire_words.local_time(str(c['t']), ctx.pack.timezone)} {c['id']} · {t(lang, 'fire.said')}: "
                ),
                str(c.get("text") or "—"),
            ],
            className="map-incident-call",
        )
        for c in (doc.get("calls") or [])[:5]
    ]
    status = [html.Div(fire_words.sentence(doc, ctx.pack, lang)), *said]
    return False, timeline_figure(doc, ctx.pack.timezone, lang), status, stamp
