"""The control-room wall (``/wall``): full screen, no mouse, read from five metres, running for days.

Everything is laid out in viewport units (``.wall-*`` in ``assets/wall.css``): the same share of the screen at
1920×1080 and 3840×2160, body text 4.5 % of the height (48.6 px at 1080p), no scrollbars. The header, the view
area and the ticker have fixed heights, so nothing that comes or goes moves anything else.

Every view is in the page from the start and the wall only changes which one is visible: the map is drawn
once, sized while hidden, and never rebuilt when it comes round again. Each pull (once a second, one at a time,
as on the map page) sends the content only when it changed (``RenderCache``, digests) and the wall's state
always: which view, and whether a new critical alarm holds the wall (``dashboard.wall.rotation``). As on the map
page, the map goes whole only when what it draws changed, its hover texts and exact shades at most every
``FINE_EVERY_S`` (``dashboard.map_refresh``): each patch redraws the whole map, and a wall runs for days. The browser
half (``assets/wall.js``) shows the view, fits the city to the screen, zooms to the alarm, pulses and beeps.
"""

from __future__ import annotations

import time
from typing import Any

import dash
from dash import Input, Output, State, callback, clientside_callback, html

from dashboard.context import current
from dashboard.freshness import judge_now
from dashboard.i18n import language
from dashboard.map_refresh import Seen, answer
from dashboard.wall import boards, playlist, rotation
from dashboard.wall.screen import BOARD_VIEWS, rendered, screen

dash.register_page(__name__, path="/wall", name="Wall", title="City operations · wall")


def layout(lang: str | None = None, **args: Any) -> html.Div:
    """The wall for one screen; its URL says what it shows (``dashboard.wall.playlist``)."""
    return screen(language(lang, current().settings.language), {k: str(v) for k, v in args.items()})


@callback(
    Output("wall-graph", "figure"),
    Output("wall-counts", "children"),
    *[Output(f"wall-view-{view}", "children") for view in BOARD_VIEWS],
    Output("wall-ticker-track", "children"),
    Output("wall-seen", "data"),
    Output("wall-state", "data"),
    Output("wall-done", "data"),
    Input("wall-pull", "data"),
    State("wall-seen", "data"),
    State("wall-state", "data"),
    State("wall-config", "data"),
    State("wall-placed", "data"),
)
def refresh(
    pull: int | None,
    seen: str | None,
    state_doc: dict[str, Any] | None,
    config: dict[str, Any],
    placed: dict[str, Any] | None,
) -> tuple[Any, ...]:
    """The wall's next state every pull; its content only when what it would draw changed."""
    ctx = current()
    snapshot = ctx.view.snapshot
    lang = language(config.get("lang"), ctx.settings.language)
    spec = config.get("playlist") or {}
    try:
        chosen = playlist.from_mapping(spec)
    except playlist.PlaylistError:
        chosen = playlist.DEFAULT
    now_s = time.time()
    picture = judge_now(snapshot, ctx.settings)
    made = rendered(snapshot, lang, picture.event_now)
    available = set(chosen.views) - ({"flood"} if not boards.flood_on(snapshot) else set())
    critical = boards.critical(ctx.pack, snapshot, lang)
    if state_doc is None:  # a wall starting: the alarms already waiting are on its counts and ticker; only what
        # comes after takes it over, or a wall switched on amid seven alarms would hold on each in turn for minutes
        start = rotation.WallState(chosen.views[0], now_s, announced=tuple(c.alarm_id for c in critical))
    else:
        start = rotation.WallState.from_store(state_doc, chosen, now_s)
    state = rotation.step(start, now_s, chosen, critical, available)
    shown = state.to_store()
    holding = next((c for c in critical if c.alarm_id == state.alarm), None)
    shown["alert"] = holding.text if holding is not None else None
    shown["clock"] = picture.event_now
    shown["rate"] = picture.simulated_speed or 1.0
    sent = answer(made, Seen.parse(seen), now_s)
    if sent.operations is None and not sent.lists:
        return (dash.no_update,) * (1 + len(made.lists)) + (dash.no_update, shown, pull)
    figure = (
        dash.no_update if sent.operations is None else with_view({**made.patch, "operations": sent.operations}, placed)
    )
    lists = made.lists if sent.lists else [dash.no_update] * len(made.lists)
    return (figure, *lists, sent.seen.dump(), shown, pull)


def with_view(figure_patch: dict[str, Any], placed: dict[str, Any] | None) -> dict[str, Any]:
    """The content's map patch (shared by every wall) plus this wall's own centre and zoom, where its browser placed
    the map: plotly redraws the figure from its layout at every update, so without them each update would throw the
    map back to the figure's first view and the browser would have to put it back (a visible jump)."""
    if not placed:
        return figure_patch
    assign = [
        {"operation": "Assign", "location": ["layout", "map", "center"], "params": {"value": placed["center"]}},
        {"operation": "Assign", "location": ["layout", "map", "zoom"], "params": {"value": placed["zoom"]}},
    ]
    return {**figure_patch, "operations": [*figure_patch["operations"], *assign]}


# One pull at a time, as on the map page: the next only once the last has answered, or 10 s after one that was never
# answered (a server that died under it): a wall comes back by itself within seconds of its server.
clientside_callback(
    """
    function(_, pull, done) {
        const gate = window.cityopsWallPull || (window.cityopsWallPull = {sentMs: 0});
        if (done === pull || Date.now() - gate.sentMs > 10000) {
            gate.sentMs = Date.now();
            return (pull || 0) + 1;
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output("wall-pull", "data"),
    Input("wall-tick", "n_intervals"),
    State("wall-pull", "data"),
    State("wall-done", "data"),
)

clientside_callback(
    "function(state, config, words) { return window.cityopsWall.apply(state, config, words); }",
    Output("wall-main", "className"),
    Output("wall-view-name", "children"),
    Output("wall-alert-text", "children"),
    Output("wall-placed", "data"),
    Input("wall-state", "data"),
    State("wall-config", "data"),
    State("wall-words", "data"),
)
