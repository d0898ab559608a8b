"""The HTTP surface beside the Dash views: ``/health`` and the read-only JSON API under ``/api/v1/``.

Everything here reads the state view's current snapshot; nothing writes. Errors are JSON with a message,
never an HTML error page, so that scripts and monitoring can rely on the shape.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import flask

from dashboard.context import current
from dashboard.state_view import StateSnapshot

api = flask.Blueprint("api", __name__)


def _error(status: int, message: str) -> tuple[flask.Response, int]:
    return flask.jsonify({"error": message}), status


def health_document(snapshot: StateSnapshot, stale_after_s: float, now_wall: float) -> tuple[dict[str, Any], int]:
    """Liveness of the picture: ``ok`` (200), ``starting`` or ``restoring`` (200), ``stale`` (503).

    Stale means what a person at the wall would call stale: no consumer is alive, or no newer telemetry
    has arrived for ``stale_after_s`` (consumers keep publishing their status even when sensors are
    silent, so a live view alone does not prove live data).
    """
    consumers = snapshot.live_consumers(now_wall)
    consumed: Counter[str] = Counter()
    deadlettered = 0
    lag_total: int | None = None
    for c in consumers:
        consumed.update(c.get("consumed", {}))
        deadlettered += int(c.get("deadlettered_total", 0))
        if c.get("lag_total") is not None:
            lag_total = (lag_total or 0) + int(c["lag_total"])
    view_age = None if snapshot.updated_wall is None else round(now_wall - snapshot.updated_wall, 1)
    data_age = snapshot.data_age(now_wall)
    data_age = None if data_age is None else round(data_age, 1)
    if snapshot.updated_wall is None or not snapshot.caught_up:
        status = "starting"
    elif any(c.get("phase") == "restoring" for c in consumers):
        status = "restoring"
    elif not consumers or data_age is None or data_age > stale_after_s or (view_age or 0.0) > stale_after_s:
        status = "stale"  # no consumer alive, or no newer telemetry for too long
    else:
        status = "ok"
    doc = {
        "status": status,
        "last_event_time": snapshot.last_event_time(),
        "view": {
            "entities": len(snapshot.entities),
            "last_update_age_s": view_age,
            "last_data_age_s": data_age,
            "caught_up": snapshot.caught_up,
        },
        "records_consumed": dict(consumed),
        "deadlettered": deadlettered,
        "consumer_lag": lag_total,
        "consumers": [
            {k: c.get(k) for k in ("id", "phase", "restore", "partitions", "lag_total", "sensors", "age_s")}
            for c in consumers
        ],
    }
    return doc, 503 if status == "stale" else 200


@api.get("/health")
def health() -> tuple[flask.Response, int]:
    ctx = current()
    doc, status = health_document(ctx.view.snapshot, ctx.settings.ui_stale_after_s, time.time())
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
