"""The telemetry contract: record types, their fields and plausible ranges, and the decoder.

This module is the single source of truth for what a valid telemetry record is. The simulator encodes with
it, the consumers decode with it, and ``docs/telemetry.md`` documents it. Decoding returns a value
(``Reading`` or ``Rejection``) instead of raising, so that a bad record becomes a dead-letter entry with a
reason and never stops the stream (DESIGN principle 4).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

SCHEMA_VERSION = 1

MAX_RECORD_BYTES = 64 * 1024
"""A reading is a few hundred bytes; anything this large is refused before it is parsed, so a hostile value
(a megabyte of nested brackets, a 5,000-digit number) costs a length check, not a parse."""
MAX_ID_CHARS = 64
"""Ids and district codes of a city pack are short; a longer one cannot match and would bloat every reason,
dead-letter header and state key that quotes it."""
MAX_DETAIL_CHARS = 300
"""Reasons quote what they refuse; bounded so that a dead letter's headers stay small whatever came in."""
EARLIEST_EVENT_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_EVENT_TIME = datetime(2200, 1, 1, tzinfo=UTC)
"""Event times outside this span are refused: ``0001-01-01T00:00:00+14:00`` parses, but it is not a moment
in UTC that Python can represent, and the state of a sensor must always be publishable."""

DOMAINS = ("river", "fire", "grid")

COMMON_FIELDS = ("schema", "type", "sensor_id", "district", "event_time")


@dataclass(frozen=True, slots=True)
class NumberField:
    """A numeric measurement with the range outside which a reading is physically implausible."""

    name: str
    unit: str
    low: float
    high: float
    required: bool = True


@dataclass(frozen=True, slots=True)
class StatusField:
    """A discrete status reported by a piece of equipment."""

    name: str
    choices: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True, slots=True)
class TextField:
    """Free text (what a caller said): shown to people, escaped wherever it is, bounded in length."""

    name: str
    max_chars: int
    required: bool = True


FieldSpec = NumberField | StatusField | TextField

REPORT_TYPE = "fire.citizen_report"
"""A call from a person, not a reading of a sensor of the pack: it goes to the district's incidents
(``consumers.fire.incidents``), and its ``sensor_id`` is the call's own id."""
MAX_REPORT_TEXT_CHARS = 1000
"""A call-taker's note is a few sentences; a longer text is refused rather than cut, so nothing shown is a
fragment of what was said."""


@dataclass(frozen=True, slots=True)
class RecordType:
    """One kind of sensor record; ``name`` is ``<domain>.<kind>`` and picks the topic by its domain."""

    name: str
    description: str
    fields: tuple[FieldSpec, ...]
    at_least_one_of: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return self.name.split(".", 1)[0]

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


RECORD_TYPES: Mapping[str, RecordType] = {
    t.name: t
    for t in (
        RecordType(
            "river.gauge",
            "Water-level gauge: stage above the gauge datum and/or discharge, with rainfall at the gauge.",
            (
                NumberField("stage_m", "m", -5.0, 50.0, required=False),
                NumberField("discharge_m3s", "m³/s", 0.0, 20000.0, required=False),
                NumberField("rain_mm_h", "mm/h", 0.0, 300.0, required=False),
            ),
            at_least_one_of=("stage_m", "discharge_m3s"),
        ),
        RecordType(
            "fire.camera",
            "Smoke-detecting camera: confidence of the smoke classifier for the current frame and, when it sees "
            "smoke, the compass bearing of the smoke from the camera (clockwise from north).",
            (
                NumberField("smoke_confidence", "1", 0.0, 1.0),
                NumberField("smoke_bearing_deg", "°", 0.0, 360.0, required=False),
            ),
        ),
        RecordType(
            REPORT_TYPE,
            "Emergency call reporting smoke or fire: where the call-taker located it and what the caller said. "
            "``sensor_id`` is the call's id in the call-taking system, ``district`` the district of the position.",
            (
                NumberField("lat", "°", -90.0, 90.0),
                NumberField("lon", "°", -180.0, 180.0),
                TextField("text", MAX_REPORT_TEXT_CHARS, required=False),
            ),
        ),
        RecordType(
            "fire.smoke_detector",
            "Point smoke detector: optical obscuration.",
            (NumberField("obscuration_pct_per_m", "%/m", 0.0, 100.0),),
        ),
        RecordType(
            "fire.heat_detector",
            "Point heat detector: air temperature at the detector.",
            (NumberField("temperature_c", "°C", -40.0, 200.0),),
        ),
        RecordType(
            "fire.sprinkler",
            "Sprinkler system: water pressure at the most remote head.",
            (NumberField("pressure_mpa", "MPa", 0.0, 3.0),),
        ),
        RecordType(
            "fire.hydrant",
            "Hydrant: network water pressure.",
            (NumberField("pressure_mpa", "MPa", 0.0, 3.0),),
        ),
        RecordType(
            "fire.extinguisher",
            "Portable extinguisher with a pressure and presence monitor.",
            (StatusField("status", ("ok", "low_pressure", "missing", "expired")),),
        ),
        RecordType(
            "fire.alarm_panel",
            "Fire alarm control panel.",
            (StatusField("status", ("normal", "alarm", "fault", "disabled")),),
        ),
        RecordType(
            "fire.fire_door",
            "Fire door with a position switch.",
            (StatusField("status", ("closed", "open", "fault")),),
        ),
        RecordType(
            "grid.line",
            "Overhead power-line segment: conductor temperature and load with the weather at the span (the wind's "
            "direction, where reported, as the compass bearing it blows from).",
            (
                NumberField("conductor_temp_c", "°C", -50.0, 250.0),
                NumberField("current_a", "A", 0.0, 5000.0),
                NumberField("ambient_temp_c", "°C", -50.0, 60.0),
                NumberField("wind_m_s", "m/s", 0.0, 75.0),
                NumberField("wind_from_deg", "°", 0.0, 360.0, required=False),
            ),
        ),
    )
}


SENSOR_TYPES: frozenset[str] = frozenset(name for name in RECORD_TYPES if name != REPORT_TYPE)
"""The record types that sensors of a city pack send (every type but the citizen report)."""


def json_bytes(doc: Any) -> bytes:
    """JSON as bytes of their own size: orjson's result keeps at least 4 KiB allocated whatever its length, and
    records wait in logs and pending lists (during an outage, many) before anyone copies them."""
    return memoryview(orjson.dumps(doc)).tobytes()


def topic_suffix(record_type: str) -> str:
    """The domain part of a record type, which names its topic (``river.gauge`` -> ``river``)."""
    return record_type.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Reading:
    """A decoded, structurally valid record. ``values`` holds only the measurement fields."""

    type: str
    sensor_id: str
    district: str
    event_time: datetime
    values: Mapping[str, float | str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "type": self.type,
            "sensor_id": self.sensor_id,
            "district": self.district,
            "event_time": self.event_time.isoformat(),
            **self.values,
        }

    def encode(self) -> bytes:
        return json_bytes(self.to_json())


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a record is not accepted. ``code`` is stable (counted, filtered on); ``detail`` is for people.

    The detail is cut to ``MAX_DETAIL_CHARS`` and made encodable (a lone surrogate becomes its escape), so
    whatever a record quotes, its reason fits in a header and encodes as UTF-8.
    """

    code: str
    detail: str

    def __post_init__(self) -> None:
        detail = self.detail.encode("utf-8", "backslashreplace").decode("utf-8")
        if len(detail) > MAX_DETAIL_CHARS:
            detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
        object.__setattr__(self, "detail", detail)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def quoted(value: object, limit: int = 60) -> str:
    """``repr`` of a refused value, shortened: reasons say what came in without carrying all of it."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_text(value: object) -> bool:
    """A string that encodes as UTF-8 (JSON allows lone surrogates such as ``"\\ud800"``; UTF-8 does not).

    An ASCII string always does, and checking that is a flag read, not an encoding."""
    if not isinstance(value, str):
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


CLOCK_TYPE = "sim.clock"
"""The simulator's clock record: not a reading but the simulated "now" (see ``ClockTick``)."""


@dataclass(frozen=True, slots=True)
class ClockTick:
    """The simulated clock's time, sent by the simulator to every input partition ahead of its readings.

    Why: a simulator at 60x produces event times far ahead of the wall clock. Consumers configured with
    ``CITYOPS_CLOCK=simulated`` take "now" (for staleness and the future-time check) from these ticks, the way
    a stream processor takes watermarks from its source, instead of from the newest reading, which any one
    sensor with a wrong clock could push forward. With the wall clock (production) they are refused.
    """

    event_time: datetime
    speed: float

    def encode(self) -> bytes:
        doc = {"schema": SCHEMA_VERSION, "type": CLOCK_TYPE, "event_time": self.event_time.isoformat()}
        return json.dumps({**doc, "speed": self.speed}, separators=(",", ":")).encode()


def _decode_clock(doc: Mapping[str, Any]) -> ClockTick | Rejection:
    event_time = parse_event_time(doc.get("event_time"))
    if isinstance(event_time, Rejection):
        return event_time
    speed = doc.get("speed")
    if not isinstance(speed, int | float) or isinstance(speed, bool) or not 0 < speed <= 1e6:
        return Rejection("wrong_type", f"a clock record needs a positive speed, got {quoted(speed)}")
    if set(doc) - {"schema", "type", "event_time", "speed"}:
        return Rejection("unexpected_field", "a clock record has only schema, type, event_time and speed")
    return ClockTick(event_time, float(speed))


def parse_event_time(value: object) -> datetime | Rejection:
    """Parse an ISO 8601 timestamp that carries its UTC offset; a naive timestamp is ambiguous, so rejected."""
    if not isinstance(value, str):
        return Rejection("wrong_type", f"event_time must be an ISO 8601 string, got {type(value).__name__}")
    if len(value) > 40:
        return Rejection("bad_timestamp", f"event_time {quoted(value)} is not ISO 8601")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return Rejection("bad_timestamp", f"event_time {quoted(value)} is not ISO 8601")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return Rejection("naive_timestamp", f"event_time {quoted(value)} has no UTC offset")
    try:
        in_utc = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not EARLIEST_EVENT_TIME <= in_utc < LATEST_EVENT_TIME:
        return Rejection(
            "bad_timestamp",
            f"event_time {quoted(value)} is outside {EARLIEST_EVENT_TIME.year}..{LATEST_EVENT_TIME.year - 1}",
        )
    return parsed


def decode(raw: bytes | None) -> Reading | ClockTick | Rejection:
    """Decode one record value into a ``Reading``, or say exactly why it is not one."""
    if raw is None:
        return Rejection("empty", "record has no value")
    if len(raw) > MAX_RECORD_BYTES:
        return Rejection("too_large", f"record is {len(raw)} bytes, more than {MAX_RECORD_BYTES}")
    try:
        doc = orjson.loads(raw)  # a fifth of json.loads' time; refuses NaN, depth over 1,024 and bad UTF-8
    except orjson.JSONDecodeError as exc:
        return Rejection("malformed_json", str(exc))
    if not isinstance(doc, dict):
        return Rejection("not_an_object", f"expected a JSON object, got {type(doc).__name__}")
    if doc.get("type") == CLOCK_TYPE and doc.get("schema") == SCHEMA_VERSION:
        return _decode_clock(doc)
    return decode_document(doc)


def _allowed_fields(record_type: RecordType) -> frozenset[str]:
    return frozenset(COMMON_FIELDS) | {spec.name for spec in record_type.fields}


ALLOWED_FIELDS = {name: _allowed_fields(record_type) for name, record_type in RECORD_TYPES.items()}
"""Per record type, the fields a record may have (computed once: decoding is the consumer's hottest path)."""


def decode_document(doc: Mapping[str, Any]) -> Reading | Rejection:
    """Validate an already-parsed JSON object against the contract."""
    for name in COMMON_FIELDS:
        if name not in doc:
            return Rejection("missing_field", f"{name} is required")
    schema = doc["schema"]
    if schema != SCHEMA_VERSION or isinstance(schema, bool):
        return Rejection("unsupported_schema", f"schema {quoted(schema)} is not {SCHEMA_VERSION}")
    type_name = doc["type"]
    record_type = RECORD_TYPES.get(type_name) if isinstance(type_name, str) else None
    if record_type is None:
        return Rejection("unknown_type", f"type {quoted(type_name)} is not one of {sorted(RECORD_TYPES)}")
    for name in ("sensor_id", "district"):
        value = doc[name]
        if not isinstance(value, str) or not value or len(value) > MAX_ID_CHARS or not _is_text(value):
            if not _is_text(value) or not value:
                return Rejection("wrong_type", f"{name} must be a non-empty UTF-8 string, got {quoted(value)}")
            return Rejection("wrong_type", f"{name} is {len(value)} characters long, at most {MAX_ID_CHARS}")
    event_time = parse_event_time(doc["event_time"])
    if isinstance(event_time, Rejection):
        return event_time

    extra = doc.keys() - ALLOWED_FIELDS[type_name]
    if extra:
        extra_sorted = sorted(extra)
        return Rejection(
            "unexpected_field", f"{type_name} does not have {', '.join(quoted(x) for x in extra_sorted[:5])}"
        )

    values: dict[str, float | str] = {}
    for spec in record_type.fields:
        value = doc.get(spec.name)
        if value is None:
            if spec.required:
                return Rejection("missing_field", f"{spec.name} is required for {type_name}")
            continue
        if isinstance(spec, NumberField):
            kind = value.__class__
            if kind is float:
                number = value
            elif kind is int:
                try:
                    number = float(value)  # a JSON integer can be too large for a float
                except OverflowError:
                    return Rejection("out_of_range", f"{spec.name} is too large ({len(str(value))} digits)")
            else:  # bool too: JSON's true is no number
                return Rejection("wrong_type", f"{spec.name} must be a finite number, got {quoted(value)}")
            if not math.isfinite(number):
                return Rejection("wrong_type", f"{spec.name} must be a finite number, got {quoted(value)}")
            if not spec.low <= number <= spec.high:
                return Rejection(
                    "out_of_range",
                    f"{spec.name}={value} {spec.unit} is outside {spec.low}..{spec.high} {spec.unit}",
                )
            values[spec.name] = number
        elif isinstance(spec, TextField):
            if not _is_text(value):
                return Rejection("wrong_type", f"{spec.name} must be a UTF-8 string, got {quoted(value)}")
            if len(value) > spec.max_chars:
                return Rejection("too_long", f"{spec.name} is {len(value)} characters long, at most {spec.max_chars}")
            values[spec.name] = value
        else:
            if not isinstance(value, str):
                return Rejection("wrong_type", f"{spec.name} must be a string, got {quoted(value)}")
            if value not in spec.choices:
                return Rejection("out_of_range", f"{spec.name}={quoted(value)} is not one of {spec.choices}")
            values[spec.name] = value
    if record_type.at_least_one_of and not any(name in values for name in record_type.at_least_one_of):
        return Rejection("missing_field", f"{type_name} needs at least one of {', '.join(record_type.at_least_one_of)}")
    return Reading(record_type.name, doc["sensor_id"], doc["district"], event_time, values)
