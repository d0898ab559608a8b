"""A fire service's city (issue 9): 50,000 detectors in 5,000 public buildings, 2,000 cameras and 3,000 line
segments, through the pure processor with incidents, readiness, district fire risk and line ratings running;
against the Guiyang pack as it is (2,446 sensors), in the same run.

    python -m bench.fire_scale [--records 200000] [--rounds 3]

The large city is the Guiyang pack's buildings, cameras and lines repeated (each building with 8 smoke and 2 heat
detectors, a sprinkler, a hydrant, two extinguishers, a panel and two doors), reporting at the contract's
intervals (``consumers.rules.EXPECTED_INTERVAL_S``) with a phase each, so that ``--records`` cover minutes of
event time: about 310 records a second. Some of it is on fire: 1 % of the cameras see smoke in runs of frames,
0.2 % of the detectors alarm, a call comes from each of 40 buildings, and 1 % of the sprinklers have lost their
pressure. The Guiyang city plays its simulator's demo scenario. Each round processes both (alternating, so the
machine's noise hits both) and flushes every 5,000 records, "now" being the newest event time fed. Garbage is
collected at the flushes, as a consumer process does (``consumers.gc_policy``; its full collection every ten
minutes is timed by ``bench.city_scale``).

Printed: records per second, process and flush (the flush is where line ratings, readiness, incidents and
district risk are recomputed and published) per record and per second of event time, the memory the state
takes (resident set growth in a forked child, once per city), and the ratio of the large city's records per
second to Guiyang's. Checked: every record accepted, none dead-lettered or replayed.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import math
import os
import random
import statistics
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.city_scale import simulated_readings
from consumers.citypack import Building, CityPack, SensorSpec, load_city_pack
from consumers.clock import ManualClock
from consumers.contract import REPORT_TYPE, Reading
from consumers.gc_policy import FlushCollector
from consumers.processor import Processor, ProcessorConfig
from consumers.rules import EXPECTED_INTERVAL_S
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message

BUILDINGS = 5000
CAMERAS = 2000
LINES = 3000
DEVICES = (
    *[("SMK", i, "fire.smoke_detector") for i in range(1, 9)],
    *[("HEAT", i, "fire.heat_detector") for i in range(1, 3)],
    ("SPR", 0, "fire.sprinkler"),
    ("HYD", 0, "fire.hydrant"),
    ("EXT", 1, "fire.extinguisher"),
    ("EXT", 2, "fire.extinguisher"),
    ("PANEL", 0, "fire.alarm_panel"),
    ("DOOR", 1, "fire.fire_door"),
    ("DOOR", 2, "fire.fire_door"),
)
PARAMS: dict[str, dict[str, float]] = {
    "fire.smoke_detector": {"alarm_pct_per_m": 3.0},
    "fire.heat_detector": {"alarm_c": 57},
    "fire.sprinkler": {"min_pressure_mpa": 0.05, "normal_mpa": 0.12},
    "fire.hydrant": {"min_pressure_mpa": 0.14, "normal_mpa": 0.3},
}
FLUSH_EVERY = 5000


def fire_city(pack: CityPack, rng: random.Random) -> CityPack:
    """5,000 buildings (17 devices each), 2,000 cameras, 3,000 lines and the pack's gauges."""
    templates = list(pack.buildings.values())
    buildings: dict[str, Building] = {}
    sensors: dict[str, SensorSpec] = {s.id: s for s in pack.sensors_of_type("river.gauge")}
    for i in range(BUILDINGS):
        t = templates[i % len(templates)]
        building_id = f"S-{i}"
        lat, lon = t.lat + rng.uniform(-0.004, 0.004), t.lon + rng.uniform(-0.004, 0.004)
        ids = []
        for code, n, device_type in DEVICES:
            device_id = f"{building_id}-{code}" + (f"-{n}" if n else "")
            ids.append(device_id)
            sensors[device_id] = SensorSpec(
                device_id,
                device_type,
                t.district,
                lat,
                lon,
                t.name_en,
                t.name_zh,
                building_id,
                PARAMS.get(device_type, {}),
            )
        buildings[building_id] = Building(
            building_id, t.name_en, t.name_zh, t.kind, t.district, lat, lon, t.occupancy, tuple(ids)
        )
    for kind, count in (("fire.camera", CAMERAS), ("grid.line", LINES)):
        originals = pack.sensors_of_type(kind)
        for j in range(count):
            spec = originals[j % len(originals)]
            clone = replace(spec, id=f"{spec.id}~{j}")
            sensors[clone.id] = clone
    return replace(pack, sensors=sensors, buildings=buildings)


def fire_readings(city: CityPack, records: int, end: datetime, rng: random.Random) -> list[Reading]:
    """``records`` readings ending at ``end``, each sensor at its interval with its own phase; the fires of the
    module doc among them."""
    rate = sum(1 / EXPECTED_INTERVAL_S[s.type] for s in city.sensors.values())
    start = end - timedelta(seconds=records / rate)
    burning_cameras = {s.id for s in city.sensors_of_type("fire.camera") if rng.random() < 0.01}
    alarming = {
        s.id
        for s in city.sensors.values()
        if s.type in ("fire.smoke_detector", "fire.heat_detector") and rng.random() < 0.002
    }
    dry = {s.id for s in city.sensors_of_type("fire.sprinkler") if rng.random() < 0.01}
    queue = [
        (start + timedelta(seconds=rng.uniform(0, EXPECTED_INTERVAL_S[s.type])), s.id) for s in city.sensors.values()
    ]
    heapq.heapify(queue)
    out: list[Reading] = []
    calls = rng.sample(list(city.buildings.values()), 40)
    for i, b in enumerate(calls):
        at = start + (end - start) * (i + 0.5) / len(calls)
        out.append(
            Reading(REPORT_TYPE, f"119-bench-{i}", b.district, at, {"lat": b.lat, "lon": b.lon, "text": "smoke"})
        )
    while len(out) < records:
        at, sensor_id = heapq.heappop(queue)
        spec = city.sensors[sensor_id]
        out.append(
            Reading(
                spec.type, sensor_id, spec.district, at, _values(spec, sensor_id, rng, burning_cameras, alarming, dry)
            )
        )
        heapq.heappush(queue, (at + timedelta(seconds=EXPECTED_INTERVAL_S[spec.type]), sensor_id))
    out.sort(key=lambda r: r.event_time)
    return out


def _values(
    spec: SensorSpec, sensor_id: str, rng: random.Random, burning: set[str], alarming: set[str], dry: set[str]
) -> dict[str, float | str]:
    kind = spec.type
    if kind == "fire.camera":
        return {
            "smoke_confidence": round(rng.uniform(0.7, 0.95) if sensor_id in burning else rng.uniform(0.02, 0.1), 3)
        }
    if kind == "fire.smoke_detector":
        return {"obscuration_pct_per_m": 4.0 if sensor_id in alarming else round(rng.uniform(0.02, 0.2), 3)}
    if kind == "fire.heat_detector":
        return {"temperature_c": 70.0 if sensor_id in alarming else round(rng.uniform(18, 26), 1)}
    if kind in ("fire.sprinkler", "fire.hydrant"):
        return {"pressure_mpa": 0.01 if sensor_id in dry else round(rng.uniform(0.2, 0.35), 3)}
    if kind == "fire.extinguisher":
        return {"status": "ok"}
    if kind == "fire.alarm_panel":
        return {"status": "normal"}
    if kind == "fire.fire_door":
        return {"status": "open" if rng.random() < 0.01 else "closed"}
    if kind == "grid.line":
        current = rng.uniform(0.3, 0.9) * float(spec.params["rated_current_a"])
        return {
            "conductor_temp_c": round(rng.uniform(30, 60), 1),
            "current_a": round(current, 1),
            "ambient_temp_c": round(rng.uniform(15, 32), 1),
            "wind_m_s": round(rng.uniform(0.5, 5), 1),
        }
    if kind == "river.gauge":
        return {
            "stage_m": round(float(spec.params["normal"]["stage_m"]) + rng.uniform(-0.05, 0.05), 3),
            "rain_mm_h": 0.0,
        }
    raise ValueError(kind)


@dataclass(frozen=True, slots=True)
class Round:
    process_s: float
    flush_s: float
    event_s: float
    incidents: int
    buildings: int


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def state_mib(pack: CityPack, settings: Settings, messages: list[Message], times: list[datetime]) -> float:
    """The resident memory the processor's state takes after all the records: measured in a forked child, so that
    no other round's freed memory is reused and counted as none. The child first touches every message (a fork
    shares pages until a reference count is written), so that only the state is counted."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        touched = sum(len(m.value or b"") for m in messages)
        gc.collect()
        before = rss_mib()
        processor = one_round(pack, settings, messages, times, keep=True)
        os.write(write_end, f"{rss_mib() - before} {touched} {len(processor)}".encode())
        os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 200).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    if not answer:
        raise SystemExit("the memory round failed")
    return float(answer.split()[0])


def one_round(
    pack: CityPack, settings: Settings, messages: list[Message], times: list[datetime], keep: bool = False
) -> Any:
    """A round, timed; with ``keep`` the processor's sensors instead (alive, for ``state_mib``)."""
    gc.collect()
    collector = FlushCollector(full_every_s=math.inf)  # garbage collected at flushes, as a consumer process does
    collector.start()
    clock = ManualClock(times[0])
    processor = Processor(pack, ProcessorConfig(settings.partitions), clock)
    processor.assign(range(settings.partitions))
    process_s = flush_s = 0.0
    buildings = 0
    for start in range(0, len(messages), FLUSH_EVERY):
        clock.set(max(times[start : start + FLUSH_EVERY]))
        t0 = time.perf_counter()
        for m in messages[start : start + FLUSH_EVERY]:
            processor.process(m)
        t1 = time.perf_counter()
        changes = processor.drain()
        collector.after_flush()
        flush_s += time.perf_counter() - t1
        process_s += t1 - t0
        buildings += sum(1 for k, _ in changes.state if k.startswith(b"building:"))
    collector.stop()
    accepted = sum(processor.consumed.values())
    if accepted != len(messages) or processor.deadlettered or processor.replayed:
        raise SystemExit(
            f"the processor did not do the work it was timed for: fed {len(messages)}, accepted {accepted}, "
            f"dead-lettered {dict(processor.deadlettered)}, replays {processor.replayed}"
        )
    if keep:
        return processor.sensors
    incidents = len(processor.incidents.incidents())
    event_s = (times[-1] - times[0]).total_seconds()
    return Round(process_s, flush_s, event_s, incidents, buildings)


def run(records: int = 200_000, rounds: int = 3) -> list[tuple[str, str, str]]:
    settings = Settings()
    pack = load_city_pack(settings.city_dir)
    rng = random.Random(9)
    city = fire_city(pack, rng)
    end = datetime.now(UTC).replace(microsecond=0)
    fire_city_readings = fire_readings(city, records, end, rng)
    big = MessageFactory(settings).readings(fire_city_readings)
    big_times = [r.event_time for r in fire_city_readings]
    guiyang_readings = simulated_readings(pack, records, end)
    small = MessageFactory(settings).readings(guiyang_readings)
    small_times = [r.event_time for r in guiyang_readings]
    counts = {
        t: sum(1 for s in city.sensors.values() if s.type == t)
        for t in ("fire.smoke_detector", "fire.heat_detector", "fire.camera", "grid.line")
    }
    detectors = counts["fire.smoke_detector"] + counts["fire.heat_detector"]
    print(
        f"fire city: {len(city.sensors):,} sensors ({detectors:,} detectors, {counts['fire.camera']:,} cameras, "
        f"{counts['grid.line']:,} lines, {len(city.buildings):,} buildings); "
        f"Guiyang: {len(pack.sensors):,} sensors; {records:,} records each"
    )
    memory = {
        "guiyang": state_mib(pack, settings, small, small_times),
        "fire city": state_mib(city, settings, big, big_times),
    }
    results: dict[str, list[Round]] = {"guiyang": [], "fire city": []}
    for _ in range(rounds):
        results["guiyang"].append(one_round(pack, settings, small, small_times))
        results["fire city"].append(one_round(city, settings, big, big_times))
    print(
        "| city | records/s | process µs/record | flush µs/record | flush ms per s of event time | state MiB "
        "| incidents | building views |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rates = {}
    for name, rs in results.items():
        rate = statistics.median(records / (r.process_s + r.flush_s) for r in rs)
        rates[name] = rate
        process = statistics.median(r.process_s / records * 1e6 for r in rs)
        flush = statistics.median(r.flush_s / records * 1e6 for r in rs)
        per_event_s = statistics.median(r.flush_s / r.event_s * 1e3 for r in rs)
        rss = memory[name]
        print(
            f"| {name} | {rate:,.0f} | {process:,.1f} | {flush:,.1f} | {per_event_s:,.1f} | {rss:,.0f} "
            f"| {rs[0].incidents} | {rs[0].buildings:,} |"
        )
    ratio = rates["fire city"] / rates["guiyang"]
    print(f"fire city / Guiyang, records per second: {ratio:.2f} (issue 9 goal: at least 0.5)")
    return [("fire city (90k sensors) / Guiyang records/s", f"{ratio:.2f}", "≥ 0.5")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args.records, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
