"""The alarms and their trails as CSV tables (pandas), for taking away: one row per alarm, one row per entry of
every alarm's trail (the audit trail of the alarms kept: the last 24 hours of history, and every active one).

A cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return first)
gets a leading apostrophe: a comment is typed by a person, and a CSV is opened by another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from dashboard.alarms.listing import state_of

ALARM_COLUMNS = (
    "id",
    "state",
    "severity",
    "peak",
    "domain",
    "district",
    "entity",
    "reason",
    "raised",
    "updated",
    "cleared",
    "acknowledged_by",
    "acknowledged_at",
    "ack_comment",
    "shelved_until",
    "occurrence",
    "previous",
    "lat",
    "lon",
)
TRAIL_COLUMNS = (
    "alarm",
    "at",
    "what",
    "by",
    "role",
    "source",
    "action",
    "comment",
    "detail",
    "until",
    "severity",
    "reason",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    frame = pd.DataFrame([{c: _safe(row.get(c)) for c in columns} for row in rows], columns=list(columns))
    return frame.to_csv(index=False).encode("utf-8")


def series_csv(columns: Mapping[str, Iterable[object]]) -> bytes:
    """Parallel arrays (a sensor's history, a district's day of risk) as one CSV table, a row per time."""
    frame = pd.DataFrame({name: [_safe(v) for v in values] for name, values in columns.items()})
    return frame.to_csv(index=False).encode("utf-8")


def alarms_csv(alarms: Iterable[Mapping[str, Any]]) -> bytes:
    rows = []
    for a in alarms:
        ack = a.get("ack") or {}
        rows.append(
            {
                **{c: a.get(c) for c in ALARM_COLUMNS},
                "state": state_of(a),
                "acknowledged_by": ack.get("by"),
                "acknowledged_at": ack.get("at"),
                "ack_comment": ack.get("comment"),
            }
        )
    return _csv(rows, ALARM_COLUMNS)


def trail_csv(alarms: Iterable[Mapping[str, Any]]) -> bytes:
    rows = [{**entry, "alarm": a.get("id")} for a in alarms for entry in (a.get("trail") or ())]
    rows.sort(key=lambda r: (str(r.get("at")), str(r.get("alarm"))))
    return _csv(rows, TRAIL_COLUMNS)
