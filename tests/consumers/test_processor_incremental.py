"""The processor's incremental bookkeeping gives what recomputing everything at every flush gave.

A flush used to rescan every sensor of the city twice (which went stale, and each changed district's score); at
city scale that was a fifth of the flush, so both are now kept incrementally (a heap of staleness deadlines, a
tally per district). These tests drive the processor with simulated readings, silences, clock jumps (also
backwards) and dropped partitions, and after every flush compare with the full recomputation.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.district_risk import SensorSummary, district_risk
from consumers.processor import Processor, ProcessorConfig
from consumers.rules import stale_after_s
from consumers.settings import Settings
from consumers.testing import MessageFactory
from simulator.model import CitySimulator

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def readings(pack: CityPack) -> list[Reading]:
    """Two hours of the whole city in the demo scenario: every sensor type, scores from ok to alarm."""
    return list(CitySimulator(pack, seed=3, start=T0, scenario="demo").until(T0 + timedelta(hours=2)))


def recomputed(processor: Processor, pack: CityPack, code: str) -> dict[str, object]:
    """A district's score from all its sensors, the way every flush computed it before."""
    summaries = []
    for spec in pack.sensors_in_district(code):
        state = processor.sensors.get(spec.id)
        summary = None if state is None else state.summary
        summaries.append(summary or SensorSummary(spec.id, spec.type, None, True))
    risk = district_risk(summaries)
    return {
        "risk": risk.risk,
        "level": risk.level,
        "domains": risk.domains,
        "counts": risk.counts,
        "worst_sensor": risk.worst_sensor,
        "worst_reason": risk.worst_reason,
        "reasons": risk.reasons,
        "sensors": risk.sensors,
        "fresh": risk.fresh,
    }


step = st.one_of(
    st.tuples(st.just("feed"), st.integers(1, 400)),
    st.tuples(st.just("advance"), st.sampled_from([30, 200, 500, 950, 3600])),
    st.tuples(st.just("back"), st.sampled_from([60, 1000, 4000])),
    st.tuples(st.just("silence"), st.integers(0, 10_000)),
    st.tuples(st.just("revoke"), st.integers(0, 5)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_flushes_publish_what_a_full_recomputation_gives(
    pack: CityPack, settings: Settings, readings: list[Reading], steps: list[tuple[str, int]]
) -> None:
    clock = ManualClock(T0)
    processor = Processor(pack, ProcessorConfig(partitions=6), clock)
    processor.assign(range(6))
    factory = MessageFactory(settings)
    silenced: set[str] = set()
    fed = 0
    published: dict[str, dict[str, object]] = {}
    for kind, n in steps:
        if kind == "feed":
            batch = [r for r in readings[fed : fed + n] if r.sensor_id not in silenced]
            fed += n
            for reading in batch:
                if reading.event_time > clock.now():
                    clock.set(reading.event_time)
                processor.process(factory.reading(reading))
        elif kind == "advance":
            clock.advance(n)
        elif kind == "back":
            clock.set(clock.now() - timedelta(seconds=n))
        elif kind == "silence":
            silenced.add(sorted(pack.sensors)[n % len(pack.sensors)])
        else:
            processor.revoke([n])
            processor.assign([n])  # as after a rebalance that gave it back, with nothing restored
        for key, value in processor.drain().state:
            assert value is not None
            published[key.decode()] = json.loads(value)

        now = clock.now().timestamp()
        for sensor_id, state in processor.sensors.items():
            assert state.stale == (now - state.event_time > stale_after_s(state.spec.type)), sensor_id
            assert published[f"sensor:{sensor_id}"]["stale"] == state.stale, sensor_id
        for code in pack.districts:
            view = published[f"district:{code}"]
            assert {k: view[k] for k in recomputed(processor, pack, code)} == recomputed(processor, pack, code), code
            states = [s for s in processor.sensors.values() if s.spec.district == code]
            newest = max((s.event_time for s in states), default=None)
            assert view["event_time"] == (None if newest is None else datetime.fromtimestamp(newest, UTC).isoformat())


def _views(processor: Processor) -> dict[str, dict[str, object]]:
    return {k.decode(): json.loads(v) for k, v in processor.drain().state if v is not None}


def test_a_sensor_heard_from_again_goes_stale_only_after_its_new_silence(
    pack: CityPack, settings: Settings, readings: list[Reading]
) -> None:
    """Its first deadline passes while it is fresh: it must be looked at again when its newer one passes."""
    first = next(r for r in readings if r.type == "grid.line")
    later = next(r for r in readings if r.sensor_id == first.sensor_id and r.event_time > first.event_time)
    limit = timedelta(seconds=stale_after_s(first.type))
    clock = ManualClock(first.event_time)
    processor = Processor(pack, ProcessorConfig(partitions=6), clock)
    processor.assign(range(6))
    factory = MessageFactory(settings)
    processor.process(factory.reading(first))
    _views(processor)
    clock.set(later.event_time)
    processor.process(factory.reading(later))
    _views(processor)
    clock.set(first.event_time + limit + timedelta(seconds=1))  # the first deadline, no flush since the reading
    assert processor.sensors[first.sensor_id].stale is False
    assert _views(processor).get(f"sensor:{first.sensor_id}") is None  # nothing changed: nothing published
    clock.set(later.event_time + limit + timedelta(seconds=1))
    assert _views(processor)[f"sensor:{first.sensor_id}"]["stale"] is True


def test_a_clock_set_back_makes_a_stale_sensor_fresh_again(
    pack: CityPack, settings: Settings, readings: list[Reading]
) -> None:
    reading = readings[0]
    clock = ManualClock(reading.event_time)
    processor = Processor(pack, ProcessorConfig(partitions=6), clock)
    processor.assign(range(6))
    processor.process(MessageFactory(settings).reading(reading))
    _views(processor)
    clock.advance(stale_after_s(reading.type) + 60)
    assert _views(processor)[f"sensor:{reading.sensor_id}"]["stale"] is True
    clock.advance(-(stale_after_s(reading.type) + 30))  # the wall clock corrected backwards
    view = _views(processor)
    assert view[f"sensor:{reading.sensor_id}"]["stale"] is False
    district = view[f"district:{reading.district}"]["counts"]
    assert isinstance(district, dict) and district["stale"] == 0
    clock.advance(stale_after_s(reading.type))  # and it goes stale again when its silence is long enough
    assert _views(processor)[f"sensor:{reading.sensor_id}"]["stale"] is True
