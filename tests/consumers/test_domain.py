"""A domain plugs into the processor through ``consumers.domain`` alone (DESIGN.md, "Domains").

The river is the one real domain so far; this test adds a small one for power lines, in the test only, to show
that the processor needs no edit for it: the model is fed, folds its state into the score, is published under
the domain's name, goes to the changelog as ``<name>:<id>`` and comes back on restore.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consumers import processor as processor_module
from consumers.citypack import CityPack, SensorSpec
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.domain import Domain, SensorModel
from consumers.processor import Processor, ProcessorConfig
from consumers.rules import Assessment, level_for
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message
from consumers.window import SampleWindow

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
HOT_C = 70.0


class HottestSpan:
    """Remembers the hottest conductor temperature seen; at or above ``HOT_C`` it scores an alarm."""

    def __init__(self, hottest: float | None = None, newest_t: float | None = None) -> None:
        self.hottest = hottest
        self._newest_t = newest_t

    @property
    def newest_t(self) -> float | None:
        return self._newest_t

    def update(self, t: float, values: Mapping[str, float | str]) -> None:
        temp = values.get("conductor_temp_c")
        if isinstance(temp, float):
            self.hottest = temp if self.hottest is None else max(self.hottest, temp)
            self._newest_t = t if self._newest_t is None else max(self._newest_t, t)

    def assess(self, assessment: Assessment, now: float) -> Assessment:
        if self.hottest is not None and self.hottest >= HOT_C:
            return Assessment(90.0, level_for(90.0), f"was {self.hottest:.0f} °C")
        return assessment

    def view(self) -> dict[str, Any] | None:
        return {"hottest_c": self.hottest}

    def snapshot(self) -> dict[str, Any]:
        return {"hottest": self.hottest, "t": self._newest_t}

    def replay(self, windows: Mapping[str, SampleWindow]) -> None:
        window = windows.get("conductor_temp_c")
        for t, v in zip(window.times, window.values, strict=True) if window else ():
            if self._newest_t is None or t > self._newest_t:
                self.update(t, {"conductor_temp_c": v})

    def replayable_since(self, windows: Mapping[str, SampleWindow]) -> float | None:
        window = windows.get("conductor_temp_c")
        return window.times[0] if window and window.times else None


def _restore(spec: SensorSpec, doc: Mapping[str, Any]) -> HottestSpan:
    return HottestSpan(doc["hottest"], doc["t"])


HEAT = Domain("heat", frozenset({"grid.line"}), lambda spec: HottestSpan(), _restore)


@pytest.fixture
def with_heat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processor_module, "BY_SENSOR_TYPE", {**processor_module.BY_SENSOR_TYPE, "grid.line": HEAT})
    monkeypatch.setattr(processor_module, "BY_NAME", {**processor_module.BY_NAME, "heat": HEAT})


def line_reading(spec: SensorSpec, at: datetime, temp: float) -> Reading:
    values = {"conductor_temp_c": temp, "current_a": 400.0, "ambient_temp_c": 20.0, "wind_m_s": 2.0}
    return Reading(spec.type, spec.id, spec.district, at, values)


def test_a_new_domain_is_fed_published_snapshotted_and_restored_without_editing_the_processor(
    with_heat: None, pack: CityPack, settings: Settings
) -> None:
    spec = next(iter(pack.sensors_of_type("grid.line")))
    clock = ManualClock(T0)
    first = Processor(pack, ProcessorConfig(partitions=6), clock)
    first.assign(range(6))
    factory = MessageFactory(settings)
    changelog: list[tuple[bytes, bytes | None, int]] = []
    for minute, temp in enumerate([40.0, 75.0, 45.0, 42.0]):
        at = T0 + timedelta(minutes=minute)
        clock.set(at)
        first.process(factory.reading(line_reading(spec, at, temp)))
        changes = first.drain()
        changelog += changes.changelog
        view = json.loads(dict(changes.state)[f"sensor:{spec.id}".encode()])
    # Its view is published under its name, and its state is in the sensor's score: 75 °C is remembered.
    assert view["heat"] == {"hottest_c": 75.0}
    assert view["level"] == "alarm" and view["reason"] == "was 75 °C"
    # No heat:<id> snapshot yet: the windows still hold everything the model saw, and a restore replays them.
    assert not [k for k, _, _ in changelog if k.startswith(b"heat:")]
    restored = Processor(pack, ProcessorConfig(partitions=6), clock)
    restored.restore(Message("changelog", p, i, k, v) for i, (k, v, p) in enumerate(changelog))
    assert restored.sensors[spec.id].view() == first.sensors[spec.id].view()

    # With a model holding more than the windows (a snapshot restored into it), its snapshot is written.
    state = first.sensors[spec.id]
    state.model = HottestSpan(99.0, state.event_time)
    state.model_born_t = None
    at = T0 + timedelta(minutes=10)
    clock.set(at)
    first.process(factory.reading(line_reading(spec, at, 41.0)))
    flushed = first.drain().changelog
    written = [v for k, v, _ in flushed if k == f"heat:{spec.id}".encode()]
    assert len(written) == 1 and json.loads(written[0] or b"{}")["hottest"] == 99.0
    changelog += flushed
    again = Processor(pack, ProcessorConfig(partitions=6), clock)
    again.restore(Message("changelog", p, i, k, v) for i, (k, v, p) in enumerate(changelog))
    assert again.sensors[spec.id].view()["heat"] == {"hottest_c": 99.0}
    assert again.sensors[spec.id].view() == first.sensors[spec.id].view()


def test_a_snapshot_of_a_domain_this_version_does_not_know_is_passed_over(pack: CityPack) -> None:
    spec = next(iter(pack.sensors_of_type("grid.line")))
    processor = Processor(pack, ProcessorConfig(partitions=6), ManualClock(T0))
    assert processor.restore([Message("changelog", 0, 0, f"heat:{spec.id}".encode(), b'{"hottest": 1}')]) == 0
    assert spec.id not in processor.sensors
    # and a river snapshot under a sensor the river does not model is not read either
    assert processor.restore([Message("changelog", 0, 1, f"river:{spec.id}".encode(), b"{}")]) == 0


def test_the_river_is_a_domain_like_any_other(pack: CityPack) -> None:
    gauge = next(iter(pack.sensors_of_type("river.gauge")))
    assert processor_module.BY_SENSOR_TYPE["river.gauge"].name == "river"
    state = processor_module.SensorState(replace(gauge), "t", 0, 0, 0.0, {}, Assessment(0.0, "ok", ""))
    assert state.domain is processor_module.BY_NAME["river"]


def _refresh_unless_too_hot(models: Sequence[SensorModel]) -> None:
    """A batch refresh that fails on any model that has seen 200 °C (a stand-in for a solver that cannot)."""
    for model in models:
        if isinstance(model, HottestSpan) and (model.hottest or 0) >= 200:
            raise ValueError("no solution for this span")


BATCHED = replace(HEAT, name="batched", refresh=_refresh_unless_too_hot)


def test_a_refresh_that_fails_for_one_sensor_drops_that_sensor_and_publishes_the_rest(
    monkeypatch: pytest.MonkeyPatch, pack: CityPack, settings: Settings
) -> None:
    monkeypatch.setattr(processor_module, "BY_SENSOR_TYPE", {**processor_module.BY_SENSOR_TYPE, "grid.line": BATCHED})
    monkeypatch.setattr(processor_module, "BY_NAME", {**processor_module.BY_NAME, "batched": BATCHED})
    broken, *fine = pack.sensors_of_type("grid.line")[:4]
    clock = ManualClock(T0)
    processor = Processor(pack, ProcessorConfig(partitions=6), clock)
    processor.assign(range(6))
    factory = MessageFactory(settings)
    processor.process(factory.reading(line_reading(broken, T0, 250.0)))
    for spec in fine:
        processor.process(factory.reading(line_reading(spec, T0, 80.0)))
    published = {key for key, value in processor.drain().state if value is not None}
    assert {f"sensor:{spec.id}".encode() for spec in fine} <= published
    assert f"sensor:{broken.id}".encode() not in published and broken.id not in processor.sensors
    assert processor.deadlettered["internal_error"] == 1 and "no solution" in processor.internal_errors[-1]
    # The others were scored through their models, and the broken one comes back with its next good reading.
    assert all(processor.sensors[spec.id].assessment.reason == "was 80 °C" for spec in fine)
    processor.process(factory.reading(line_reading(broken, T0 + timedelta(minutes=1), 60.0)))
    assert f"sensor:{broken.id}".encode() in {key for key, _ in processor.drain().state}
