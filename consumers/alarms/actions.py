"""Operators' actions on alarms, as records on ``city.actions``: the contract, and its checks. Pure, no I/O.

An action is written by a web worker, keyed by the alarm's district (so it lands on the partition of the
processor that owns the alarm), and applied by that processor, the one writer of alarm state. What a web worker
checks before writing (the role, the alarm's state in its view) is checked again here: the web's view may be a
second behind, and a record on the topic may come from anything that can write to it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from consumers.contract import Rejection, json_bytes

ACTION_SCHEMA = 1
ACTION_TYPE = "alarm.action"
KINDS = ("ack", "shelve", "unshelve", "comment")
ROLES = ("viewer", "operator", "admin")
ACTING_ROLES = frozenset({"operator", "admin"})
MAX_COMMENT_CHARS = 2000
"""A comment longer than this is refused, not cut: the operator must know the note did not go in whole."""
MAX_ACTION_BYTES = 16 * 1024
MAX_SHELVE_S = 24 * 3600.0
MAX_ID_CHARS = 100


@dataclass(frozen=True, slots=True)
class Action:
    """One operator's action on one alarm, as the web worker wrote it."""

    kind: str
    alarm: str
    id: str
    """Unique per action (a UUID the web worker makes): the same action sent twice is applied once."""
    user: str
    role: str
    source: str
    """Where it came from: the client address and the web worker, for the trail."""
    sent_at: str
    comment: str = ""
    shelve_s: float = 0.0

    def encode(self) -> bytes:
        doc: dict[str, Any] = {
            "schema": ACTION_SCHEMA,
            "type": ACTION_TYPE,
            "action": self.kind,
            "alarm": self.alarm,
            "id": self.id,
            "user": self.user,
            "role": self.role,
            "source": self.source,
            "sent_at": self.sent_at,
        }
        if self.comment:
            doc["comment"] = self.comment
        if self.kind == "shelve":
            doc["shelve_s"] = self.shelve_s
        return json_bytes(doc)


def new_action_id() -> str:
    return uuid.uuid4().hex


def district_of(alarm_id: str) -> str:
    """Alarm ids are ``<district>-<n>``: the key an action on it is written with."""
    return alarm_id.rpartition("-")[0]


def _text(doc: dict[str, Any], name: str, limit: int = MAX_ID_CHARS, required: bool = True) -> str | Rejection:
    value = doc.get(name)
    if value is None or value == "":
        return Rejection("missing_field", f"{name} is required") if required else ""
    if not isinstance(value, str):
        return Rejection("bad_field", f"{name} must be text, got {type(value).__name__}")
    if len(value) > limit:
        return Rejection("too_long", f"{name} is {len(value):,} characters, more than {limit:,}")
    return value


def decode_action(raw: bytes | None) -> Action | Rejection:
    """An action record, or exactly why it is not one (dead-lettered with that reason)."""
    if raw is None:
        return Rejection("empty", "record has no value")
    if len(raw) > MAX_ACTION_BYTES:
        return Rejection("too_large", f"action is {len(raw):,} bytes, more than {MAX_ACTION_BYTES:,}")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return Rejection("malformed_json", str(exc))
    if not isinstance(doc, dict):
        return Rejection("not_an_object", f"expected a JSON object, got {type(doc).__name__}")
    if doc.get("schema") != ACTION_SCHEMA or doc.get("type") != ACTION_TYPE:
        return Rejection("unsupported_schema", f"expected type {ACTION_TYPE!r}, schema {ACTION_SCHEMA}")
    fields: dict[str, str] = {}
    for name, limit, required in (
        ("action", 20, True),
        ("alarm", MAX_ID_CHARS, True),
        ("id", MAX_ID_CHARS, True),
        ("user", MAX_ID_CHARS, True),
        ("role", 20, True),
        ("source", 300, False),
        ("sent_at", 40, True),
        ("comment", MAX_COMMENT_CHARS, False),
    ):
        value = _text(doc, name, limit, required)
        if isinstance(value, Rejection):
            return value
        fields[name] = value
    if fields["action"] not in KINDS:
        return Rejection("unknown_action", f"action {fields['action']!r} is not one of {', '.join(KINDS)}")
    if fields["role"] not in ROLES:
        return Rejection("unknown_role", f"role {fields['role']!r} is not one of {', '.join(ROLES)}")
    if fields["role"] not in ACTING_ROLES:
        return Rejection("not_allowed", f"a {fields['role']} may not {fields['action']} alarms")
    try:
        sent = datetime.fromisoformat(fields["sent_at"])
    except ValueError:
        return Rejection("bad_field", f"sent_at {fields['sent_at']!r} is not an ISO 8601 time")
    if sent.tzinfo is None:
        return Rejection("naive_timestamp", "sent_at must carry its UTC offset")
    shelve_s = 0.0
    if fields["action"] == "shelve":
        seconds = doc.get("shelve_s")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 60 <= seconds <= MAX_SHELVE_S:
            return Rejection("bad_field", f"shelve_s must be a number of seconds from 60 to {MAX_SHELVE_S:g}")
        shelve_s = float(seconds)
    if fields["action"] == "comment" and not fields["comment"].strip():
        return Rejection("missing_field", "a comment needs its text")
    return Action(
        kind=fields["action"],
        alarm=fields["alarm"],
        id=fields["id"],
        user=fields["user"],
        role=fields["role"],
        source=fields["source"],
        sent_at=fields["sent_at"],
        comment=fields["comment"],
        shelve_s=shelve_s,
    )
