"""The exhibition guide's console (``/demo``) and the visitors' screen (``/demo?visitor=1``).

The console is for the guide, on a second screen or a corner of the laptop: the scenarios (flood, drought, fire,
heat wave, calm: files of the city pack, ``simulator.scenarios``), start, pause, reset, speed, a jump to the key
moment, the loop, where the show is, and the guide's notes, what to point at now and next. The visitors' screen
is the wall (``dashboard.pages.wall``) with the scenario's title over it and no controls: it plays whatever the
console runs, and opening it turns the show's loop on, so an unattended stand keeps playing. Without the loop a
show plays on past its end (the city goes on; its incidents are over), as the embedded default always did.

The director (``simulator.show.ShowDirector``) exists on the embedded default only: against a Kafka cluster the
simulator is a process of its own, and this page says so instead of offering controls that would do nothing.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, dcc, html
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from dashboard.auth.account_bar import language_switch
from dashboard.context import current
from dashboard.i18n import language, t
from dashboard.wall.screen import screen
from simulator.scenarios import Scenario
from simulator.show import ShowDirector, ShowStatus

dash.register_page(__name__, path="/demo", name="Demo", title="City operations · demo")

SPEEDS = (1, 10, 60, 120, 300, 600)


def _text(texts: Any, lang: str) -> str:
    """A scenario's text in ``lang``, else English (a guide's own scenario may have only that)."""
    return str(texts.get(lang) or texts.get("en") or "")


def clock(seconds: float) -> str:
    """Show time as h:mm:ss (a dry week is 168 hours: days are not needed to say where the show is)."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def notes_html(scenario: Scenario, elapsed_s: float, lang: str) -> list[Any]:
    """Every note of the scenario with its time; the one for now marked, the next one marked as next."""
    now_i = max((i for i, n in enumerate(scenario.notes) if n.at_s <= elapsed_s), default=None)
    next_i = 0 if now_i is None else now_i + 1
    rows = []
    for i, note in enumerate(scenario.notes):
        state = "now" if i == now_i else "next" if i == next_i else ""
        rows.append(
            html.Li(
                [html.Span(clock(note.at_s), className="demo-note-at"), html.Span(_text(note.text, lang))],
                className=f"demo-note {state}".strip(),
                id={"type": "demo-note", "i": i},
            )
        )
    return rows


def status_html(status: ShowStatus, scenario: Scenario, lang: str, tz: str) -> list[Any]:
    """Where the show is: its scenario, playing or paused, time into it, the key moment, the simulated clock."""
    share = min(1.0, status.elapsed_s / status.length_s) if status.length_s else 0.0
    key_share = min(1.0, status.key_moment_s / status.length_s) if status.length_s else 0.0
    state = t(lang, "demo.catching_up") if status.catching_up else t(lang, f"demo.state.{status.state}")
    return [
        html.Div(_text(scenario.title, lang), className="demo-scenario-title", id="demo-scenario-title"),
        html.Div(
            [
                html.Span(state, id="demo-state", className=f"demo-state {status.state}"),
                html.Span(f"{clock(status.elapsed_s)} / {clock(status.length_s)}", id="demo-elapsed"),
                html.Span(t(lang, "demo.speed_now", speed=f"{status.speed:g}"), id="demo-speed-now"),
                html.Span(t(lang, "demo.loop_on") if status.loop else "", id="demo-loop-now"),
            ],
            className="demo-status-line",
        ),
        html.Div(
            [
                html.Div(className="demo-progress-done", style={"width": f"{100 * share:.1f}%"}),
                html.Div(
                    className="demo-progress-key",
                    style={"left": f"{100 * key_share:.1f}%"},
                    title=t(lang, "demo.key_moment_at", at=clock(status.key_moment_s)),
                ),
            ],
            className="demo-progress",
            id="demo-progress",
        ),
        html.Div(
            t(lang, "demo.key_moment_at", at=clock(status.key_moment_s)),
            className="demo-key-at",
        ),
    ]


def _director() -> ShowDirector | None:
    return current().show


def layout(lang: str | None = None, visitor: str | None = None, **args: Any) -> html.Div:
    """The console, or with ``?visitor=1`` the visitors' screen."""
    ctx = current()
    lang = language(lang, ctx.settings.language)
    director = _director()
    if visitor and visitor not in ("0", "no", "false"):
        return _visitor(lang, director, args)
    head = html.Header(
        [
            html.Span(t(lang, "demo.title"), className="map-title"),
            language_switch(lang, "/demo"),
        ],
        className="map-header demo-header",
    )
    if director is None:
        return html.Div(
            [head, html.P(t(lang, "demo.no_director"), id="demo-no-director", className="demo-no-director")],
            className="demo-page",
        )
    status = director.status()
    scenario = next(s for s in director.scenarios() if s.id == status.scenario)
    return html.Div(
        [
            head,
            html.Main(
                [
                    html.Section(
                        [
                            html.H2(t(lang, "demo.scenarios")),
                            *[
                                html.Button(
                                    [html.B(_text(s.title, lang)), html.Span(_text(s.summary, lang))],
                                    id={"type": "demo-scenario", "id": s.id},
                                    className=f"demo-scenario demo-scenario-{s.id}"
                                    + (" current" if s.id == status.scenario else ""),
                                    n_clicks=0,
                                )
                                for s in director.scenarios()
                            ],
                        ],
                        className="demo-scenarios",
                    ),
                    html.Section(
                        [
                            html.Div(status_html(status, scenario, lang, ctx.pack.timezone), id="demo-status"),
                            html.Div(
                                [
                                    html.Button(t(lang, "demo.play"), id="demo-play", n_clicks=0),
                                    html.Button(t(lang, "demo.pause"), id="demo-pause", n_clicks=0),
                                    html.Button(t(lang, "demo.reset"), id="demo-reset", n_clicks=0),
                                    html.Button(t(lang, "demo.jump"), id="demo-jump", n_clicks=0),
                                ],
                                className="demo-controls",
                            ),
                            html.Div(
                                [
                                    html.Div(
                                        [
                                            html.Span(t(lang, "demo.speed")),
                                            dcc.RadioItems(
                                                id="demo-speed",
                                                options=[{"label": f"{s}×", "value": s} for s in SPEEDS],
                                                value=status.speed if status.speed in SPEEDS else None,
                                                inline=True,
                                                className="demo-speed",
                                            ),
                                        ],
                                        className="demo-speed-label",
                                    ),
                                    dcc.Checklist(
                                        id="demo-loop",
                                        options=[{"label": t(lang, "demo.loop"), "value": "loop"}],
                                        value=["loop"] if status.loop else [],
                                        className="demo-loop",
                                    ),
                                ],
                                className="demo-controls demo-settings",
                            ),
                            html.Div(id="demo-result", className="demo-result", role="status"),
                            html.H2(t(lang, "demo.notes")),
                            html.Ol(
                                notes_html(scenario, status.elapsed_s, lang), id="demo-notes", className="demo-notes"
                            ),
                            html.Div(
                                [
                                    html.A(
                                        t(lang, "demo.visitor_link"),
                                        href=f"/demo?visitor=1&lang={lang}",
                                        id="demo-visitor-link",
                                        target="_blank",
                                    ),
                                    html.A(
                                        t(lang, "demo.wall_link"),
                                        href=f"/wall?lang={lang}",
                                        id="demo-wall-link",
                                        target="_blank",
                                    ),
                                ],
                                className="demo-links",
                            ),
                        ],
                        className="demo-console",
                    ),
                ],
                className="demo-main",
            ),
            dcc.Interval(id="demo-tick", interval=1000),
            dcc.Store(id="demo-lang", data=lang),
        ],
        className="demo-page",
    )


def _visitor(lang: str, director: ShowDirector | None, args: dict[str, Any]) -> html.Div:
    """The wall's picture for visitors, with the running scenario's title and summary over it, no controls."""
    if director is not None:
        director.set_loop(True)  # the visitors' screen runs the show on a loop (the console can turn it off again)
    banner = html.Div(visitor_title(director, lang), id="demo-visitor-title", className="wall-banner")
    return screen(lang, {k: str(v) for k, v in args.items()}, banner=banner)


def visitor_title(director: ShowDirector | None, lang: str) -> list[Any]:
    if director is None:
        return []
    scenario = director.scenario()
    return [html.B(_text(scenario.title, lang)), " · ", _text(scenario.summary, lang)]


@callback(
    Output("demo-visitor-title", "children"),
    Input("wall-seen", "data"),
    State("wall-config", "data"),
)
def visitor_title_now(_: str | None, config: dict[str, Any] | None) -> list[Any]:
    """The running scenario's title, again when the wall's content changes (a new run changes it)."""
    return visitor_title(_director(), language((config or {}).get("lang"), current().settings.language))


@callback(
    Output("demo-status", "children"),
    Output("demo-notes", "children"),
    Output({"type": "demo-scenario", "id": ALL}, "className"),
    Output("demo-speed", "value"),
    Input("demo-tick", "n_intervals"),
    Input("demo-result", "children"),
    State("demo-lang", "data"),
    State({"type": "demo-scenario", "id": ALL}, "id"),
)
def show_status(_: int | None, __: Any, lang: str | None, buttons: list[dict[str, str]]) -> tuple[Any, Any, Any, Any]:
    """Where the show is, once a second and at once after a control; the running scenario marked in the list and
    its speed chosen among the speeds."""
    director = _director()
    if director is None:
        raise PreventUpdate
    lang = language(lang, current().settings.language)
    status = director.status()
    scenario = director.scenario()
    marked = [
        f"demo-scenario demo-scenario-{b['id']}" + (" current" if b["id"] == status.scenario else "") for b in buttons
    ]
    return (
        status_html(status, scenario, lang, current().pack.timezone),
        notes_html(scenario, status.elapsed_s, lang),
        marked,
        status.speed if status.speed in SPEEDS else None,  # a new scenario's own speed, shown as chosen
    )


@callback(
    Output("demo-result", "children"),
    Input("demo-play", "n_clicks"),
    Input("demo-pause", "n_clicks"),
    Input("demo-reset", "n_clicks"),
    Input("demo-jump", "n_clicks"),
    Input("demo-speed", "value"),
    Input("demo-loop", "value"),
    Input({"type": "demo-scenario", "id": ALL}, "n_clicks"),
    State("demo-lang", "data"),
    prevent_initial_call=True,
)
def control(*args: Any) -> str:
    """The guide's click, carried out; says what was done (or why not) in the guide's language."""
    lang = language(args[-1], current().settings.language)
    director = _director()
    trigger = dash_ctx.triggered_id
    if director is None or trigger is None:
        raise PreventUpdate
    if isinstance(trigger, dict):
        if not dash_ctx.triggered[0]["value"]:
            raise PreventUpdate  # the scenario buttons were drawn, not clicked
        director.reset(str(trigger["id"]))
        director.play()
        return t(lang, "demo.done.scenario", name=_text(director.scenario().title, lang))
    try:
        if trigger == "demo-play":
            director.play()
        elif trigger == "demo-pause":
            director.pause()
        elif trigger == "demo-reset":
            director.reset()
        elif trigger == "demo-jump":
            director.jump_to_key_moment()
        elif trigger == "demo-speed":
            if args[4] is None or float(args[4]) == director.status().speed:
                raise PreventUpdate  # the console showing the speed the show already has, not a guide's click
            director.set_speed(float(args[4]))
        elif trigger == "demo-loop":
            director.set_loop("loop" in (args[5] or []))
    except ValueError as exc:
        return t(lang, "demo.refused", why=str(exc))
    return t(lang, f"demo.done.{trigger.removeprefix('demo-')}")
