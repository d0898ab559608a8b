"""The alarm list (``/alarms``): what waits for a person, acted on here, the same on every screen.

Every alarm comes from ``city.alarms`` (the web worker's view of it); an action is written to ``city.actions``
(``dashboard.alarms.sink``) and shows here when the consumer that owns the alarm has applied it and published it
again, on this worker and every other within a second or two. So the page never tells an operator "done" on its
own word: it says "sent", then "done" or "refused, because …" as the alarm's trail says.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import dash
import flask
from dash import ALL, Input, Output, State, callback, dcc, html
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from consumers.alarms.actions import MAX_COMMENT_CHARS, Action, new_action_id
from consumers.citypack import CityPack
from consumers.transport.base import TransportError
from dashboard.alarms import listing
from dashboard.alarms import words as alarm_words
from dashboard.alarms.operator import acting_operator
from dashboard.alarms.table import alarm_table, district_name, severity_badge, when
from dashboard.auth.account_bar import account_bar
from dashboard.context import current
from dashboard.i18n import count, language, names_in_order, t
from dashboard.state_view import StateSnapshot

dash.register_page(__name__, path="/alarms", name="Alarms", title="City operations · alarms")

ANSWER_WAIT_S = 10.0
"""An action the consumers have not answered for this long is said to be waiting on the topic."""
SHELVE_MINUTES = (15, 60, 480)
MAX_HISTORY_ROWS = 200


def layout(lang: str | None = None, alarm: str | None = None, **_: Any) -> html.Div:
    """The list for one viewer; ``?alarm=<id>`` opens that alarm (the links of the district and sensor pages)."""
    ctx = current()
    lang = language(lang, ctx.settings.language)
    pack = ctx.pack
    operator = acting_operator()
    mode = (
        t(lang, "alarms.can_act", name=operator.user, role=t(lang, f"role.{operator.role}"))
        if operator
        else t(lang, "alarms.read_only")
    )  # the header shows two lines of it at most; the whole on hover
    districts = [
        {"label": " ".join(names_in_order(d.name_en, d.name_zh, lang)), "value": code}
        for code, d in pack.districts.items()
    ]
    return html.Div(
        [
            html.Header(
                [
                    html.A(t(lang, "alarms.back"), href=f"/?lang={lang}", className="alarms-back"),
                    html.Span(t(lang, "alarms.title"), className="map-title"),
                    html.Div(waiting_chips(ctx.view.snapshot, lang), id="alarms-waiting", className="map-summary"),
                    html.Span(mode, className="alarms-mode", id="alarms-mode", title=mode),
                    account_bar(ctx.settings, lang, "/alarms"),
                ],
                className="map-header alarms-header",
            ),
            html.Div(
                [
                    html.Label(t(lang, "alarms.filter.domain"), className="alarms-filter-label"),
                    dcc.Checklist(
                        id="alarms-domain",
                        options=[{"label": t(lang, f"alarms.domain.{d}"), "value": d} for d in listing.DOMAINS],
                        value=[],
                        inline=True,
                        className="alarms-filter",
                    ),
                    html.Label(t(lang, "alarms.filter.state"), className="alarms-filter-label"),
                    dcc.Checklist(
                        id="alarms-state",
                        options=[{"label": t(lang, f"alarms.state.{s}"), "value": s} for s in listing.STATES],
                        value=[],
                        inline=True,
                        className="alarms-filter",
                    ),
                    html.Label(t(lang, "alarms.filter.district"), className="alarms-filter-label"),
                    dcc.Dropdown(
                        id="alarms-district",
                        options=districts,
                        value=[],
                        multi=True,
                        placeholder=t(lang, "alarms.filter.all_districts"),
                        className="alarms-district",
                    ),
                    html.Span(
                        [
                            t(lang, "alarms.export"),
                            " ",
                            html.A(t(lang, "alarms.export.alarms"), href="/api/v1/alarms.csv", id="alarms-csv"),
                            " · ",
                            html.A(
                                t(lang, "alarms.export.trail"), href="/api/v1/alarms/trail.csv", id="alarms-trail-csv"
                            ),
                            " · ",
                            html.A(
                                t(lang, "alarms.report"), href=f"/api/v1/report.html?lang={lang}", id="alarms-report"
                            ),
                        ],
                        className="alarms-export",
                    ),
                ],
                className="alarms-filters",
            ),
            html.Main(
                [
                    html.Section(
                        [
                            html.H2(t(lang, "alarms.active")),
                            html.Div(id="alarms-active"),
                            html.H2(t(lang, "alarms.history")),
                            html.Div(id="alarms-history"),
                        ],
                        className="alarms-lists",
                    ),
                    html.Aside(
                        [
                            html.Div(t(lang, "alarms.pick"), id="alarms-detail", className="alarms-detail"),
                            html.Div(
                                [
                                    html.Label(t(lang, "alarms.comment"), htmlFor="alarms-comment"),
                                    dcc.Textarea(
                                        id="alarms-comment",
                                        placeholder=t(lang, "alarms.comment_hint"),
                                        maxLength=MAX_COMMENT_CHARS,
                                        className="alarms-comment",
                                    ),
                                    html.Div(
                                        [
                                            html.Button(t(lang, "alarms.ack"), id="alarms-ack", className="alarms-act"),
                                            html.Button(
                                                t(lang, "alarms.shelve"), id="alarms-shelve", className="alarms-act"
                                            ),
                                            dcc.Dropdown(
                                                id="alarms-shelve-for",
                                                options=[
                                                    {"label": t(lang, f"alarms.minutes.{m}"), "value": m}
                                                    for m in SHELVE_MINUTES
                                                ],
                                                value=60,
                                                clearable=False,
                                                searchable=False,
                                                className="alarms-shelve-for",
                                            ),
                                            html.Button(
                                                t(lang, "alarms.unshelve"), id="alarms-unshelve", className="alarms-act"
                                            ),
                                            html.Button(
                                                t(lang, "alarms.add_comment"),
                                                id="alarms-add-comment",
                                                className="alarms-act",
                                            ),
                                        ],
                                        className="alarms-buttons",
                                    ),
                                    html.Div(id="alarms-result", className="alarms-result", role="status"),
                                ],
                                id="alarms-controls",
                                className="alarms-controls",
                                hidden=True,
                            ),
                        ],
                        className="alarms-side",
                    ),
                ],
                className="alarms-main",
            ),
            dcc.Store(id="alarms-lang", data=lang),
            dcc.Store(id="alarms-selected", data=alarm if isinstance(alarm, str) else None),
            dcc.Store(id="alarms-pending"),
            dcc.Store(id="alarms-stamp"),
            dcc.Interval(id="alarms-tick", interval=ctx.settings.ui_refresh_ms),
        ],
        className="alarms-page",
    )


def waiting_chips(snapshot: StateSnapshot, lang: str) -> list[Any]:
    """The header count: active alarms nobody has acknowledged, by severity (on every page)."""
    counts = listing.waiting(snapshot.of_kind("alarm").values())
    if not any(counts.values()):
        return [html.Span(t(lang, "alarms.none_waiting"), className="map-count")]
    return [
        html.Span(count(lang, severity, n), className=f"map-count level-{severity}")
        for severity, n in counts.items()
        if n
    ] + [html.Span(t(lang, "alarms.waiting", n=sum(counts.values())), className="alarms-waiting-words")]


def alarm_detail(alarm: Mapping[str, Any] | None, pack: CityPack, lang: str) -> Any:
    if alarm is None:
        return t(lang, "alarms.pick")
    severity = str(alarm.get("severity"))
    facts: list[Any] = [
        severity_badge(severity, t(lang, f"level.{severity}")),
        " ",
        html.B(alarm_words.subject(alarm, pack, lang)),
        f" · {district_name(pack, alarm.get('district'), lang)} · {alarm['id']}",
    ]
    kind, _, entity_id = str(alarm.get("entity", "")).partition(":")
    lang_q = f"?lang={lang}"
    links: list[Any] = [html.A(t(lang, "drill.district_page"), href=f"/district/{alarm.get('district')}{lang_q}")]
    if kind == "sensor":
        links += [" · ", html.A(t(lang, "drill.sensor_page"), href=f"/sensor/{entity_id}{lang_q}")]
    lines: list[Any] = [
        html.Div(facts, className="alarms-detail-head"),
        html.Div(links, className="alarms-detail-links"),
    ]
    lines.append(html.Div(alarm_words.reason(alarm, lang), className="alarms-detail-reason"))
    notes = [t(lang, f"alarms.state.{listing.state_of(alarm)}")]
    if alarm.get("peak") and alarm.get("peak") != severity:
        notes.append(t(lang, "alarms.peak", level=t(lang, f"level.{alarm['peak']}")))
    if alarm.get("previous"):
        notes.append(t(lang, "alarms.occurrence", n=alarm.get("occurrence"), previous=alarm["previous"]))
    ack = alarm.get("ack")
    if ack:
        notes.append(t(lang, "alarms.acked", by=ack.get("by"), at=when(ack.get("at"), pack, lang)))
    if alarm.get("shelved_until"):
        notes.append(
            t(lang, "alarms.shelved_until", by=alarm.get("shelved_by"), at=when(alarm["shelved_until"], pack, lang))
        )
    lines.append(html.Div(" · ".join(notes), className="alarms-detail-notes"))
    lines.append(html.H3(t(lang, "alarms.trail")))
    trail = list(alarm.get("trail") or [])
    lines.append(
        html.Ol(
            [
                html.Li(
                    [
                        html.Span(when(e.get("at"), pack, lang), className="alarms-trail-at"),
                        html.Span(str(e.get("by")), className="alarms-trail-by"),
                        html.Span(alarm_words.trail_entry(e, lang)),
                    ],
                    className=f"alarms-trail-{e.get('what')}",
                )
                for e in reversed(trail)
            ],
            className="alarms-trail",
        )
    )
    return lines


def render_stamp(alarms: Mapping[str, Mapping[str, Any]], *choices: object) -> str:
    """What the page shows depends on: each alarm's last change (the consumers republish an alarm only when its
    lifecycle moves), the filters, the selection and the language. Drawn again only when that changes: rows
    replaced every second lose the click that lands as they are replaced."""
    changes = sorted((i, str(a.get("updated")), len(a.get("trail") or ())) for i, a in alarms.items())
    return hashlib.sha1(repr((changes, choices)).encode(), usedforsecurity=False).hexdigest()


@callback(
    Output("alarms-active", "children"),
    Output("alarms-history", "children"),
    Output("alarms-waiting", "children"),
    Output("alarms-detail", "children"),
    Output("alarms-controls", "hidden"),
    Output("alarms-stamp", "data"),
    Input("alarms-tick", "n_intervals"),
    Input("alarms-domain", "value"),
    Input("alarms-district", "value"),
    Input("alarms-state", "value"),
    Input("alarms-selected", "data"),
    State("alarms-lang", "data"),
    State("alarms-stamp", "data"),
)
def refresh(
    _: int | None,
    domains: list[str] | None,
    districts: list[str] | None,
    states: list[str] | None,
    selected: str | None,
    lang: str | None,
    drawn: str | None,
) -> tuple[Any, Any, Any, Any, bool, str]:
    ctx = current()
    lang = language(lang, ctx.settings.language)
    pack, snapshot = ctx.pack, ctx.view.snapshot
    everything = snapshot.of_kind("alarm")
    stamp = render_stamp(everything, domains, districts, states, selected, lang)
    if stamp == drawn:
        raise PreventUpdate
    shown = [a for a in everything.values() if listing.matches(a, domains, districts, states)]
    active, history = listing.ordered(shown)
    chosen = everything.get(selected) if selected else None
    return (
        alarm_table(active, pack, lang, selected),
        alarm_table(history[:MAX_HISTORY_ROWS], pack, lang, selected, history=True),
        waiting_chips(snapshot, lang),
        alarm_detail(chosen, pack, lang),
        chosen is None or acting_operator() is None,
        stamp,
    )


@callback(
    Output("alarms-selected", "data"),
    Input({"type": "alarms-row", "alarm": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def select(clicks: list[int | None]) -> str:
    """A row clicked opens its alarm. The rows are drawn again when an alarm changes, which fires this with no
    click."""
    triggered = dash_ctx.triggered_id
    if not isinstance(triggered, Mapping) or not any(clicks) or not dash_ctx.triggered[0].get("value"):
        raise PreventUpdate
    return str(triggered["alarm"])


def precheck(kind: str, alarm: Mapping[str, Any] | None, comment: str, lang: str) -> str | None:
    """What this worker's view already says will be refused, said at once (the consumer checks it again)."""
    if alarm is None:
        return t(lang, "alarms.unknown")
    if len(comment) > MAX_COMMENT_CHARS:
        return t(lang, "alarms.comment_too_long", n=len(comment))
    if kind == "comment":
        return None if comment.strip() else t(lang, "alarms.comment_needed")
    if alarm.get("state") != "active":
        return t(lang, "alarms.is_cleared")
    if kind == "ack" and alarm.get("ack"):
        return t(lang, "alarms.already_acked", by=alarm["ack"].get("by"))
    if kind == "unshelve" and not alarm.get("shelved_until"):
        return t(lang, "alarms.not_shelved")
    return None


BUTTONS = {
    "alarms-ack": "ack",
    "alarms-shelve": "shelve",
    "alarms-unshelve": "unshelve",
    "alarms-add-comment": "comment",
}


@callback(
    Output("alarms-pending", "data"),
    Output("alarms-result", "children"),
    Output("alarms-comment", "value"),
    Input("alarms-ack", "n_clicks"),
    Input("alarms-shelve", "n_clicks"),
    Input("alarms-unshelve", "n_clicks"),
    Input("alarms-add-comment", "n_clicks"),
    State("alarms-selected", "data"),
    State("alarms-comment", "value"),
    State("alarms-shelve-for", "value"),
    State("alarms-lang", "data"),
    prevent_initial_call=True,
)
def act(
    _ack: int | None,
    _shelve: int | None,
    _unshelve: int | None,
    _comment: int | None,
    selected: str | None,
    comment: str | None,
    shelve_minutes: int | None,
    lang: str | None,
) -> tuple[Any, Any, Any]:
    ctx = current()
    lang = language(lang, ctx.settings.language)
    kind = BUTTONS.get(str(dash_ctx.triggered_id))
    operator = acting_operator()
    if kind is None or not selected or operator is None:
        raise PreventUpdate
    comment = comment or ""
    alarm = ctx.view.snapshot.entities.get(f"alarm:{selected}")
    refusal = precheck(kind, alarm, comment, lang)
    if refusal is not None:
        return None, html.Span(refusal, className="alarms-refused"), dash.no_update
    action = Action(
        kind=kind,
        alarm=selected,
        id=new_action_id(),
        user=operator.user,
        role=operator.role,
        source=f"{flask.request.remote_addr} web-{os.getpid()}",
        sent_at=datetime.now(UTC).isoformat(),
        comment=comment.strip(),
        shelve_s=60.0 * float(shelve_minutes or 60) if kind == "shelve" else 0.0,
    )
    try:
        ctx.actions.send(action)
    except TransportError as exc:
        return (
            None,
            html.Span(t(lang, "alarms.send_failed", error=str(exc)[:200]), className="alarms-refused"),
            dash.no_update,
        )
    pending = {"id": action.id, "alarm": selected, "sent_wall": time.time()}
    return pending, html.Span(t(lang, "alarms.sending"), className="alarms-sending"), ""


@callback(
    Output("alarms-result", "children", allow_duplicate=True),
    Output("alarms-pending", "data", allow_duplicate=True),
    Input("alarms-tick", "n_intervals"),
    State("alarms-pending", "data"),
    State("alarms-lang", "data"),
    prevent_initial_call=True,
)
def follow(_: int | None, pending: Mapping[str, Any] | None, lang: str | None) -> tuple[Any, Any]:
    """Say what became of the action sent, as soon as the alarm's trail says it."""
    if not pending:
        raise PreventUpdate
    ctx = current()
    lang = language(lang, ctx.settings.language)
    alarm = ctx.view.snapshot.entities.get(f"alarm:{pending['alarm']}")
    result = listing.outcome(alarm, str(pending["id"]))
    if result is None:
        waited = time.time() - float(pending.get("sent_wall") or 0)
        if waited < ANSWER_WAIT_S:
            raise PreventUpdate
        return html.Span(t(lang, "alarms.no_answer", s=int(ANSWER_WAIT_S)), className="alarms-refused"), None
    verdict, text = result
    if verdict == "refused":
        return html.Span(t(lang, "alarms.refused", why=text), className="alarms-refused"), None
    return html.Span(t(lang, "alarms.applied", what=t(lang, f"alarms.trail.{text}")), className="alarms-applied"), None
