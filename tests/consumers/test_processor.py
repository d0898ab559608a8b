"""The processor's guarantees, driven record by record with a manual clock (no broker)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import ClockTick, Reading, Rejection
from consumers.processor import Accepted, Clocked, DeadLetter, Processor, ProcessorConfig, Replayed, SensorState
from consumers.rules import stale_after_s
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message
from consumers.transport.memory import default_partition

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def processor(pack: CityPack, clock: ManualClock) -> Processor:
    return Processor(pack, ProcessorConfig(partitions=6), clock)


@pytest.fixture
def messages(settings: Settings) -> MessageFactory:
    return MessageFactory(settings)


def gauge(pack: CityPack, stage: float, at: datetime, sensor_id: str = "NM-01") -> Reading:
    spec = pack.sensors[sensor_id]
    return Reading("river.gauge", spec.id, spec.district, at, {"stage_m": stage})


def doc(reading: Reading, **changes: Any) -> bytes:
    body = reading.to_json()
    for key, value in changes.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return json.dumps(body).encode()


def test_a_good_reading_becomes_sensor_state_and_a_district_score(
    processor: Processor, messages: MessageFactory, pack: CityPack
) -> None:
    spec = pack.sensors["NM-01"]
    processor.assign(range(6))
    outcome = processor.process(messages.reading(gauge(pack, 3.5, T0)))
    assert outcome == Accepted("NM-01")
    changes = processor.drain()
    views = {k.decode(): json.loads(v) for k, v in changes.state if v is not None}
    sensor = views["sensor:NM-01"]
    assert sensor["level"] == "warning" and "3.50 m at or above the flood warning level 3 m" in sensor["reason"]
    assert sensor["river"]["state"] == "flood_warning"
    district = views[f"district:{spec.district}"]
    assert district["risk"] >= 60 and district["worst_sensor"] == "NM-01"
    # The changelog record goes to the sensor's input partition and carries the reading and the offset it reflects
    # (the gauge's river model gets a record of its own once it holds more than the windows do); the flood warning
    # raised an alarm, whose record and its district's book go to the same partition.
    records = {key: (value, partition) for key, value, partition in changes.changelog}
    assert sorted(records) == [b"alarm:520111-1", b"alarms:520111", b"delta:NM-01:0"]
    assert {p for _, p in records.values()} == {default_partition(spec.district.encode(), 6)}
    value, partition = records[b"delta:NM-01:0"]
    assert value is not None
    delta = json.loads(value)
    assert partition == default_partition(spec.district.encode(), 6) and delta["o"] == 0
    assert delta["r"] == [[T0.timestamp(), sensor["score"], {"stage_m": 3.5}]]


def _bad_cases(pack: CityPack) -> list[tuple[str, str, Any]]:
    good = gauge(pack, 1.0, T0)
    other_district = next(c for c in pack.districts if c != good.district)
    return [
        ("malformed json", "malformed_json", b"{not json"),
        ("not utf-8", "malformed_json", b"\xff\xfe\x00"),
        ("array", "not_an_object", b"[1, 2]"),
        ("missing field", "missing_field", doc(good, event_time=...)),
        ("extra field", "unexpected_field", doc(good, colour="blue")),
        ("wrong type", "wrong_type", doc(good, stage_m="high")),
        ("stage -50 m", "out_of_range", doc(good, stage_m=-50)),
        ("naive timestamp", "naive_timestamp", doc(good, event_time="2026-07-01T08:00:00")),
        ("unknown sensor", "unknown_sensor", doc(good, sensor_id="NM-99")),
        ("type mismatch", "sensor_type_mismatch", doc(good, sensor_id="CAM-01")),
        ("district mismatch", "district_mismatch", doc(good, district=other_district)),
        ("far future", "future_timestamp", doc(good, event_time=(T0 + timedelta(days=400)).isoformat())),
    ]


BAD_CASE_NAMES = [
    "malformed json",
    "not utf-8",
    "array",
    "missing field",
    "extra field",
    "wrong type",
    "stage -50 m",
    "naive timestamp",
    "unknown sensor",
    "type mismatch",
    "district mismatch",
    "far future",
]


@pytest.mark.parametrize("name", BAD_CASE_NAMES)
def test_bad_records_are_dead_lettered_with_a_reason_and_change_nothing(
    name: str, processor: Processor, messages: MessageFactory, pack: CityPack, settings: Settings
) -> None:
    _, code, raw = next(c for c in _bad_cases(pack) if c[0] == name)
    processor.assign(range(6))
    message = messages.raw(settings.topics.river, raw, pack.sensors["NM-01"].district.encode())
    outcome = processor.process(message)
    assert isinstance(outcome, DeadLetter), name
    assert outcome.rejection.code == code
    assert outcome.message is message
    assert processor.sensors == {}
    assert processor.deadlettered[code] == 1


def test_a_conductor_at_5000_degrees_is_out_of_range(
    processor: Processor, messages: MessageFactory, pack: CityPack
) -> None:
    spec = pack.sensors_of_type("grid.line")[0]
    reading = Reading(
        "grid.line",
        spec.id,
        spec.district,
        T0,
        {"conductor_temp_c": 40.0, "current_a": 300.0, "ambient_temp_c": 20.0, "wind_m_s": 1.0},
    )
    message = messages.raw(messages.settings.topics.grid, doc(reading, conductor_temp_c=5000), spec.district.encode())
    outcome = processor.process(message)
    assert isinstance(outcome, DeadLetter) and outcome.rejection.code == "out_of_range"
    assert "5000" in outcome.rejection.detail


def test_key_and_topic_must_match_the_record(processor: Processor, messages: MessageFactory, pack: CityPack) -> None:
    good = gauge(pack, 1.0, T0)
    wrong_key = messages.raw(messages.settings.topics.river, good.encode(), b"520199")
    wrong_topic = messages.raw(messages.settings.topics.fire, good.encode(), good.district.encode())
    codes = []
    for m in (wrong_key, wrong_topic):
        outcome = processor.process(m)
        assert isinstance(outcome, DeadLetter)
        codes.append(outcome.rejection.code)
    assert codes == ["key_mismatch", "wrong_topic"]


def test_a_bad_record_between_good_ones_loses_nothing(
    processor: Processor, messages: MessageFactory, pack: CityPack
) -> None:
    processor.assign(range(6))
    first = messages.reading(gauge(pack, 1.0, T0))
    bad = messages.raw(first.topic, b"garbage", first.key)
    second = messages.reading(gauge(pack, 1.5, T0 + timedelta(minutes=5)))
    outcomes = [processor.process(m) for m in (first, bad, second)]
    assert [type(o) for o in outcomes] == [Accepted, DeadLetter, Accepted]
    assert processor.sensors["NM-01"].values["stage_m"] == 1.5
    assert processor.sensors["NM-01"].windows["stage_m"].values == [1.0, 1.5]


def test_duplicates_and_late_records_are_dead_lettered_but_slightly_late_ones_are_kept(
    processor: Processor, messages: MessageFactory, pack: CityPack, clock: ManualClock
) -> None:
    clock.set(T0 + timedelta(minutes=10))
    processor.process(messages.reading(gauge(pack, 1.0, T0)))
    processor.process(messages.reading(gauge(pack, 1.2, T0 + timedelta(minutes=10))))
    duplicate = processor.process(messages.reading(gauge(pack, 9.9, T0)))
    slightly_late = processor.process(messages.reading(gauge(pack, 1.1, T0 + timedelta(minutes=5))))
    very_late = processor.process(messages.reading(gauge(pack, 1.1, T0 - timedelta(hours=2))))
    assert isinstance(duplicate, DeadLetter) and duplicate.rejection.code == "duplicate"
    assert slightly_late == Accepted("NM-01")
    assert isinstance(very_late, DeadLetter) and very_late.rejection.code == "late"
    state = processor.sensors["NM-01"]
    # The late sample sits in order in the window, but the latest value is still the newest reading.
    assert state.windows["stage_m"].values == [1.0, 1.1, 1.2]
    assert state.values["stage_m"] == 1.2


def test_replaying_records_after_a_restore_does_not_change_the_state(
    pack: CityPack, clock: ManualClock, messages: MessageFactory
) -> None:
    batch = [messages.reading(gauge(pack, 1.0 + i / 10, T0 + timedelta(minutes=5 * i))) for i in range(6)]
    clock.set(T0 + timedelta(minutes=25))
    first = Processor(pack, ProcessorConfig(partitions=6), clock)
    first.assign(range(6))
    for m in batch:
        first.process(m)
    changelog = first.drain().changelog
    before = first.sensors["NM-01"].view()

    restored = Processor(pack, ProcessorConfig(partitions=6), clock)
    restored.restore(
        Message("changelog", partition, i, key, value) for i, (key, value, partition) in enumerate(changelog)
    )
    restored.assign(range(6))
    outcomes = [restored.process(m) for m in batch]  # at-least-once: the whole batch is delivered again
    assert first.consumed[batch[0].topic] == len(batch)
    assert all(isinstance(o, Replayed) for o in outcomes)
    assert restored.sensors["NM-01"].view() == before
    assert restored.replayed == len(batch) and not restored.deadlettered


def test_a_silent_sensor_becomes_stale_and_never_counts_as_ok(
    processor: Processor, messages: MessageFactory, pack: CityPack, clock: ManualClock
) -> None:
    spec = pack.sensors["NM-01"]
    processor.assign(range(6))
    processor.process(messages.reading(gauge(pack, 1.0, T0)))
    processor.drain()
    clock.advance(stale_after_s("river.gauge") + 1)
    changes = processor.drain()
    views = {k.decode(): json.loads(v) for k, v in changes.state if v is not None}
    assert views["sensor:NM-01"]["stale"] is True
    district = views[f"district:{spec.district}"]
    assert district["counts"]["stale"] >= 1
    assert district["counts"]["ok"] == sum(
        1
        for s in pack.sensors_in_district(spec.district)
        if s.id in processor.sensors and not processor.sensors[s.id].stale
    )


def test_a_district_with_no_reports_has_no_score(processor: Processor) -> None:
    processor.assign(range(6))
    views = {k.decode(): json.loads(v) for k, v in processor.drain().state if v is not None}
    assert len([k for k in views if k.startswith("district:")]) == 10
    assert all(v["risk"] is None and v["level"] == "no_data" for k, v in views.items() if k.startswith("district:"))


def test_revoked_partitions_are_forgotten(processor: Processor, messages: MessageFactory, pack: CityPack) -> None:
    processor.assign(range(6))
    m = messages.reading(gauge(pack, 1.0, T0))
    processor.process(m)
    processor.revoke([m.partition])
    assert "NM-01" not in processor.sensors
    assert m.partition not in processor.owned
    views = {k.decode() for k, _ in processor.drain().state}
    assert f"district:{pack.sensors['NM-01'].district}" not in views


def _changelog_messages(records: list[tuple[bytes, bytes | None, int]]) -> list[Message]:
    return [Message("changelog", partition, i, key, value) for i, (key, value, partition) in enumerate(records)]


def test_the_river_model_goes_to_the_changelog_only_when_the_windows_move_past_its_last_snapshot(
    processor: Processor, messages: MessageFactory, pack: CityPack, clock: ManualClock
) -> None:
    """A new gauge's model is not written while the one-hour windows still hold everything it has seen (a restore
    rebuilds it from them); after that, once the windows no longer reach back to the last snapshot: about once an
    hour for a gauge reporting every minute, where every flush carries its reading in a delta."""
    processor.assign(range(6))
    river_writes = []
    for minute in range(0, 200):
        clock.set(T0 + timedelta(minutes=minute))
        processor.process(messages.reading(gauge(pack, 1.2 - minute / 1000, T0 + timedelta(minutes=minute))))
        keys = [key for key, _, _ in processor.drain().changelog]
        assert f"delta:NM-01:{minute}".encode() in keys
        if b"river:NM-01" in keys:
            river_writes.append(minute)
    assert river_writes == [61, 122, 183]


def _compacted(records: list[tuple[bytes, bytes | None, int]]) -> list[tuple[bytes, bytes | None, int]]:
    """What a compacted changelog keeps: the last record of each key, tombstones dropped."""
    latest = {key: (key, value, partition) for key, value, partition in records}
    return [record for record in latest.values() if record[1] is not None]


@pytest.mark.parametrize("every_s", [10, 120, 300])
def test_a_gauge_restored_after_any_flush_is_the_model_that_was_running(
    pack: CityPack, clock: ManualClock, messages: MessageFactory, every_s: int
) -> None:
    """The model is written only when the windows move past its last snapshot, whatever the gauge's cadence: at
    ten seconds the windows are bounded by their 240 samples (40 minutes), at five minutes by their hour. A
    restore from the compacted changelog after any flush rebuilds the running model and view exactly."""
    first = Processor(pack, ProcessorConfig(partitions=6), clock)
    first.assign(range(6))
    spec = pack.sensors["NM-01"]
    changelog: list[tuple[bytes, bytes | None, int]] = []
    steps = 12 * 3600 // every_s
    cuts = set(range(steps // 2, steps, max(1, steps // 40)))
    compared = written = 0
    for step in range(steps):
        at = T0 + timedelta(seconds=step * every_s)
        hours = step * every_s / 3600
        rain = 3.0 if 2 <= hours < 3 else 0.0
        values = {"stage_m": round(1.5 * 0.97 ** (hours / 24) + 0.01 * (step % 7), 4), "rain_mm_h": rain}
        clock.set(at)
        first.process(messages.reading(Reading("river.gauge", spec.id, spec.district, at, values)))
        flushed = first.drain().changelog
        written += sum(key == b"river:NM-01" for key, _, _ in flushed)
        changelog += flushed
        if step in cuts:
            restored = Processor(pack, ProcessorConfig(partitions=6), clock)
            restored.restore(_changelog_messages(_compacted(changelog)))
            running, rebuilt = first.sensors["NM-01"].model, restored.sensors["NM-01"].model
            assert running is not None and rebuilt is not None
            assert rebuilt.snapshot() == running.snapshot(), f"restored after {at.isoformat()}"
            assert restored.sensors["NM-01"].view() == first.sensors["NM-01"].view()
            compared += 1
    assert compared >= 20
    window_s = min(3600, 240 * every_s)
    assert 12 * 3600 // window_s - 1 <= written <= 12 * 3600 // window_s + 1


def test_a_new_gauge_restored_before_its_model_was_ever_written_is_rebuilt_from_its_windows(
    pack: CityPack, clock: ManualClock, messages: MessageFactory
) -> None:
    first = Processor(pack, ProcessorConfig(partitions=6), clock)
    first.assign(range(6))
    changelog: list[tuple[bytes, bytes | None, int]] = []
    for minute in range(0, 50, 2):
        clock.set(T0 + timedelta(minutes=minute))
        first.process(messages.reading(gauge(pack, 1.5 - minute / 500, T0 + timedelta(minutes=minute))))
        changelog += first.drain().changelog
    assert not [key for key, _, _ in changelog if key.startswith(b"river:")]
    restored = Processor(pack, ProcessorConfig(partitions=6), clock)
    restored.restore(_changelog_messages(changelog))
    running, rebuilt = first.sensors["NM-01"].model, restored.sensors["NM-01"].model
    assert running is not None and rebuilt is not None
    assert rebuilt.snapshot() == running.snapshot()
    assert restored.sensors["NM-01"].view() == first.sensors["NM-01"].view()


@pytest.mark.parametrize("order", ["as written", "river records first", "one record per batch"])
def test_a_gauge_restored_from_its_last_records_is_the_model_that_was_running(
    pack: CityPack, clock: ManualClock, messages: MessageFactory, order: str
) -> None:
    """The river model is written when the windows move past its last snapshot and the sensor every flush; the
    samples in between come back from the sensor's windows, so the rebuilt forecast and warnings are exactly the
    running ones."""
    first = Processor(pack, ProcessorConfig(partitions=6), clock)
    first.assign(range(6))
    changelog: list[tuple[bytes, bytes | None, int]] = []
    for minute in range(0, 3 * 24 * 60, 2):  # three days every two minutes, falling; rain on the first morning
        at = T0 + timedelta(minutes=minute)
        rain = 2.0 if 300 <= minute < 360 else 0.0
        spec = pack.sensors["NM-01"]
        values = {"stage_m": round(1.5 * 0.95 ** (minute / 1440), 4), "rain_mm_h": rain}
        clock.set(at)
        assert first.process(messages.reading(Reading("river.gauge", spec.id, spec.district, at, values))) == Accepted(
            "NM-01"
        )
        changelog += first.drain().changelog
    latest = {key: (key, value, partition) for key, value, partition in changelog}  # what compaction keeps
    records = list(latest.values())
    newest_delta = max((k for k in latest if k.startswith(b"delta:")), key=lambda k: int(k.rsplit(b":", 1)[1]))
    assert json.loads(latest[newest_delta][1])["r"][-1][0] > json.loads(latest[b"river:NM-01"][1])["latest"][0]
    restored = Processor(pack, ProcessorConfig(partitions=6), clock)
    if order == "river records first":
        records.sort(key=lambda r: not r[0].startswith(b"river:"))
    if order == "one record per batch":
        for message in _changelog_messages(records):
            restored.restore([message])
    else:
        restored.restore(_changelog_messages(records))

    running, rebuilt = first.sensors["NM-01"].model, restored.sensors["NM-01"].model
    assert running is not None and rebuilt is not None
    assert rebuilt.snapshot() == running.snapshot()
    assert restored.sensors["NM-01"].view() == first.sensors["NM-01"].view()


def camera(pack: CityPack, sensor_id: str, at: datetime, confidence: float = 0.05) -> Reading:
    spec = pack.sensors[sensor_id]
    return Reading(spec.type, spec.id, spec.district, at, {"smoke_confidence": confidence})


def test_one_sensor_with_a_clock_an_hour_ahead_neither_stales_others_nor_gets_its_real_readings_refused(
    processor: Processor, messages: MessageFactory, pack: CityPack, clock: ManualClock
) -> None:
    """On the wall clock, "now" is the wall clock: a sensor's wrong clock cannot move it (issue 7: 24 records 59
    minutes ahead made every other sensor stale and this sensor's own real readings late)."""
    processor.assign(range(6))
    others = [s.id for s in pack.sensors_of_type("fire.camera") if s.id != "CAM-01"]
    for sensor_id in others:
        processor.process(messages.reading(camera(pack, sensor_id, T0)))
    ahead = [
        processor.process(messages.reading(camera(pack, "CAM-01", T0 + timedelta(minutes=59, seconds=i))))
        for i in range(24)
    ]
    assert all(isinstance(o, DeadLetter) and o.rejection.code == "future_timestamp" for o in ahead)
    clock.advance(60)
    processor.drain()
    assert not any(processor.sensors[s].stale for s in others)
    assert processor.process(messages.reading(camera(pack, "CAM-01", T0 + timedelta(seconds=60)))) == Accepted("CAM-01")


def test_on_the_simulated_clock_now_is_the_newest_tick_and_readings_beyond_it_are_refused(
    pack: CityPack, clock: ManualClock, messages: MessageFactory
) -> None:
    processor = Processor(pack, ProcessorConfig(partitions=6, simulated_clock=True), clock)
    processor.assign(range(6))
    ahead = T0 + timedelta(days=3)  # a 60x simulator three days into its run
    assert isinstance(processor.process(messages.raw("city.fire", ClockTick(ahead, 60).encode(), None)), Clocked)
    assert processor.now() == ahead.timestamp() and processor.sim_speed == 60
    assert processor.process(messages.reading(camera(pack, "CAM-01", ahead))) == Accepted("CAM-01")
    beyond = processor.process(messages.reading(camera(pack, "CAM-02", ahead + timedelta(minutes=30))))
    assert isinstance(beyond, DeadLetter) and beyond.rejection.code == "future_timestamp"
    # An older tick (another partition's, delivered late) never moves simulated time back.
    processor.process(messages.raw("city.fire", ClockTick(T0, 60).encode(), None))
    assert processor.now() == ahead.timestamp()


def test_a_clock_tick_on_the_wall_clock_is_refused(processor: Processor, messages: MessageFactory) -> None:
    outcome = processor.process(messages.raw("city.fire", ClockTick(T0, 60).encode(), None))
    assert isinstance(outcome, DeadLetter) and outcome.rejection.code == "clock_refused"
    assert processor.now() == T0.timestamp()


def test_a_record_in_a_partition_its_key_does_not_hash_to_is_dead_lettered_as_wrong_partition(
    processor: Processor, pack: CityPack
) -> None:
    """librdkafka clients hash keys with CRC32 by default: their records land where no consumer looks for them."""
    reading = camera(pack, "CAM-01", T0)
    right = default_partition(reading.district.encode(), 6)
    wrong = Message("city.fire", (right + 1) % 6, 0, reading.district.encode(), reading.encode())
    outcome = processor.process(wrong)
    assert isinstance(outcome, DeadLetter) and outcome.rejection.code == "wrong_partition"
    assert "murmur2" in outcome.rejection.detail
    assert processor.process(Message("city.fire", right, 0, wrong.key, wrong.value)) == Accepted("CAM-01")


def test_a_record_whose_processing_raises_is_dead_lettered_and_the_partition_moves_on(
    processor: Processor, messages: MessageFactory, pack: CityPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The safety net for bugs: a record that trips one becomes an ``internal_error`` dead letter with the
    exception's last line, its sensor starts afresh, and the records after it are applied as usual."""
    processor.assign(range(6))
    original = SensorState.apply

    def apply_breaking_on_0_5(self: SensorState, reading: Reading, offset: int, t: float) -> None:
        if reading.values.get("smoke_confidence") == 0.5:
            raise ZeroDivisionError("a bug in a rule")
        original(self, reading, offset, t)

    monkeypatch.setattr(SensorState, "apply", apply_breaking_on_0_5)
    processor.process(messages.reading(camera(pack, "CAM-01", T0 - timedelta(minutes=2), 0.1)))
    broken = processor.process(messages.reading(camera(pack, "CAM-01", T0 - timedelta(minutes=1), 0.5)))
    assert isinstance(broken, DeadLetter) and broken.rejection == Rejection(
        "internal_error", "ZeroDivisionError: a bug in a rule"
    )
    assert processor.process(messages.reading(camera(pack, "CAM-01", T0, 0.2))) == Accepted("CAM-01")
    assert processor.deadlettered["internal_error"] == 1 and "a bug in a rule" in processor.internal_errors[0]
    views = {k.decode(): json.loads(v) for k, v in processor.drain().state if v is not None}
    assert views["sensor:CAM-01"]["values"] == {"smoke_confidence": 0.2}
