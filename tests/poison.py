"""The inputs that once stopped a partition (issue 7), as raw record values with the key they arrived with.

Shared by the unit tests (decoder, processor, dead-letter builder) and the regression test through the real
broker, so that each one is tried at every layer it broke.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

VALID_CAMERA = {
    "schema": 1,
    "type": "fire.camera",
    "sensor_id": "CAM-01",
    "district": "520103",
    "event_time": "2026-07-01T08:00:00+08:00",
    "smoke_confidence": 0.07,
}


@dataclass(frozen=True, slots=True)
class Poison:
    """One hostile record: what it is, its bytes, its key, and the rejection code it must get."""

    name: str
    value: bytes
    key: bytes
    code: str


def _camera(**changes: object) -> bytes:
    return json.dumps({**VALID_CAMERA, **changes}).encode()


def corpus(district: str = "520103", sensor_id: str = "CAM-01") -> list[Poison]:
    """The six findings, for a camera in ``district``."""
    key = district.encode()
    base = {"district": district, "sensor_id": sensor_id}
    return [
        Poison("nested 10,000 levels", b"[" * 10_000 + b"]" * 10_000, key, "malformed_json"),
        Poison("5,000-digit integer", b'{"schema": 1, "n": ' + b"7" * 5000 + b"}", key, "malformed_json"),
        Poison("year 0001 at +14:00", _camera(**base, event_time="0001-01-01T00:00:00+14:00"), key, "bad_timestamp"),
        Poison("600,000-character sensor id", _camera(district=district, sensor_id="S" * 600_000), key, "too_large"),
        Poison("1,048,400-byte value", b'{"pad": "' + b"x" * (1_048_400 - 11) + b'"}', key, "too_large"),
        # json.dumps writes the lone surrogate as the six characters \ud800: JSON's grammar allows the escape, but it
        # is no Unicode character, and the decoder refuses it (a string that is not UTF-8 could not be passed on).
        Poison("lone surrogate district", _camera(sensor_id=sensor_id, district="\ud800"), key, "malformed_json"),
    ]
