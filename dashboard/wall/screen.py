"""The wall's picture, shared by ``/wall`` and the visitors' screen of ``/demo``: its layout and what each pull
sends. The page module (``dashboard.pages.wall``) registers the page and its callbacks; this one holds no page, so
that another page can draw the wall without Dash registering ``/wall`` twice."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from consumers.citypack import CityPack
from dashboard.context import current
from dashboard.figures import map_figure, map_patch
from dashboard.freshness import judge_now
from dashboard.i18n import t
from dashboard.map_refresh import Rendered
from dashboard.palette import LEVEL_COLORS
from dashboard.rendered import plain
from dashboard.state_view import StateSnapshot
from dashboard.wall import boards, playlist

BOARD_VIEWS = tuple(v for v in playlist.VIEWS if v != "city")
"""The views drawn as boards of rows, in the order of the refresh's outputs after the map and the counts."""
VIEW_WORDS = {view: f"wall.view.{view}" for view in playlist.VIEWS}


def city_bounds(pack: CityPack) -> tuple[float, float, float, float]:
    """(west, south, east, north) of every district: what the wall fits to its screen."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], int | float):
            lons.append(float(coords[0]))
            lats.append(float(coords[1]))
        else:
            for c in coords:
                walk(c)

    for feature in pack.districts_geojson.get("features", []):
        walk(feature["geometry"]["coordinates"])
    return min(lons), min(lats), max(lons), max(lats)


def _board_html(board: boards.Board, lang: str) -> list[Any]:
    """The board's title and rows; more than ``boards.MAX_ROWS`` rows (the districts) in two columns."""
    head: list[Any] = [html.H2(board.title, className="wall-board-title")]
    if not board.rows:
        head.append(html.Div(board.empty, className="wall-board-empty"))
    rows: list[Any] = []
    for row in board.rows:
        rows.append(
            html.Div(
                [
                    html.Span(row.badge, className="wall-badge", style={"backgroundColor": LEVEL_COLORS[row.level]}),
                    html.Span(row.title, className="wall-row-title"),
                    html.Span(row.detail, className="wall-row-detail"),
                ],
                className=f"wall-row level-{row.level}",
            )
        )
    columns = "wall-rows two-columns" if len(board.rows) > boards.MAX_ROWS else "wall-rows"
    more = [html.Div(t(lang, "more", n=board.more), className="wall-board-more")] if board.more else []
    return [*head, html.Div(rows, className=columns), *more]


def _counts_html(snapshot: StateSnapshot, lang: str) -> list[Any]:
    counts = boards.alarm_counts(snapshot)
    chips = [
        html.Span(
            [html.Span(t(lang, f"wall.kind.{domain}"), className="wall-count-kind"), html.B(str(n))],
            className="wall-count" + (" active" if n else ""),
            id=f"wall-count-{domain}",
        )
        for domain, n in counts.items()
    ]
    return chips


def _ticker_html(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[Any]:
    items = boards.ticker(pack, snapshot, lang)
    if not items:
        return [html.Span(t(lang, "wall.no_alarms"), className="wall-ticker-item quiet")]
    return [html.Span(text, className=f"wall-ticker-item level-{severity}") for severity, text in items]


def rendered(snapshot: StateSnapshot, lang: str, now: float | None) -> Rendered:
    """The content outputs (map patch, then counts, a board per ``BOARD_VIEWS`` and the ticker) as JSON-ready data
    with digests of what the map draws, of its fine detail and of the rest (``dashboard.map_refresh.Rendered``):
    made once per state version and language for every wall of the worker, page loads and pulls alike."""
    ctx = current()
    made: Rendered = ctx.renders.get(("wall", snapshot.version, lang), lambda: _render(snapshot, lang, now))
    return made


def _render(snapshot: StateSnapshot, lang: str, now: float | None) -> Rendered:
    ctx = current()
    pack = ctx.pack
    made = {
        "districts": lambda: boards.district_board(pack, snapshot, lang),
        "river": lambda: boards.river_board(pack, snapshot, lang),
        "fire_grid": lambda: boards.fire_grid_board(pack, snapshot, lang, now),
        "flood": lambda: boards.flood_board(snapshot, lang),
        "alarms": lambda: boards.alarm_board(pack, snapshot, lang),
    }
    outputs = [
        map_patch(pack, ctx.hexes, snapshot, lang, now, ctx.site_memo),
        _counts_html(snapshot, lang),
        *[_board_html(made[view](), lang) for view in BOARD_VIEWS],
        _ticker_html(pack, snapshot, lang),
    ]
    return Rendered.of(plain(outputs))


def chosen_playlist(args: dict[str, str]) -> tuple[playlist.Playlist, str | None]:
    """The URL's playlist, or the default one and the sentence saying why the URL's could not be played."""
    try:
        return playlist.for_request(args, current().wall_playlists), None
    except playlist.PlaylistError as exc:
        return playlist.DEFAULT, str(exc)


def screen(lang: str, args: dict[str, str], banner: Any = None) -> html.Div:
    """The wall in ``lang`` for the URL's ``args``; ``banner`` lies over the foot of the view area (the visitors'
    screen of ``/demo`` names its scenario there)."""
    ctx = current()
    pack, snapshot = ctx.pack, ctx.view.snapshot
    chosen, problem = chosen_playlist(args)
    picture = judge_now(snapshot, ctx.settings)
    made = rendered(snapshot, lang, picture.event_now)
    counts, *board_parts, ticker_part = made.lists
    west, south, east, north = city_bounds(pack)
    config = {
        "lang": lang,
        "playlist": {"views": list(chosen.views), "period": chosen.period_s, "hold": chosen.hold_s},
        "sound": chosen.sound,
        "bounds": [west, south, east, north],
        "tz": pack.timezone,
        "offline": t(lang, "wall.offline"),
    }
    figure = map_figure(pack, ctx.hexes, snapshot, lang, picture.event_now)
    figure.update_layout(uirevision="wall", hoverlabel={"font": {"size": 28}})
    views = [
        html.Div(
            dcc.Graph(
                id="wall-graph",
                figure=figure,
                config={"displayModeBar": False, "scrollZoom": False, "doubleClick": False},
                style={"height": "100%", "width": "100%"},
            ),
            id="wall-view-city",
            className="wall-view wall-map",
        ),
        *[
            html.Div(part, id=f"wall-view-{view}", className="wall-view wall-board")
            for part, view in zip(board_parts, BOARD_VIEWS, strict=True)
        ],
    ]
    return html.Div(
        [
            html.Header(
                [
                    html.Div(
                        [
                            html.Div(
                                t(lang, "title", name_en=pack.name_en, name_zh=pack.name_zh), className="wall-title"
                            ),
                            html.Div(id="wall-view-name", className="wall-view-name"),
                        ],
                        className="wall-heading",
                    ),
                    html.Div(counts, id="wall-counts", className="wall-counts"),
                    html.Div(
                        [
                            html.Div("--:--:--", id="wall-clock", className="wall-clock"),
                            html.Div("…", id="wall-freshness", className="wall-freshness waiting"),
                        ],
                        className="wall-time",
                    ),
                ],
                className="wall-header",
            ),
            html.Main(
                [
                    *views,
                    html.Div(
                        [
                            html.Span(t(lang, "badge.alarm"), className="wall-alert-badge"),
                            html.Span(id="wall-alert-text"),
                        ],
                        id="wall-alert",
                        className="wall-alert",
                    ),
                    html.Div(problem or "", id="wall-problem", className="wall-problem", hidden=problem is None),
                    html.Div(id="wall-lost", className="wall-lost", role="alert"),
                    *([banner] if banner is not None else []),
                ],
                id="wall-main",
                className="wall-main view-" + chosen.views[0],
            ),
            html.Footer(
                html.Div(ticker_part, id="wall-ticker-track", className="wall-ticker-track"),
                id="wall-ticker",
                className="wall-ticker",
            ),
            dcc.Interval(id="wall-tick", interval=ctx.settings.ui_refresh_ms),
            dcc.Store(id="wall-config", data=config),
            dcc.Store(id="wall-state"),
            dcc.Store(id="wall-placed"),
            dcc.Store(id="wall-seen", data=made.seen()),
            dcc.Store(id="wall-pull", data=0),
            dcc.Store(id="wall-done", data=0),
            dcc.Store(id="wall-words", data={v: t(lang, k) for v, k in VIEW_WORDS.items()}),
        ],
        className="wall-page",
    )
