"""The flood response page (``/flood``): streets by water, rescue missions, a route to any point, who to evacuate.

Reads the flood service's picture (``flood:picture`` on ``city.state``, ``docs/flood.md``); a refresh every two
seconds sends a ``dash.Patch`` of the live traces and the side panel, and only when the picture, the picked point or
the vehicle changed. A click on the map picks a point (``assets/flood_pick.js``: plotly reports clicks on traces
only): the safest route there from the best station is computed in this worker with the picture's water
(``dashboard.flood.reader``), drawn with its alternative, and recomputed as the water moves; the panel then says
what changed ("Binhe Road closed at 14:20, +6 min"). Per-viewer state (the picked point, the last route) lives in
the browser's stores, nothing in this process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
from dash import Input, Output, Patch, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from consumers.citypack import CityPack
from dashboard.auth.account_bar import account_bar
from dashboard.context import current
from dashboard.flood.layer import flood_figure, flood_patch, flood_values
from dashboard.flood.picks import picked_point, route_roads
from dashboard.flood.reader import FloodNetwork
from dashboard.flood.words import (
    change_sentence,
    clock,
    evacuee_sentence,
    minutes,
    place_name,
    route_sentence,
    street,
)
from dashboard.i18n import language, names_in_order, t

dash.register_page(__name__, path="/flood", name="Flood response", title="City operations · flood")

REFRESH_MS = 2000
PICK_BLOCK_WITHIN_M = 120.0
"""A click this near a block on the evacuation list also shows how its people get to their shelter."""
MAX_STREETS = 6
VEHICLES = ("truck", "ambulance")


def _pick_answer(
    flood: FloodNetwork, picture: Mapping[str, Any] | None, point: tuple[float, float] | None, vehicle: str
) -> dict[str, Any] | None:
    if picture is None or point is None:
        return None
    return flood.route_to(picture, point[0], point[1], vehicle)


def _totals(pack: CityPack, picture: Mapping[str, Any], lang: str) -> list[Any]:
    totals = picture.get("totals") or {}
    city = totals.get("city") or {}
    if not city.get("people"):
        return [html.Div(t(lang, "flood.no_evacuation"), className="flood-none")]
    rows: list[Any] = [
        html.Div(t(lang, "flood.people", n=f"{city['people']:,}"), className="flood-big", id="flood-people"),
        html.Div(
            t(
                lang,
                "flood.totals",
                people=f"{city['people']:,}",
                blocks=city["blocks"],
                flooded=f"{city['flooded_people']:,}",
                soon=f"{city['soon_people']:,}",
            ),
            className="flood-line",
        ),
        html.Div(
            t(lang, "flood.assigned", assigned=f"{city['assigned']:,}", unassigned=f"{city['unassigned']:,}"),
            className="flood-line" + (" flood-short" if city.get("unassigned") else ""),
        ),
    ]
    for code, d in sorted((totals.get("districts") or {}).items(), key=lambda kv: -int(kv[1]["people"])):
        district = pack.districts.get(code)
        name = code if district is None else " ".join(names_in_order(district.name_en, district.name_zh, lang))
        rows.append(
            html.Div(
                [
                    html.B(name),
                    html.Span(
                        t(
                            lang,
                            "flood.district_line",
                            people=f"{d['people']:,}",
                            flooded=f"{d['flooded_people']:,}",
                            soon=f"{d['soon_people']:,}",
                        )
                    ),
                ],
                className="flood-district",
            )
        )
    return rows


def _missions(flood: FloodNetwork, picture: Mapping[str, Any], lang: str, tz: str) -> list[Any]:
    missions = picture.get("missions") or []
    if not missions:
        return [html.Div(t(lang, "flood.no_missions"), className="flood-none")]
    since = dict(
        zip(
            (picture.get("closed") or {}).get("i") or [],
            (picture.get("closed") or {}).get("since_t") or [],
            strict=False,
        )
    )
    rows = []
    for mission in missions:
        block = flood.network.blocks[flood.blocks[mission["block"]]] if mission["block"] in flood.blocks else None
        target = mission["block"] if block is None else place_name(block.name_en, block.name_zh, block.id, lang)
        answer = {"vehicle": mission.get("vehicle", "truck"), **mission}
        route = mission.get("route")
        if route is not None:
            answer["route"] = {**route}
        lines = [
            html.B(t(lang, "flood.mission", vehicle=t(lang, "flood.vehicle.truck"), target=target)),
            html.Div(route_sentence(flood, answer, lang)),
        ]
        changes = mission.get("changes") or []
        if changes:
            last = changes[-1]
            lines.append(
                html.Div(
                    change_sentence(
                        flood,
                        list(last.get("closed") or []),
                        since,
                        last.get("eta_delta_s"),
                        lang,
                        tz,
                        last.get("flooded"),
                    ),
                    className="flood-change",
                )
            )
        rows.append(html.Div(lines, className="flood-mission" + (" flood-blocked" if route is None else "")))
    return rows


def _streets(flood: FloodNetwork, picture: Mapping[str, Any], lang: str, tz: str) -> list[Any]:
    closed = picture.get("closed") or {}
    closing = picture.get("closing") or {}
    closed_pairs = sorted(zip(closed.get("i") or [], closed.get("since_t") or [], strict=False), key=lambda p: -p[1])
    named: dict[str, float] = {}
    for i, since_t in closed_pairs:
        name = flood.road_name(i, lang)
        if name and name not in named:
            named[name] = since_t
    soon: dict[str, int] = {}
    for i, hours in sorted(zip(closing.get("i") or [], closing.get("in_h") or [], strict=False), key=lambda p: p[1]):
        name = flood.road_name(i, lang)
        if name and name not in soon and name not in named:
            soon[name] = hours
    out: list[Any] = [
        html.Div(t(lang, "flood.closed_count", n=len(closed.get("i") or [])), className="flood-line flood-closed"),
        *[
            html.Div(t(lang, "flood.closed_since", road=name, at=clock(at, tz)), className="flood-street")
            for name, at in list(named.items())[:MAX_STREETS]
        ],
        html.Div(t(lang, "flood.closing_count", n=len(closing.get("i") or [])), className="flood-line flood-closing"),
        *[
            html.Div(t(lang, "flood.closing_in", road=name, h=hours), className="flood-street")
            for name, hours in list(soon.items())[:MAX_STREETS]
        ],
    ]
    return out


def panel(
    pack: CityPack,
    flood: FloodNetwork,
    picture: Mapping[str, Any] | None,
    answer: Mapping[str, Any] | None,
    change: str | None,
    lang: str,
    evacuee: Mapping[str, Any] | None = None,
) -> list[Any]:
    """The side panel for one picture and one viewer's route (and the block they picked, if one)."""
    if picture is None:
        return [html.Div(t(lang, "flood.waiting"), className="flood-none")]
    tz = pack.timezone
    route_block: list[Any] = [html.H2(t(lang, "flood.pick"))]
    if answer is None:
        route_block.append(html.Div(t(lang, "flood.pick_hint"), className="flood-hint"))
    else:
        route_block.append(html.Div(route_sentence(flood, answer, lang), id="flood-route", className="flood-route"))
        if change:
            route_block.append(html.Div(change, id="flood-route-change", className="flood-change"))
    if evacuee is not None:
        route_block.append(
            html.Div(evacuee_sentence(flood, evacuee, lang), id="flood-evacuee", className="flood-route")
        )
    return [
        html.Div(t(lang, "flood.as_of", at=clock(picture.get("event_time"), tz)), className="flood-asof"),
        html.H2(t(lang, "flood.evacuate")),
        html.Div(_totals(pack, picture, lang), id="flood-totals"),
        *route_block,
        html.H2(t(lang, "flood.missions")),
        html.Div(_missions(flood, picture, lang, tz), id="flood-missions"),
        html.H2(t(lang, "flood.streets")),
        html.Div(_streets(flood, picture, lang, tz), id="flood-streets"),
        html.H2(t(lang, "flood.downloads")),
        html.Div(
            [
                html.A(
                    t(lang, "flood.csv"), href="/api/v1/flood/evacuation.csv", id="flood-csv", className="flood-link"
                ),
                html.A(
                    t(lang, "flood.field_map"),
                    href=f"/api/v1/flood/map.html?lang={lang}",
                    id="flood-field-map",
                    className="flood-link",
                ),
            ],
            className="flood-links",
        ),
        html.Div(t(lang, "flood.model"), className="flood-model"),
    ]


def layout(lang: str | None = None, **_: Any) -> html.Div:
    """The page for one viewer; ``?lang=zh`` in Chinese."""
    ctx = current()
    pack = ctx.pack
    lang = language(lang, ctx.settings.language)
    flood = ctx.flood
    header = html.Header(
        [
            html.Div(
                [
                    html.Span(t(lang, "flood.title"), className="map-title"),
                    html.Span(" " + (pack.name_zh if lang != "zh" else pack.name_en), className="map-title-zh"),
                ]
            ),
            dcc.RadioItems(
                id="flood-vehicle",
                options=[{"label": t(lang, f"flood.vehicle.{v}"), "value": v} for v in VEHICLES],
                value="truck",
                inline=True,
                className="flood-vehicle",
            ),
            html.A(t(lang, "flood.to_map"), href=f"/?lang={lang}", className="flood-link"),
            account_bar(ctx.settings, lang, "/flood"),
        ],
        className="map-header",
    )
    if flood is None:
        return html.Div([header, html.Div(t(lang, "flood.none"), className="flood-none")], className="map-page")
    picture = flood.picture(ctx.view.snapshot)
    return html.Div(
        [
            header,
            html.Main(
                [
                    dcc.Graph(
                        id="flood-map",
                        figure=flood_figure(pack, flood, picture, None, lang),
                        config={"displayModeBar": False, "scrollZoom": True},
                        className="map-graph",
                    ),
                    html.Aside(
                        panel(pack, flood, picture, None, None, lang), id="flood-panel", className="map-side flood-side"
                    ),
                ],
                className="map-main",
            ),
            dcc.Store(id="flood-pick"),
            dcc.Store(id="flood-seen", data=None if picture is None else f"{picture.get('event_time')}|None|truck"),
            dcc.Store(id="flood-memo"),
            dcc.Store(id="flood-lang", data=lang),
            dcc.Interval(id="flood-interval", interval=REFRESH_MS),
        ],
        className="map-page flood-page",
    )


@callback(
    Output("flood-map", "figure"),
    Output("flood-panel", "children"),
    Output("flood-seen", "data"),
    Output("flood-memo", "data"),
    Input("flood-interval", "n_intervals"),
    Input("flood-pick", "data"),
    Input("flood-vehicle", "value"),
    State("flood-seen", "data"),
    State("flood-memo", "data"),
    State("flood-lang", "data"),
)
def refresh(
    _: int | None,
    pick: Mapping[str, Any] | None,
    vehicle: str | None,
    seen: str | None,
    memo: Mapping[str, Any] | None,
    lang: str | None,
) -> tuple[Any, ...]:
    """Redraw when the picture, the picked point or the vehicle changed; say what changed on the picked route."""
    ctx = current()
    flood = ctx.flood
    if flood is None:
        raise PreventUpdate
    lang = language(lang, ctx.settings.language)
    vehicle = vehicle if vehicle in VEHICLES else "truck"
    picture = flood.picture(ctx.view.snapshot)
    stamp = f"{None if picture is None else picture.get('event_time')}|{pick}|{vehicle}"
    if stamp == seen:
        raise PreventUpdate
    point = picked_point(pick)
    answer = _pick_answer(flood, picture, point, vehicle)
    key = f"{pick}|{vehicle}"
    change = None
    if answer is not None and isinstance(memo, Mapping) and memo.get("key") == key:
        change = memo.get("change") if isinstance(memo.get("change"), str) else None
        before_roads, before_eta = route_roads(memo.get("roads"), len(flood.network.roads)), memo.get("eta_s")
        if not isinstance(before_eta, int | float):
            before_eta = None
        moved = None
        if before_roads is not None and picture is not None:
            moved = flood.route_change(picture, vehicle, before_roads, before_eta, answer)
        if moved is not None and picture is not None:
            closed = picture.get("closed") or {}
            since = dict(zip(closed.get("i") or [], closed.get("since_t") or [], strict=False))
            flooded = [[i, d] for i, d in moved.flooded_roads]
            change = change_sentence(
                flood, list(moved.closed_roads), since, moved.eta_delta_s, lang, ctx.pack.timezone, flooded
            )
    route = (answer or {}).get("route")
    new_memo = (
        None
        if answer is None
        else {
            "key": key,
            "roads": None if route is None else route["roads"],
            "eta_s": None if route is None else route["eta_s"],
            "change": change,
        }
    )
    evacuee = None
    if picture is not None and point is not None:
        near = flood.listed_block_near(picture, point[0], point[1], PICK_BLOCK_WITHIN_M)
        evacuee = None if near is None else flood.evacuation_route(picture, near)
    values = flood_values(flood, picture, answer, lang, ctx.pack.timezone, evacuee)
    return (
        flood_patch(Patch(), values),
        panel(ctx.pack, flood, picture, answer, change, lang, evacuee),
        stamp,
        new_memo,
    )


__all__ = ["layout", "minutes", "panel", "street"]
