"""Cost per record as the city grows: the same records through the pure processor at 1x, 10x and 100x sensors.

    python -m bench.city_scale [--records 100000] [--rounds 3] [--scales 1,10,100] [--base pack|landmarks]

No broker: this isolates what the consumer's CPU does per record (decode, validate, windows, rules, district
scores) and what a flush costs (encoding the changelog and the state view), which is what grows with the city
if anything does. The city is the Guiyang pack with each sensor cloned ``k`` times in its own district
(``<id>~<j>``), every clone reporting at its sensor's own cadence: each simulated reading is sent once per clone,
so the ``k``-times city covers ``1/k`` of the event time with the same number of records and the same mix of
types. That is what a bigger city is to a consumer: more sensors changed per flush, not rarer readings.
``--base landmarks`` starts from the pack's authored landmarks only (``consumers.citypack.landmarks_only``: 185
sensors, the city issue 8 measured from: 184), ``pack`` (the default) from the whole pack (2,446 sensors).
The processor drains (flushes) every ``--flush-every`` records, as the runner does about once a second.

Printed per size, once with CPython's automatic garbage collector and once collecting at flushes as a consumer
process does (``consumers.gc_policy``; its full collection every ten minutes timed apart, with the round's state
alive): records per second with and without the flush work, the share of time spent flushing, and changelog bytes
(key + value) per input record; then the ratio of the largest city to the smallest under each.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from consumers.citypack import CityPack, SensorSpec, landmarks_only, load_city_pack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.gc_policy import FlushCollector
from consumers.processor import Processor, ProcessorConfig
from consumers.rules import EXPECTED_INTERVAL_S
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message
from simulator.model import CitySimulator

FLUSH_EVERY = 5000


def scaled_pack(pack: CityPack, k: int) -> CityPack:
    """The pack with every sensor cloned ``k`` times (``<id>~<j>``, same district, type and parameters)."""
    if k == 1:
        return pack
    sensors: dict[str, SensorSpec] = {}
    for spec in pack.sensors.values():
        for j in range(k):
            clone = replace(spec, id=f"{spec.id}~{j}")
            sensors[clone.id] = clone
    return replace(pack, sensors=sensors)


def simulated_readings(pack: CityPack, records: int, end: datetime) -> list[Reading]:
    """``records`` readings of the 1x city ending at ``end`` (each sensor at its interval: the Guiyang pack reports
    about 6 records a second)."""
    rate = sum(1 / EXPECTED_INTERVAL_S[s.type] for s in pack.sensors.values())
    start = end - timedelta(seconds=records / rate + 3600)
    out = []
    for reading in CitySimulator(pack, seed=1, start=start, scenario="demo").until(end):
        out.append(reading)
        if len(out) == records:
            break
    return out


def messages_for(settings: Settings, readings: list[Reading], k: int) -> tuple[list[Message], list[datetime]]:
    """As many messages as readings for the ``k``-times city (the first readings, each from every clone), and
    their event times."""
    factory = MessageFactory(settings)
    if k == 1:
        return factory.readings(readings), [r.event_time for r in readings]
    out, times = [], []
    for reading in readings:
        for j in range(k):
            out.append(factory.reading(replace(reading, sensor_id=f"{reading.sensor_id}~{j}")))
            times.append(reading.event_time)
            if len(out) == len(readings):
                return out, times
    return out, times


@dataclass(frozen=True, slots=True)
class Round:
    process_s: float
    flush_s: float
    changelog_bytes: int
    accepted: int
    full_gc_s: float


def one_round(
    pack: CityPack, settings: Settings, messages: list[Message], times: list[datetime], collect_at_flush: bool
) -> Round:
    """Process and flush every ``FLUSH_EVERY`` records, "now" being the newest event time fed (as the simulated
    clock is), so that sensors are stale only when they really went silent. ``collect_at_flush``: garbage is
    collected as the consumer process does (``consumers.gc_policy``), its cost counted in the flush's; else by
    CPython's automatic collector. The policy's full collection every ten minutes is timed apart (``full_gc_s``):
    a round lasts seconds."""
    gc.collect()
    collector = FlushCollector(full_every_s=math.inf) if collect_at_flush else None
    if collector is not None:
        collector.start()
    clock = ManualClock(times[0])
    processor = Processor(pack, ProcessorConfig(settings.partitions), clock)
    processor.assign(range(settings.partitions))
    process_s = flush_s = 0.0
    changelog_bytes = 0
    for start in range(0, len(messages), FLUSH_EVERY):
        clock.set(max(times[start : start + FLUSH_EVERY]))
        t0 = time.perf_counter()
        for m in messages[start : start + FLUSH_EVERY]:
            processor.process(m)
        t1 = time.perf_counter()
        changes = processor.drain()
        if collector is not None:
            collector.after_flush()
        flush_s += time.perf_counter() - t1
        process_s += t1 - t0
        changelog_bytes += sum(len(k) + len(v or b"") for k, v, _ in changes.changelog)
    full_gc_s = 0.0
    if collector is not None:
        t0 = time.perf_counter()
        gc.collect()  # the full collection the policy makes every ten minutes, with this state alive
        full_gc_s = time.perf_counter() - t0
        collector.stop()
    accepted = sum(processor.consumed.values())
    if accepted != len(messages):
        raise SystemExit(
            f"the processor did not do the work it was timed for: fed {len(messages)}, accepted {accepted}, "
            f"dead-lettered {dict(processor.deadlettered)}, replays {processor.replayed}"
        )
    return Round(process_s, flush_s, changelog_bytes, accepted, full_gc_s)


def run(
    records: int = 100_000, rounds: int = 3, scales: tuple[int, ...] = (1, 10, 100), base_city: str = "pack"
) -> list[tuple[str, str, str]]:
    """Rows (measure, figure, target) for the ``make bench`` table; also prints the per-size table, once with
    CPython's automatic collector and once collecting at flushes as the consumer process does. ``base_city``:
    ``"pack"`` or ``"landmarks"`` (module doc)."""
    settings = Settings()
    base = load_city_pack(settings.city_dir)
    if base_city == "landmarks":
        base = landmarks_only(base)
    now = datetime.now(UTC)
    readings = simulated_readings(base, records, now)
    print(f"{len(readings):,} records per round, flush every {FLUSH_EVERY:,}; medians of {rounds} rounds")
    cities = [(scaled_pack(base, k), *messages_for(settings, readings, k)) for k in scales]
    policies = (False, True)
    results: dict[tuple[int, bool], list[Round]] = {(i, p): [] for i in range(len(scales)) for p in policies}
    for _ in range(rounds):  # every round runs every size and policy, so that the machine's noise hits all alike
        for i, (pack, messages, times) in enumerate(cities):
            for policy in policies:
                results[i, policy].append(one_round(pack, settings, messages, times, policy))
    totals: dict[tuple[int, bool], float] = {}
    worst_bytes = 0.0
    for policy in policies:
        print()
        print("garbage collected at flushes (consumers.gc_policy)" if policy else "CPython's automatic collector")
        print(
            "| sensors | records/s, process + publish | records/s, process only | share publishing "
            "| changelog B/record | full collection |"
        )
        print("|---|---|---|---|---|---|")
        for i, (pack, messages, _) in enumerate(cities):
            rs = results[i, policy]
            total = totals[i, policy] = statistics.median(len(messages) / (r.process_s + r.flush_s) for r in rs)
            process_only = statistics.median(len(messages) / r.process_s for r in rs)
            share = statistics.median(r.flush_s / (r.process_s + r.flush_s) for r in rs)
            per_record = rs[0].changelog_bytes / len(messages)
            worst_bytes = max(worst_bytes, per_record)
            full = f"{statistics.median(r.full_gc_s for r in rs) * 1e3:,.0f} ms" if policy else "–"
            print(
                f"| {len(pack.sensors):,} | {total:,.0f} | {process_only:,.0f} | {share:.0%} | {per_record:,.0f} "
                f"| {full} |"
            )
    last = len(scales) - 1
    small_n, big_n = len(cities[0][0].sensors), len(cities[last][0].sensors)
    for policy in policies:
        name = "at flushes" if policy else "automatic"
        ratio = totals[last, policy] / totals[0, policy]
        print(f"ratio {big_n:,} sensors / {small_n:,} sensors, collector {name}: {ratio:.2f} (goal >= 0.8)")
    print(f"largest changelog bytes per input record: {worst_bytes:,.0f} (goal <= 200)")
    small, big = totals[0, True], totals[last, True]
    auto_small, auto_big = totals[0, False], totals[last, False]
    return [
        (f"pure processor, {small_n:,} sensors", f"{small:,.0f} rec/s (automatic collector {auto_small:,.0f})", ""),
        (
            f"pure processor, {big_n:,} sensors",
            f"{big:,.0f} rec/s ({big / small:.2f} of {small_n:,}; automatic collector {auto_big / auto_small:.2f})",
            ">= 0.8",
        ),
        ("changelog bytes per input record, worst size", f"{worst_bytes:,.0f}", "<= 200"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--base", choices=("pack", "landmarks"), default="pack", help="the 1x city (module doc)")
    args = parser.parse_args()
    run(args.records, args.rounds, tuple(int(s) for s in args.scales.split(",")), args.base)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
