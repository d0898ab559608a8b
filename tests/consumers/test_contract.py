"""The telemetry contract: what decodes to a Reading, and the stable code of every way a record can be bad."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.contract import MAX_DETAIL_CHARS, RECORD_TYPES, ClockTick, NumberField, Reading, Rejection, decode
from tests.poison import Poison, corpus

CST = timezone(timedelta(hours=8))
EVENT_TIME = "2026-07-01T08:00:00+08:00"
DELETE = object()

VALID_VALUES: dict[str, dict[str, Any]] = {
    "river.gauge": {"stage_m": 1.25, "discharge_m3s": 6, "rain_mm_h": 0.4},
    "fire.camera": {"smoke_confidence": 0.07},
    "fire.smoke_detector": {"obscuration_pct_per_m": 0.05},
    "fire.heat_detector": {"temperature_c": 22},
    "fire.sprinkler": {"pressure_mpa": 0.12},
    "fire.hydrant": {"pressure_mpa": 0.3},
    "fire.extinguisher": {"status": "ok"},
    "fire.alarm_panel": {"status": "normal"},
    "fire.fire_door": {"status": "closed"},
    "grid.line": {"conductor_temp_c": 41.5, "current_a": 1240, "ambient_temp_c": -3.5, "wind_m_s": 2.0},
    "fire.citizen_report": {"lat": 26.5815, "lon": 106.7181, "text": "smoke from the <b>roof</b>"},
}


def record(type_name: str = "fire.camera", /, **fields: Any) -> dict[str, Any]:
    """A valid record of ``type_name``; keyword fields override it, ``DELETE`` removes a field."""
    doc: dict[str, Any] = {
        "schema": 1,
        "type": type_name,
        "sensor_id": "CAM-01",
        "district": "520102",
        "event_time": EVENT_TIME,
        **VALID_VALUES[type_name],
    }
    for name, value in fields.items():
        if value is DELETE:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


def raw(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def test_every_record_type_has_a_valid_example() -> None:
    assert set(VALID_VALUES) == set(RECORD_TYPES)


@pytest.mark.parametrize("type_name", sorted(VALID_VALUES))
def test_valid_record_decodes_to_a_reading(type_name: str) -> None:
    decoded = decode(raw(record(type_name)))

    assert isinstance(decoded, Reading), decoded
    assert (decoded.type, decoded.sensor_id, decoded.district) == (type_name, "CAM-01", "520102")
    assert decoded.event_time == datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    assert decoded.event_time.utcoffset() == timedelta(hours=8)
    assert dict(decoded.values) == VALID_VALUES[type_name]
    for name, value in decoded.values.items():
        expected_type = float if isinstance(RECORD_TYPES[type_name].field(name), NumberField) else str
        assert type(value) is expected_type, name


def test_optional_gauge_fields_may_be_absent_or_null() -> None:
    decoded = decode(raw(record("river.gauge", discharge_m3s=DELETE, rain_mm_h=None)))

    assert isinstance(decoded, Reading)
    assert dict(decoded.values) == {"stage_m": 1.25}


def test_discharge_alone_satisfies_a_gauge() -> None:
    decoded = decode(raw(record("river.gauge", stage_m=DELETE)))

    assert isinstance(decoded, Reading)
    assert set(decoded.values) == {"discharge_m3s", "rain_mm_h"}


def test_the_range_limits_themselves_are_accepted() -> None:
    low = decode(raw(record("river.gauge", stage_m=-5.0)))
    high = decode(raw(record("fire.camera", smoke_confidence=1)))

    assert isinstance(low, Reading)
    assert low.values["stage_m"] == -5.0
    assert isinstance(high, Reading)
    assert high.values["smoke_confidence"] == 1.0


BAD_RECORDS = [
    pytest.param(b'{"schema": 1, "type": "fire.camera",', "malformed_json", id="truncated-json"),
    pytest.param(b"", "malformed_json", id="empty-bytes"),
    pytest.param(
        json.dumps(record(sensor_id="Café"), ensure_ascii=False).encode("latin-1"), "malformed_json", id="latin-1-bytes"
    ),
    pytest.param(b"\x80\x81\x82", "malformed_json", id="non-utf8-garbage"),
    pytest.param(raw([record()]), "not_an_object", id="json-array"),
    pytest.param(b'"fire.camera"', "not_an_object", id="json-string"),
    pytest.param(None, "empty", id="none-value"),
    *(
        pytest.param(raw(record(**{name: DELETE})), "missing_field", id=f"missing-{name}")
        for name in ("schema", "type", "sensor_id", "district", "event_time")
    ),
    pytest.param(raw(record(smoke_confidence=DELETE)), "missing_field", id="missing-measurement"),
    pytest.param(raw(record(smoke_confidence=None)), "missing_field", id="null-measurement"),
    pytest.param(raw(record("fire.fire_door", status=DELETE)), "missing_field", id="missing-status"),
    pytest.param(
        raw(record("river.gauge", stage_m=DELETE, discharge_m3s=DELETE)), "missing_field", id="gauge-only-rain"
    ),
    pytest.param(
        raw(record("river.gauge", stage_m=None, discharge_m3s=None)), "missing_field", id="gauge-stage-discharge-null"
    ),
    pytest.param(raw(record(schema=2)), "unsupported_schema", id="schema-2"),
    pytest.param(raw(record(schema=0)), "unsupported_schema", id="schema-0"),
    pytest.param(raw(record(schema="1")), "unsupported_schema", id="schema-string"),
    pytest.param(raw(record(schema=True)), "unsupported_schema", id="schema-bool"),
    pytest.param(raw(record(type="fire.dragon")), "unknown_type", id="unknown-type"),
    pytest.param(raw(record(type="camera")), "unknown_type", id="type-without-domain"),
    pytest.param(raw(record(type=["fire.camera"])), "unknown_type", id="type-not-a-string"),
    pytest.param(raw(record(humidity=55.0)), "unexpected_field", id="extra-field"),
    pytest.param(raw(record(stage_m=1.0)), "unexpected_field", id="field-of-another-type"),
    pytest.param(raw(record(smoke_confidence="0.5")), "wrong_type", id="number-as-string"),
    pytest.param(raw(record(smoke_confidence=True)), "wrong_type", id="bool-for-number"),
    pytest.param(raw(record("grid.line", current_a=False)), "wrong_type", id="false-for-number"),
    pytest.param(raw(record(smoke_confidence=[0.5])), "wrong_type", id="list-for-number"),
    pytest.param(raw(record("fire.fire_door", status=0)), "wrong_type", id="number-for-status"),
    pytest.param(raw(record(sensor_id="")), "wrong_type", id="empty-sensor-id"),
    pytest.param(raw(record(district=520102)), "wrong_type", id="district-as-number"),
    pytest.param(raw(record(event_time=1782864000)), "wrong_type", id="epoch-number-timestamp"),
    pytest.param(
        b'{"schema":1,"type":"fire.camera","sensor_id":"C","district":"D",'
        b'"event_time":"2026-07-01T08:00:00+08:00","smoke_confidence":NaN}',
        "malformed_json",  # NaN and Infinity are not JSON (RFC 8259); the decoder refuses them as such
        id="nan",
    ),
    pytest.param(raw(record("grid.line", conductor_temp_c=float("inf"))), "malformed_json", id="infinity"),
    pytest.param(raw(record("grid.line", ambient_temp_c=float("-inf"))), "malformed_json", id="minus-infinity"),
    pytest.param(raw(record("river.gauge", stage_m=-50.0)), "out_of_range", id="stage-minus-50m"),
    pytest.param(raw(record("grid.line", conductor_temp_c=5000)), "out_of_range", id="conductor-5000C"),
    pytest.param(raw(record(smoke_confidence=1.5)), "out_of_range", id="confidence-1.5"),
    pytest.param(raw(record(smoke_confidence=-0.01)), "out_of_range", id="confidence-negative"),
    pytest.param(raw(record("fire.sprinkler", pressure_mpa=3.01)), "out_of_range", id="pressure-3.01MPa"),
    pytest.param(raw(record("fire.extinguisher", status="empty")), "out_of_range", id="bad-extinguisher-status"),
    pytest.param(raw(record("fire.alarm_panel", status="ALARM")), "out_of_range", id="status-wrong-case"),
    pytest.param(raw(record(event_time="2026-07-01T08:00:00")), "naive_timestamp", id="naive-timestamp"),
    pytest.param(raw(record(event_time="2026-07-01")), "naive_timestamp", id="date-only"),
    pytest.param(raw(record(event_time="01/07/2026 08:00")), "bad_timestamp", id="non-iso-timestamp"),
    pytest.param(raw(record(event_time="yesterday")), "bad_timestamp", id="word-timestamp"),
    pytest.param(raw(record(event_time="2026-02-30T08:00:00+08:00")), "bad_timestamp", id="impossible-date"),
    pytest.param(raw(record(smoke_confidence=7)), "out_of_range", id="camera-confidence-7"),
    pytest.param(raw(record(smoke_bearing_deg=361)), "out_of_range", id="bearing-361"),
    pytest.param(raw(record("grid.line", current_a=-5)), "out_of_range", id="negative-current"),
    pytest.param(raw(record("fire.citizen_report", text="x" * 10_000)), "too_long", id="report-10000-chars"),
    pytest.param(raw(record("fire.citizen_report", text=42)), "wrong_type", id="report-text-number"),
    pytest.param(raw(record("fire.citizen_report", lat=DELETE)), "missing_field", id="report-without-position"),
    pytest.param(raw(record("fire.citizen_report", lon=181)), "out_of_range", id="report-lon-181"),
]


def test_a_report_without_text_is_still_a_report() -> None:
    decoded = decode(raw(record("fire.citizen_report", text=DELETE)))
    assert isinstance(decoded, Reading)
    assert decoded.values == {"lat": 26.5815, "lon": 106.7181}


def test_a_reports_text_is_kept_as_said_markup_and_all() -> None:
    decoded = decode(raw(record("fire.citizen_report", text="<script>alert(1)</script> 着火了")))
    assert isinstance(decoded, Reading)
    assert decoded.values["text"] == "<script>alert(1)</script> 着火了"


@pytest.mark.parametrize(("value", "code"), BAD_RECORDS)
def test_bad_record_is_rejected_with_its_code(value: bytes | None, code: str) -> None:
    decoded = decode(value)

    assert isinstance(decoded, Rejection), decoded
    assert decoded.code == code, decoded.detail
    assert decoded.detail
    assert str(decoded).startswith(f"{code}: ")


def test_out_of_range_detail_names_the_field_value_and_limits() -> None:
    decoded = decode(raw(record("grid.line", conductor_temp_c=5000)))

    assert isinstance(decoded, Rejection)
    assert "conductor_temp_c" in decoded.detail
    assert "5000" in decoded.detail
    assert "250" in decoded.detail


def test_huge_integer_is_rejected_not_raised() -> None:
    value = b'{"schema":1,"type":"fire.camera","sensor_id":"C","district":"D","event_time":"2026-07-01T08:00:00+08:00",'
    value += b'"smoke_confidence":1' + b"0" * 400 + b"}"

    decoded = decode(value)

    assert isinstance(decoded, Rejection)
    assert decoded.code in ("out_of_range", "wrong_type", "malformed_json")


@pytest.mark.parametrize("type_name", sorted(VALID_VALUES))
def test_encode_then_decode_gives_the_same_reading(type_name: str) -> None:
    values = {k: float(v) if not isinstance(v, str) else v for k, v in VALID_VALUES[type_name].items()}
    reading = Reading(type_name, "S-1", "520111", datetime(2026, 7, 1, 23, 59, 30, 500_000, tzinfo=CST), values)

    decoded = decode(reading.encode())

    assert decoded == reading
    assert isinstance(decoded, Reading)
    assert decoded.event_time.utcoffset() == timedelta(hours=8)


def test_encode_keeps_non_ascii_ids() -> None:
    reading = Reading("fire.camera", "花溪-01", "520111", datetime(2026, 7, 1, tzinfo=CST), {"smoke_confidence": 0.1})

    assert decode(reading.encode()) == reading


LINE_FIELDS = [spec for spec in RECORD_TYPES["grid.line"].fields if isinstance(spec, NumberField)]


def _line_doc(name: str, value: float) -> bytes:
    return raw(record("grid.line", **{name: value}))


@given(data=st.data())
def test_any_finite_number_inside_a_line_field_range_decodes(data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(LINE_FIELDS), label="field")
    value = data.draw(
        st.one_of(
            st.floats(spec.low, spec.high, allow_nan=False, allow_infinity=False),
            st.integers(int(spec.low), int(spec.high)),
        ),
        label="value",
    )

    decoded = decode(_line_doc(spec.name, value))

    assert isinstance(decoded, Reading), decoded
    assert decoded.values[spec.name] == value
    assert type(decoded.values[spec.name]) is float


@given(data=st.data())
def test_any_finite_number_outside_a_line_field_range_is_out_of_range(data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(LINE_FIELDS), label="field")
    value = data.draw(
        st.one_of(
            st.floats(max_value=spec.low, exclude_max=True, allow_nan=False, allow_infinity=False),
            st.floats(min_value=spec.high, exclude_min=True, allow_nan=False, allow_infinity=False),
            st.integers(-(10**15), int(spec.low) - 1),
            st.integers(int(spec.high) + 1, 10**15),
        ),
        label="value",
    )

    decoded = decode(_line_doc(spec.name, value))

    assert isinstance(decoded, Rejection)
    assert decoded.code == "out_of_range"


@pytest.mark.parametrize("poison", corpus(), ids=lambda p: p.name)
def test_each_input_that_once_stopped_a_partition_is_rejected_with_a_reason(poison: Poison) -> None:
    decoded = decode(poison.value)
    assert isinstance(decoded, Rejection) and decoded.code == poison.code, decoded
    assert 0 < len(decoded.detail) <= MAX_DETAIL_CHARS
    decoded.detail.encode("utf-8")  # a reason always encodes, whatever the record carried


def test_an_id_longer_than_any_pack_id_is_refused_without_quoting_it_whole() -> None:
    decoded = decode(raw(record(sensor_id="C" * 5000)))
    assert isinstance(decoded, Rejection) and decoded.code == "wrong_type"
    assert "5000 characters" in decoded.detail and len(decoded.detail) < 200


@pytest.mark.parametrize(
    "event_time", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1969-12-31T23:59:59+00:00"]
)
def test_event_times_python_cannot_place_in_utc_or_outside_the_span_are_bad_timestamps(event_time: str) -> None:
    decoded = decode(raw(record(event_time=event_time)))
    assert isinstance(decoded, Rejection) and decoded.code == "bad_timestamp"


def test_a_clock_tick_decodes_with_its_time_and_speed() -> None:
    at = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert decode(ClockTick(at, 60.0).encode()) == ClockTick(at, 60.0)
    bad = decode(json.dumps({"schema": 1, "type": "sim.clock", "event_time": at.isoformat(), "speed": -1}).encode())
    assert isinstance(bad, Rejection) and bad.code == "wrong_type"
