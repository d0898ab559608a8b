"""The river model through the real broker: a dry spell produced by a plain client raises a drought warning in the
published state at least 72 hours of event time before the river falls below its drought level.

The gauge reports every 30 minutes of event time, from now onwards, faster than real time: like the simulator, the
test sends a clock tick (``CITYOPS_CLOCK=simulated``) to every river partition before each chunk, so two weeks of
river play in seconds. The state is read back, chunk by chunk, through the dashboard's own ``StateView``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from kafka.producer import KafkaProducer

from consumers.citypack import CityPack
from consumers.contract import ClockTick, Reading
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from dashboard.state_view import StateView
from tests.consumers.test_runner_kafka import wait_for

pytestmark = pytest.mark.kafka
GAUGE = "NM-01"
STEP = timedelta(minutes=30)
CHUNK = 12  # records per chunk: six hours of event time between looks at the state


def dry_spell(start: datetime, normal: float, seed: int = 1) -> Iterator[tuple[datetime, float]]:
    """Two steady days at the normal stage, then eleven days without rain receding at K = 0.93 per day, with
    about 1 cm of autocorrelated gauge noise: the level halves about 9.5 days into the dry spell."""
    rng = random.Random(seed)
    noise = 0.0
    for i in range(13 * 48):
        dry_days = max(0.0, i / 48 - 2.0)
        noise = 0.8 * noise + rng.gauss(0.0, 0.004)
        yield start + i * STEP, round(normal * 0.93**dry_days + noise, 3)


def test_a_produced_dry_spell_raises_a_drought_warning_three_days_before_the_crossing(
    kafka_settings: Settings, pack: CityPack, producer: KafkaProducer, view: StateView, runner_thread: ConsumerRunner
) -> None:
    spec = pack.sensors[GAUGE]
    threshold = float(spec.params["thresholds"]["drought_low"])
    normal = float(spec.params["normal"]["stage_m"])
    series = list(dry_spell(datetime.now(UTC).replace(microsecond=0), normal))
    crossing = next(at for at, stage in series if stage < threshold)

    seen: list[tuple[datetime, str, float | None]] = []  # (chunk's last event time, river state, drought ETA)
    for first in range(0, len(series), CHUNK):
        chunk = series[first : first + CHUNK]
        tick = ClockTick(chunk[-1][0], 1800.0).encode()
        for partition in range(kafka_settings.partitions):
            producer.send(kafka_settings.topics.river, value=tick, partition=partition)
        for at, stage in chunk:
            reading = Reading("river.gauge", spec.id, spec.district, at, {"stage_m": stage, "rain_mm_h": 0.0})
            producer.send(kafka_settings.topics.river, key=spec.district.encode(), value=reading.encode())
        producer.flush(timeout=30)
        last = chunk[-1][0]
        wait_for(
            view,
            lambda s, last=last: (
                (doc := s.sensor(GAUGE)) is not None and datetime.fromisoformat(doc["event_time"]) == last
            ),
            f"{GAUGE} at {last.isoformat()}",
        )
        river = view.snapshot.sensor(GAUGE)["river"]  # type: ignore[index]
        seen.append((last, river["state"], river["drought_eta_hours"]))

    warned = [(at, eta) for at, state, eta in seen if state == "drought_warning"]
    assert warned, f"no drought warning; states seen: {sorted({state for _, state, _ in seen})}"
    first_warning, eta_hours = warned[0]
    lead_h = (crossing - first_warning).total_seconds() / 3600
    assert lead_h >= 72.0, f"warned only {lead_h:.1f} h before the crossing at {crossing.isoformat()}"
    # Once raised it holds through the crossing: no flapping.
    assert all(state == "drought_warning" for at, state, _ in seen if first_warning <= at <= crossing), seen
    # The ETA is the forecast median's crossing; the first reading below comes a little earlier, by noise.
    assert eta_hours is not None and abs(eta_hours - lead_h) <= 0.25 * lead_h, (eta_hours, lead_h)
    # Before the dry spell was two days old, the river was not in a drought warning.
    assert all(state == "normal" for at, state, _ in seen if at < series[0][0] + timedelta(days=3)), seen
