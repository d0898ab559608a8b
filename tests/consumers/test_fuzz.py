"""No input can stop a partition: Hypothesis throws bytes, JSON of any shape, valid records with mutated fields,
extreme timestamps and numbers at the decoder, the processor and the dead-letter builder.

Each input must yield exactly one outcome, nothing may raise, and whatever the processor then publishes must be
valid JSON that any consumer of the state topic can read.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import RECORD_TYPES, ClockTick, Reading, Rejection, decode
from consumers.processor import Accepted, Clocked, DeadLetter, Processor, ProcessorConfig, Replayed
from consumers.runner import MAX_DEADLETTER_KEY_BYTES, MAX_DEADLETTER_VALUE_BYTES, deadletter_record
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message
from tests.poison import corpus

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50)
)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner, max_size=5)
)
extreme_times = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda t: t.isoformat()),
    st.datetimes().map(lambda t: t.isoformat()),  # naive
    st.text(max_size=40),
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59", "2026-07-01T08:00:00Z"]),
)


def fresh_processor(pack: CityPack, simulated: bool = False) -> Processor:
    processor = Processor(pack, ProcessorConfig(partitions=6, simulated_clock=simulated), ManualClock(NOW))
    processor.assign(range(6))
    return processor


@st.composite
def mutated_records(draw: st.DrawFn, pack: CityPack) -> tuple[bytes, bytes | None]:
    """A valid record of a real sensor (value and key), then zero to three fields replaced, removed or added."""
    spec = draw(st.sampled_from(sorted(pack.sensors.values(), key=lambda s: s.id)))
    at = NOW - timedelta(seconds=draw(st.integers(min_value=0, max_value=7200)))
    values: dict[str, Any] = {}
    for f in RECORD_TYPES[spec.type].fields:
        values[f.name] = draw(st.floats(min_value=f.low, max_value=f.high)) if hasattr(f, "low") else f.choices[0]  # type: ignore[union-attr]
    doc = Reading(spec.type, spec.id, spec.district, at, values).to_json()
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        name = draw(st.sampled_from([*doc, "extra"]))
        action = draw(st.sampled_from(["replace", "remove", "time", "number"]))
        if action == "remove":
            doc.pop(name, None)
        elif action == "time":
            doc["event_time"] = draw(extreme_times)
        elif action == "number":
            doc[name] = draw(st.integers(min_value=-(10**400), max_value=10**400) | st.floats())
        else:
            doc[name] = draw(json_values)
    key = draw(st.sampled_from([spec.district.encode(), None, b"520102", "\ud800".encode("utf-8", "surrogatepass")]))
    return json.dumps(doc).encode(), key


def check_one_outcome(processor: Processor, messages: list[Message]) -> None:
    """Every message gives exactly one outcome, the counters add up, and what is published is readable JSON."""
    clocked = 0
    for message in messages:
        outcome = processor.process(message)
        assert isinstance(outcome, Accepted | Replayed | Clocked | DeadLetter)
        clocked += isinstance(outcome, Clocked)
        if isinstance(outcome, DeadLetter):
            value, key, headers = deadletter_record(message, outcome.rejection.code, outcome.rejection.detail)
            assert value is None or len(value) <= MAX_DEADLETTER_VALUE_BYTES
            assert key is None or len(key) <= MAX_DEADLETTER_KEY_BYTES
            assert sum(len(v) for _, v in headers) < 4000
    counted = sum(processor.consumed.values()) + sum(processor.deadlettered.values()) + processor.replayed + clocked
    assert counted == len(messages)
    changes = processor.drain()
    for _, value, _ in changes.changelog:
        assert value is not None and isinstance(json.loads(value), dict)
    for _, value in changes.state:
        assert value is not None and isinstance(json.loads(value), dict)


@FUZZ
@given(data=st.binary(max_size=3000), key=st.none() | st.binary(max_size=20))
def test_any_bytes_give_one_outcome_and_never_raise(pack: CityPack, data: bytes, key: bytes | None) -> None:
    decoded = decode(data)
    assert isinstance(decoded, Reading | ClockTick | Rejection)
    check_one_outcome(fresh_processor(pack), [Message("city.fire", 0, 0, key, data)])


@FUZZ
@given(doc=json_values)
def test_json_of_any_shape_gives_one_outcome_and_never_raises(pack: CityPack, doc: Any) -> None:
    value = json.dumps(doc).encode()
    check_one_outcome(fresh_processor(pack), [Message("city.river", 1, 0, b"520102", value)])


@FUZZ
@given(data=st.data(), simulated=st.booleans())
def test_valid_records_with_mutated_fields_give_one_outcome_each(
    pack: CityPack, data: st.DataObject, simulated: bool
) -> None:
    factory = MessageFactory(Settings())
    messages = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=12))):
        value, key = data.draw(mutated_records(pack))
        topic = data.draw(st.sampled_from(["city.river", "city.fire", "city.grid"]))
        messages.append(factory.raw(topic, value, key))
    check_one_outcome(fresh_processor(pack, simulated), messages)


def test_the_poison_corpus_between_valid_records_leaves_the_valid_ones_applied(pack: CityPack) -> None:
    processor = fresh_processor(pack)
    factory = MessageFactory(Settings())
    camera = pack.sensors["CAM-01"]
    before = Reading(camera.type, camera.id, camera.district, NOW - timedelta(minutes=2), {"smoke_confidence": 0.1})
    after = Reading(camera.type, camera.id, camera.district, NOW - timedelta(minutes=1), {"smoke_confidence": 0.2})
    poisons = corpus(camera.district, camera.id)
    messages = [factory.reading(before), *(factory.raw("city.fire", p.value, p.key) for p in poisons)]
    messages.append(factory.reading(after))
    outcomes = [processor.process(m) for m in messages]
    assert [o.rejection.code for o in outcomes if isinstance(o, DeadLetter)] == [p.code for p in poisons]
    assert outcomes[0] == outcomes[-1] == Accepted("CAM-01")
    view = json.loads(dict(processor.drain().state)[b"sensor:CAM-01"])
    assert view["values"] == {"smoke_confidence": 0.2} and view["stats"]["smoke_confidence"]["n"] == 2
