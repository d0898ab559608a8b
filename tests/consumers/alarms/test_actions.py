"""The contract of an operator's action: what is refused, and why."""

from __future__ import annotations

import orjson
import pytest

from consumers.alarms.actions import Action, decode_action, district_of
from consumers.contract import Rejection

GOOD = Action("ack", "520111-4", "a1", "li.wei", "operator", "10.0.0.7", "2026-07-01T08:00:00+00:00", "on it")


def with_(**changes: object) -> bytes:
    doc = orjson.loads(GOOD.encode())
    for name, value in changes.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value
    return orjson.dumps(doc)


def test_an_action_round_trips_and_names_its_district() -> None:
    assert decode_action(GOOD.encode()) == GOOD
    assert district_of(GOOD.alarm) == "520111"


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        (with_(alarm=None), "missing_field", "alarm is required"),
        (with_(user=None), "missing_field", "user is required"),
        (with_(comment="x" * 100_000), "too_large", "more than 16,384"),
        (with_(comment="x" * 2001), "too_long", "comment is 2,001 characters, more than 2,000"),
        (with_(role="viewer"), "not_allowed", "a viewer may not ack alarms"),
        (with_(role="root"), "unknown_role", "'root'"),
        (with_(action="delete"), "unknown_action", "'delete' is not one of ack, shelve, unshelve, comment"),
        (with_(sent_at="2026-07-01T08:00:00"), "naive_timestamp", "UTC offset"),
        (with_(action="shelve"), "bad_field", "shelve_s must be a number of seconds from 60 to 86400"),
        (with_(action="shelve", shelve_s=10**9), "bad_field", "shelve_s"),
        (with_(action="comment", comment=None), "missing_field", "a comment needs its text"),
        (with_(type="reading"), "unsupported_schema", "alarm.action"),
        (b"[1]", "not_an_object", "list"),
        (b"{", "malformed_json", ""),
        (None, "empty", "no value"),
    ],
)
def test_a_bad_action_is_refused_with_a_reason_a_person_can_act_on(raw: bytes | None, code: str, words: str) -> None:
    refused = decode_action(raw)
    assert isinstance(refused, Rejection), refused
    assert refused.code == code and words in refused.detail, refused
