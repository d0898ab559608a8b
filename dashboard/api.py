"""The HTTP surface beside the Dash views: ``/health`` and the read-only JSON API under ``/api/v1/``.

Everything here reads the state view's current snapshot; nothing writes (operators act on alarms from the
alarm page, ``dashboard.pages.alarms``). Errors are JSON with a message,
never an HTML error page, so that scripts and monitoring can rely on the shape.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import flask

from consumers.clock import epoch_iso
from consumers.settings import Settings
from dashboard.alarms import export as alarm_export
from dashboard.alarms import listing as alarm_listing
from dashboard.auth.web import current_principal
from dashboard.clock_status import simulated_badge, status_doc
from dashboard.context import current
from dashboard.fire.hexes import GEOJSON_PATH
from dashboard.fire.words import ordered
from dashboard.flood.field_map import field_map
from dashboard.flood.picks import picked_point
from dashboard.flood.reader import FloodNetwork
from dashboard.freshness import judge, judge_now, member_label
from dashboard.i18n import language
from dashboard.report.situation import situation_report
from dashboard.state_view import StateSnapshot

api = flask.Blueprint("api", __name__)


def _error(status: int, message: str) -> tuple[flask.Response, int]:
    return flask.jsonify({"error": message}), status


def health_document(
    snapshot: StateSnapshot, settings: Settings, now_wall: float, *, detailed: bool = False
) -> tuple[dict[str, Any], int]:
    """Liveness of the picture (``dashboard.freshness.judge``): 200 for ``ok``, ``starting`` and ``restoring``,
    503 when what the wall shows is not the city now (stale data, no live consumer, partitions nobody owns, no
    broker).

    Consumers appear under an opaque ``member`` label: host names and process ids are for signed-in people
    (``detailed``: each consumer's ``id``, host and process, and the recent internal errors' text), not for anyone
    who can reach the page; an anonymous caller gets the status and the counts.
    """
    picture = judge(snapshot, settings.partitions, settings.clock, settings.ui_stale_after_s, now_wall)
    live = [c for c in picture.consumers if not c["lost"]]
    consumed: Counter[str] = Counter()
    deadlettered: Counter[str] = Counter()
    lag_total: int | None = None
    internal_errors: list[str] = []
    for c in live:
        consumed.update(c.get("consumed", {}))
        deadlettered.update(c.get("deadlettered", {}))
        internal_errors += list(c.get("internal_errors") or [])
        if c.get("lag_total") is not None:
            lag_total = (lag_total or 0) + int(c["lag_total"])
    view_age = None if snapshot.updated_wall is None else round(now_wall - snapshot.updated_wall, 1)
    doc = {
        "status": picture.status,
        "last_event_time": picture.last_data_time,
        "clock": {"mode": settings.clock, "simulated_speed": picture.simulated_speed},
        "broker": {
            "reachable": picture.broker_unreachable_since is None,
            "unreachable_since": picture.broker_unreachable_since,
        },
        "view": {
            "entities": len(snapshot.entities),
            "last_update_age_s": view_age,
            "last_data_age_s": picture.data_age_s,
            "caught_up": snapshot.caught_up,
        },
        "records_consumed": dict(consumed),
        "deadlettered": sum(deadlettered.values()),
        "deadlettered_by_reason": dict(deadlettered),
        "internal_errors": {
            "count": deadlettered.get("internal_error", 0),
            **({"recent": internal_errors[-5:]} if detailed else {}),
        },
        "consumer_lag": lag_total,
        "unowned_partitions": picture.unowned_partitions,
        "consumers": [
            {
                "member": member_label(str(c.get("id"))),
                **({"id": c.get("id")} if detailed else {}),
                "state": "lost" if c["lost"] else c.get("phase"),
                **{k: c.get(k) for k in ("restore", "partitions", "lag_total", "sensors", "age_s")},
            }
            for c in picture.consumers
        ],
    }
    return doc, picture.http_status


@api.get("/api/v1/status")
def status() -> flask.Response:
    """The freshness clock's answer (``dashboard.clock_status``), in ``?lang=`` or the default language.

    Always 200 while the server answers: a stale picture is what the document says, not a failed request."""
    ctx = current()
    s = ctx.settings
    picture = judge_now(ctx.view.snapshot, s)
    lang = language(flask.request.args.get("lang"), s.language)
    response = flask.jsonify(status_doc(picture, ctx.pack.timezone, s.ui_stale_after_s, s.ui_refresh_ms, lang))
    response.headers["Cache-Control"] = "no-store"
    return response


@api.get("/health")
def health() -> tuple[flask.Response, int]:
    ctx = current()
    doc, status = health_document(
        ctx.view.snapshot, ctx.settings, time.time(), detailed=current_principal() is not None
    )
    return flask.jsonify(doc), status


def _district_doc(code: str, snapshot: StateSnapshot) -> dict[str, Any]:
    ctx = current()
    district = ctx.pack.districts[code]
    state = snapshot.district(code) or {}
    return {
        "code": code,
        "name_en": district.name_en,
        "name_zh": district.name_zh,
        "risk": state.get("risk"),
        "level": state.get("level", "no_data"),
        "domains": state.get("domains", {}),
        "counts": state.get("counts", {}),
        "reasons": state.get("reasons", []),
        "readiness": state.get("readiness"),
        "event_time": state.get("event_time"),
    }


@api.get("/api/v1/districts")
def districts() -> flask.Response:
    snapshot = current().view.snapshot
    return flask.jsonify({"districts": [_district_doc(code, snapshot) for code in current().pack.districts]})


@api.get("/api/v1/districts/<code>")
def district(code: str) -> tuple[flask.Response, int]:
    if code not in current().pack.districts:
        return _error(404, f"no district {code}")
    return flask.jsonify(_district_doc(code, current().view.snapshot)), 200


def _sensor_doc(sensor_id: str, snapshot: StateSnapshot) -> dict[str, Any]:
    spec = current().pack.sensors[sensor_id]
    state = snapshot.sensor(sensor_id)
    return {
        "id": spec.id,
        "type": spec.type,
        "district": spec.district,
        "name_en": spec.name_en,
        "name_zh": spec.name_zh,
        "lat": spec.lat,
        "lon": spec.lon,
        "building_id": spec.building_id,
        "status": "no_data" if state is None else ("stale" if state.get("stale") else state.get("level")),
        "state": None if state is None else dict(state),
    }


@api.get("/api/v1/sensors/<sensor_id>")
def sensor(sensor_id: str) -> tuple[flask.Response, int]:
    if sensor_id not in current().pack.sensors:
        return _error(404, f"no sensor {sensor_id}")
    return flask.jsonify(_sensor_doc(sensor_id, current().view.snapshot)), 200


@api.get("/api/v1/sensors")
def sensors() -> tuple[flask.Response, int]:
    """Filter with ``?district=520102&type=fire.camera&status=alarm`` (any combination)."""
    args = flask.request.args
    snapshot = current().view.snapshot
    out = []
    for sensor_id, spec in current().pack.sensors.items():
        if args.get("district") and spec.district != args["district"]:
            continue
        if args.get("type") and not spec.type.startswith(args["type"]):
            continue
        doc = _sensor_doc(sensor_id, snapshot)
        if args.get("status") and doc["status"] != args["status"]:
            continue
        out.append(doc)
    return flask.jsonify({"sensors": out}), 200


@api.get("/api/v1/incidents")
def incidents() -> flask.Response:
    """Fire incidents (``consumers.fire.incidents``) as the consumers publish them, confirmed first, newest first
    within a state; ``?state=confirmed`` filters. Callers' words are in ``calls[].text`` as said (JSON-escaped)."""
    wanted = flask.request.args.get("state")
    found = ordered(current().view.snapshot.of_kind("incident"))
    return flask.jsonify({"incidents": [dict(i) for i in found if not wanted or i.get("state") == wanted]})


@api.get("/api/v1/incidents/<incident_id>")
def incident(incident_id: str) -> tuple[flask.Response, int]:
    doc = current().view.snapshot.entities.get(f"incident:{incident_id}")
    if doc is None:
        return _error(404, f"no incident {incident_id}")
    return flask.jsonify(dict(doc)), 200


@api.get(GEOJSON_PATH)
def hex_outlines() -> flask.Response:
    """The fire-risk grid's cells (h3, resolution 8), ``id`` = cell: what the map draws them with. The same for as
    long as the pack is, so the browser keeps it."""
    response = flask.jsonify(dict(current().hexes.geojson))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@api.get("/api/v1/hexes")
def hexes() -> flask.Response:
    """The fire-risk grid's cells that have signals of their own, with their score and parts, and each district's
    score from its weather alone (every other cell of it has that one), as the consumers publish them
    (``consumers.fire.hexgrid``); ``?district=`` filters."""
    wanted = flask.request.args.get("district")
    records = current().view.snapshot.of_kind("hexes")
    return flask.jsonify(
        {
            "districts": [
                {"district": code, "background": doc.get("background"), "cells": doc.get("cells") or {}}
                for code, doc in sorted(records.items())
                if not wanted or code == wanted
            ]
        }
    )


@api.get("/api/v1/buildings")
def buildings() -> flask.Response:
    """Public buildings with their readiness (``consumers.fire.readiness``); a building never heard from is
    ``unknown``. ``?district=`` and ``?state=`` (``ready``, ``degraded``, ``not_ready``, ``unknown``) filter."""
    args = flask.request.args
    ctx = current()
    out = []
    for b in ctx.pack.buildings.values():
        if args.get("district") and b.district != args["district"]:
            continue
        doc = ctx.view.snapshot.entities.get(f"building:{b.id}")
        row = {
            "id": b.id,
            "name_en": b.name_en,
            "name_zh": b.name_zh,
            "kind": b.kind,
            "district": b.district,
            "lat": b.lat,
            "lon": b.lon,
            "occupancy": b.occupancy,
            "state": "unknown" if doc is None else doc.get("state"),
            "readiness": None if doc is None else doc.get("readiness"),
            "faults": [] if doc is None else doc.get("faults", []),
            "silent": list(b.device_ids) if doc is None else doc.get("silent", []),
        }
        if args.get("state") and row["state"] != args["state"]:
            continue
        out.append(row)
    return flask.jsonify({"buildings": out})


def _alarms() -> list[Any]:
    """The alarms kept, in list order (``dashboard.alarms.listing``): active first, then the history;
    ``?domain=``, ``?district=`` and ``?state=`` (``unacknowledged``, ``acknowledged``, ``shelved``, ``cleared``)
    filter, each a comma-separated list."""
    args = flask.request.args

    def wanted(name: str) -> list[str]:
        return [v for v in (args.get(name) or "").split(",") if v]

    kept = current().view.snapshot.of_kind("alarm").values()
    shown = [a for a in kept if alarm_listing.matches(a, wanted("domain"), wanted("district"), wanted("state"))]
    active, history = alarm_listing.ordered(shown)
    return active + history


@api.get("/api/v1/alarms")
def alarms() -> flask.Response:
    """Alarms with their state, acknowledgement and trail, as the consumers publish them on ``city.alarms``."""
    return flask.jsonify({"alarms": [dict(a, listed_as=alarm_listing.state_of(a)) for a in _alarms()]})


@api.get("/api/v1/alarms/<alarm_id>")
def alarm(alarm_id: str) -> tuple[flask.Response, int]:
    doc = current().view.snapshot.entities.get(f"alarm:{alarm_id}")
    if doc is None:
        return _error(404, f"no alarm {alarm_id} (never raised, or cleared more than a day ago)")
    return flask.jsonify(dict(doc, listed_as=alarm_listing.state_of(doc))), 200


def _csv_response(body: bytes, name: str) -> flask.Response:
    response = flask.Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


class _NoFloodPicture(Exception):
    """No flood picture to answer with: the pack has no flood response, or the flood service published none yet."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@api.errorhandler(_NoFloodPicture)
def _no_flood_picture(exc: _NoFloodPicture) -> tuple[flask.Response, int]:
    return _error(exc.status, str(exc))


def _flood_picture() -> tuple[FloodNetwork, Mapping[str, Any]]:
    flood = current().flood
    if flood is None:
        raise _NoFloodPicture(404, "this city pack has no flood response (no flood/ folder)")
    picture = flood.picture(current().view.snapshot)
    if picture is None:
        raise _NoFloodPicture(503, "no flood picture yet: the flood service has not published one")
    return flood, picture


@api.get("/api/v1/flood")
def flood_summary() -> tuple[flask.Response, int]:
    """The flood picture with names (``dashboard.flood.reader``): closed streets and since when, streets closing
    within the outlook, rescue missions with their routes and changes, evacuation totals per district and city."""
    flood, picture = _flood_picture()
    return flask.jsonify(flood.summary(picture)), 200


@api.get("/api/v1/flood/route")
def flood_route() -> tuple[flask.Response, int]:
    """The safest rescue route to a point (``?lon=&lat=&vehicle=truck|ambulance``) under the latest water."""
    flood, picture = _flood_picture()
    point = picked_point(flask.request.args)
    vehicle = flask.request.args.get("vehicle", "truck")
    if point is None or vehicle not in ("truck", "ambulance"):
        return _error(400, "give lon and lat (finite numbers) and vehicle (truck or ambulance)")
    return flask.jsonify(flood.route_to(picture, point[0], point[1], vehicle)), 200


@api.get("/api/v1/flood/evacuation.csv")
def flood_evacuation_csv() -> flask.Response | tuple[flask.Response, int]:
    """The evacuation list in priority order, one row per block and shelter, unassigned people with the reason."""
    flood, picture = _flood_picture()
    return _csv_response(flood.evacuation_csv(picture), "evacuation.csv")


@api.get("/api/v1/flood/map.html")
def flood_field_map() -> flask.Response | tuple[flask.Response, int]:
    """The field map (``dashboard.flood.field_map``): one HTML file of the flood that opens offline."""
    flood, picture = _flood_picture()
    ctx = current()
    lang = language(flask.request.args.get("lang"), ctx.settings.language)
    response = flask.Response(field_map(ctx.pack, flood, picture, lang), mimetype="text/html")
    stamp = str(picture.get("event_time", ""))[:16].replace(":", "").replace("-", "")
    response.headers["Content-Disposition"] = f'attachment; filename="flood-{stamp}.html"'
    response.headers["Cache-Control"] = "no-store"
    return response


@api.get("/api/v1/report.html")
def report() -> flask.Response:
    """The situation report (``dashboard.report.situation``): one HTML file of the moment that opens offline."""
    ctx = current()
    lang = language(flask.request.args.get("lang"), ctx.settings.language)
    # The picture's time, the consumers' clock: under a demo's simulated clock the wall's time named a moment hours
    # before every alarm in the report.
    picture = judge_now(ctx.view.snapshot, ctx.settings)
    now = datetime.fromtimestamp(picture.event_now or time.time(), UTC)
    body = situation_report(ctx.pack, ctx.view.snapshot, now.isoformat(), lang, simulated_badge(picture, lang))
    response = flask.Response(body, mimetype="text/html")
    name = f"situation-{now.strftime('%Y%m%dT%H%MZ')}.html"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@api.get("/api/v1/districts/<code>/risk_history.csv")
def district_risk_history(code: str) -> flask.Response | tuple[flask.Response, int]:
    """The district's risk over the last day, the worst of every five minutes (``consumers.district_history``)."""
    if code not in current().pack.districts:
        return _error(404, f"no district {code}")
    doc = current().view.snapshot.entities.get(f"risk_history:{code}") or {}
    columns = {"time": doc.get("t") or [], "risk": doc.get("risk") or [], "fire_risk": doc.get("fire") or []}
    return _csv_response(alarm_export.series_csv(columns), f"risk-{code}.csv")


@api.get("/api/v1/sensors/<sensor_id>/history.csv")
def sensor_history(sensor_id: str) -> flask.Response | tuple[flask.Response, int]:
    """The history its domain publishes: a gauge's observations (the river model's, up to seven days), a line's
    load, rating and conductor temperature. Other sensors publish none: their last hour as this web worker saw it on
    the state topic (``dashboard.sensor_trail``)."""
    if sensor_id not in current().pack.sensors:
        return _error(404, f"no sensor {sensor_id}")
    doc = current().view.snapshot.sensor(sensor_id) or {}
    for part in ("river", "grid"):
        history = (doc.get(part) or {}).get("history")
        if isinstance(history, Mapping) and history.get("t"):
            columns = {("time" if k == "t" else "value" if k == "v" else k): v for k, v in history.items()}
            return _csv_response(alarm_export.series_csv(columns), f"{sensor_id}.csv")
    series = current().view.trails.series(sensor_id)
    if not series:
        return _error(404, f"no reading of {sensor_id} seen by this web worker yet")
    times = next(iter(series.values()))[0]
    table: dict[str, list[Any]] = {"time": [epoch_iso(x) for x in times]}
    table.update({name: values for name, (_, values) in series.items()})
    return _csv_response(alarm_export.series_csv(table), f"{sensor_id}.csv")


@api.get("/api/v1/alarms.csv")
def alarms_table() -> flask.Response:
    """The alarms listed by ``/api/v1/alarms`` (same filters), one row each."""
    return _csv_response(alarm_export.alarms_csv(_alarms()), "alarms.csv")


@api.get("/api/v1/alarms/trail.csv")
def alarms_trail_table() -> flask.Response:
    """Every entry of the listed alarms' trails (who, when, what, from where), oldest first: the audit trail."""
    return _csv_response(alarm_export.trail_csv(_alarms()), "alarm-trail.csv")
