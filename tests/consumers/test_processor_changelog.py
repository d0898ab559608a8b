"""The changelog as deltas: what a compacted changelog keeps rebuilds exactly the running state, in any order,
and what it carries per reading does not grow with the windows or with the city."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.processor import Accepted, Processor, ProcessorConfig, SensorState
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
Record = tuple[bytes, bytes | None, int]


def compacted(records: list[Record]) -> list[Message]:
    """What log compaction leaves of a changelog: the latest record of each key, tombstoned keys gone, in order."""
    latest: dict[bytes, tuple[int, Record]] = {}
    for i, record in enumerate(records):
        latest[record[0]] = (i, record)
    kept = sorted((i, r) for i, r in latest.values() if r[1] is not None)
    return [Message("changelog", partition, i, key, value) for i, (key, value, partition) in kept]


def whole_state(state: SensorState) -> dict[str, object]:
    """Everything a restore must get back, beyond the published view."""
    return {
        "view": state.view(),
        "offset": state.offset,
        "topic": (state.topic, state.partition),
        "windows": {name: (w.times, w.values) for name, w in state.windows.items()},
        "scores": (state.scores.times, state.scores.values),
        "model": None if state.model is None else state.model.snapshot(),
    }


def readings_of(pack: CityPack, gaps: list[int], late: set[int]) -> list[Reading]:
    """A camera and a gauge reporting with these gaps (seconds); readings whose index is in ``late`` arrive
    ``gap`` seconds before the previous one (still within the allowed lateness)."""
    out = []
    camera, gauge = pack.sensors["CAM-01"], pack.sensors["NM-01"]
    at = T0
    for i, gap in enumerate(gaps):
        at += timedelta(seconds=gap)
        when = at - timedelta(seconds=2 * gap + 1) if i in late else at
        out.append(Reading(camera.type, camera.id, camera.district, when, {"smoke_confidence": (i % 17) / 20}))
        values = {"stage_m": 1.0 + (i % 13) / 50, "rain_mm_h": float(i % 5)}
        out.append(Reading(gauge.type, gauge.id, gauge.district, when, values))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    gaps=st.lists(st.integers(1, 600), min_size=2, max_size=400),
    late_every=st.integers(3, 50),
    flush_every=st.integers(1, 40),
    order=st.sampled_from(["as kept", "shuffled", "one per batch"]),
    seed=st.integers(0, 1000),
)
def test_the_compacted_changelog_rebuilds_exactly_the_running_state(
    pack: CityPack, gaps: list[int], late_every: int, flush_every: int, order: str, seed: int
) -> None:
    """Windows evicted by age (gaps up to ten minutes over hours) and by count (more than 240 readings an hour),
    late readings, flushes after any number of readings: restore gives back the very state that was running."""
    readings = readings_of(pack, gaps, set(range(late_every, len(gaps), late_every)))
    clock = ManualClock(T0)
    running = Processor(pack, ProcessorConfig(partitions=6), clock)
    running.assign(range(6))
    factory = MessageFactory(Settings())
    changelog: list[Record] = []
    for i, reading in enumerate(readings):
        clock.set(max(clock.now(), reading.event_time))
        running.process(factory.reading(reading))
        if i % flush_every == 0:
            changelog += running.drain().changelog
    changelog += running.drain().changelog

    messages = compacted(changelog)
    if order == "shuffled":
        random.Random(seed).shuffle(messages)
    restored = Processor(pack, ProcessorConfig(partitions=6), clock)
    if order == "one per batch":
        for message in messages:
            restored.restore([message])
    else:
        restored.restore(messages)
    restored.assign(range(6))

    assert set(restored.sensors) == set(running.sensors)
    for sensor_id in ("CAM-01",):  # the gauge's river model is rebuilt from its own records (test_processor)
        assert whole_state(restored.sensors[sensor_id]) == whole_state(running.sensors[sensor_id])
    gauge_running, gauge_restored = running.sensors["NM-01"], restored.sensors["NM-01"]
    assert gauge_restored.windows["stage_m"].times == gauge_running.windows["stage_m"].times
    assert gauge_restored.offset == gauge_running.offset and gauge_restored.values == gauge_running.values
    # The deltas the changelog keeps are few: those with a reading still in a window, and the newest.
    deltas = [m for m in messages if m.key and m.key.startswith(b"delta:CAM-01:")]
    assert len(deltas) <= len(running.sensors["CAM-01"].scores.times) + 1


def test_what_a_reading_costs_in_the_changelog_does_not_grow_as_its_windows_fill(pack: CityPack) -> None:
    """A camera every 10 s for two hours, flushed after each reading: the delta for the 700th reading is the size of
    the one for the 2nd, though the window now holds 240 samples; old deltas are tombstoned as they leave it."""
    clock = ManualClock(T0)
    processor = Processor(pack, ProcessorConfig(partitions=6), clock)
    processor.assign(range(6))
    factory = MessageFactory(Settings())
    camera = pack.sensors["CAM-01"]
    per_reading = []
    tombstones = 0
    for i in range(720):
        at = T0 + timedelta(seconds=10 * i)
        clock.set(at)
        reading = Reading(camera.type, camera.id, camera.district, at, {"smoke_confidence": 0.05 + (i % 7) / 100})
        assert processor.process(factory.reading(reading)) == Accepted("CAM-01")
        # The district's day of risk (risk_history:<district>, consumers.district_history) is written once per five
        # minutes of event time whatever reads, and grows over the day by design: it is not a reading's cost.
        records = [r for r in processor.drain().changelog if not r[0].startswith(b"risk_history:")]
        per_reading.append(sum(len(k) + len(v or b"") for k, v, _ in records))
        tombstones += sum(1 for _, v, _ in records if v is None)
    assert len(processor.sensors["CAM-01"].scores.times) == 240
    assert max(per_reading[600:]) <= per_reading[1] + 40  # one tombstone (a key) on top of a one-reading delta
    assert max(per_reading) < 200
    assert tombstones >= 720 - 241


def test_a_whole_window_snapshot_of_changelog_v1_is_rewritten_as_a_delta_and_then_removed(pack: CityPack) -> None:
    """An upgrade: the v1 record (whole windows under ``sensor:<id>``) is read, the next flush writes its readings
    as a delta and tombstones the v1 key, and the compacted result rebuilds the same state again."""
    clock = ManualClock(T0 + timedelta(minutes=30))
    camera = pack.sensors["CAM-01"]
    times = [(T0 + timedelta(minutes=m)).timestamp() for m in range(0, 30, 5)]
    v1 = {
        "v": 1,
        "id": camera.id,
        "topic": "city.fire",
        "partition": 2,
        "offset": 41,
        "event_time": times[-1],
        "values": {"smoke_confidence": 0.3},
        "windows": {"smoke_confidence": {"t": times, "v": [0.1, 0.1, 0.2, 0.2, 0.25, 0.3]}},
        "scores": {"t": times, "v": [1.0, 1.0, 2.0, 2.0, 3.0, 4.0]},
    }
    first = Processor(pack, ProcessorConfig(partitions=6), clock)
    first.restore([Message("changelog", 2, 0, b"sensor:CAM-01", json.dumps(v1).encode())])
    first.assign(range(6))
    state = first.sensors["CAM-01"]
    assert state.offset == 41 and state.windows["smoke_confidence"].times == times
    written = first.drain().changelog
    assert [(k, v is None) for k, v, _ in written] == [(b"delta:CAM-01:0", False), (b"sensor:CAM-01", True)]
    assert json.loads(written[0][1] or b"")["r"][-1] == [times[-1], state.scores.values[-1], {"smoke_confidence": 0.3}]

    again = Processor(pack, ProcessorConfig(partitions=6), clock)
    log = [(b"sensor:CAM-01", json.dumps(v1).encode(), 2), *written]
    again.restore(compacted(log))
    again.assign(range(6))
    assert [k for k, _, _ in again.drain().changelog] == []  # nothing to rewrite: no v1 record left
    assert whole_state(again.sensors["CAM-01"]) == whole_state(first.sensors["CAM-01"])


def test_a_changelog_key_this_version_cannot_read_is_skipped_not_fatal(pack: CityPack) -> None:
    """A restore that raised would crash the consumer at every start: a key it cannot parse is passed over."""
    processor = Processor(pack, ProcessorConfig(partitions=6), ManualClock(T0))
    records = [(b"delta:CAM-01:x", b"{}", 2), (b"delta:CAM-01", b"{}", 2), (b"window:CAM-01:3", b"{}", 2)]
    assert processor.restore(compacted(records)) == 0
    assert processor.sensors == {}
