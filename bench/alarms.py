"""What the alarm state costs (issue 10): 10,000 active alarms beside the city's records, against none, in the same
run.

    python -m bench.alarms [--records 50000] [--alarms 10000] [--rounds 3]

Each round feeds the same Guiyang demo records (``bench.city_scale.simulated_readings``) through two processors,
alternating: one whose alarm book holds nothing but what the records raise, and one that holds ``--alarms``
active alarms spread over the ten districts before it starts (raised on entities no record touches, so they stay
active and are looked at by every flush's ``tick``). Both flush every 2,000 records, "now" the newest event time
fed. Printed, medians over the rounds: records per second of each and their ratio; the time of one flush's alarm
work (``tick`` and ``drain``) with the alarms held; the bytes of the changelog records that hold them (what a
restore reads) and the time to restore them; the Python heap they take (tracemalloc). Checked: every record was
accepted (none dead-lettered or replayed), and the held alarms are all still active at the end.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from datetime import UTC, datetime

from bench.city_scale import simulated_readings
from consumers.alarms.lifecycle import Condition
from consumers.citypack import CityPack, load_city_pack
from consumers.clock import ManualClock
from consumers.processor import Accepted, Processor, ProcessorConfig
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport.base import Message

FLUSH_EVERY = 2000


def new_processor(pack: CityPack) -> Processor:
    config = ProcessorConfig(partitions=6, actions_topic="city.actions", simulated_clock=True)
    p = Processor(pack, config, ManualClock(datetime.now(UTC)))
    p.assign(range(6))
    return p


def hold(p: Processor, pack: CityPack, alarms: int, t: float) -> tuple[Processor, list[Message], int]:
    """The processor with ``alarms`` active alarms, and the changelog records and ``city.alarms`` records that
    raising them wrote (written before the run: the rounds measure holding them, not raising them)."""
    codes = list(pack.districts)
    for i in range(alarms):
        code = codes[i % len(codes)]
        condition = Condition(f"sensor:HELD-{i}", "fire", "warning" if i % 3 else "alarm", f"held {i}", 26.6, 106.7)
        p.alarms.observe(code, condition.entity, condition, t)
    changelog, published = p.alarms.drain(p._district_partition)
    records = [Message("city.changelog", part, i, k, v) for i, (k, v, part) in enumerate(changelog)]
    return p, records, len(published)


def run(p: Processor, messages: list[Message], times: list[float]) -> float:
    start = time.perf_counter()
    for i, message in enumerate(messages, 1):
        assert isinstance(p.process(message), Accepted), message
        if i % FLUSH_EVERY == 0:
            p.sim_now = times[i - 1]
            p.drain()
    p.drain()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--alarms", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    pack = load_city_pack(settings.city_dir)
    readings = simulated_readings(pack, args.records, datetime.now(UTC).replace(microsecond=0))
    messages = MessageFactory(settings).readings(readings)
    times = [r.event_time.timestamp() for r in readings]
    t0 = times[0]

    baseline: list[float] = []
    loaded: list[float] = []
    flush_ms: list[float] = []
    for _ in range(args.rounds):
        for held in (0, args.alarms):
            p = hold(new_processor(pack), pack, held, t0)[0]
            seconds = run(p, messages, times)
            assert p.deadlettered.total() == 0 and p.replayed == 0, (p.deadlettered, p.replayed)
            assert sum(p.consumed.values()) == len(messages)
            (loaded if held else baseline).append(len(messages) / seconds)
            if held:
                active = [a for a in p.alarms.alarms() if a["entity"].startswith("sensor:HELD-")]
                assert len(active) == held and all(a["state"] == "active" for a in active)
                start = time.perf_counter()
                for _ in range(20):
                    p.alarms.tick(times[-1])
                    p.alarms.drain(p._district_partition)
                flush_ms.append((time.perf_counter() - start) / 20 * 1000)

    # What holding them costs at rest: the changelog that restores them, the restore, the heap.
    p = new_processor(pack)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _, records, published = hold(p, pack, args.alarms, t0)
    heap_mib = (tracemalloc.get_traced_memory()[0] - before) / 2**20
    tracemalloc.stop()
    changelog_bytes = sum(len(m.value or b"") for m in records)
    restored = Processor(pack, ProcessorConfig(partitions=6), ManualClock(datetime.now(UTC)))
    start = time.perf_counter()
    restored.restore(records)
    restore_s = time.perf_counter() - start
    assert sum(1 for a in restored.alarms.alarms() if a["state"] == "active") == args.alarms
    assert published == args.alarms

    b, w = statistics.median(baseline), statistics.median(loaded)
    print(f"records: {len(messages):,} per round, {args.rounds} rounds, a flush every {FLUSH_EVERY:,} records")
    print(f"no alarms held:          {b:>10,.0f} records/s (median)")
    print(f"{args.alarms:,} active alarms held: {w:>10,.0f} records/s (median)   ratio {w / b:.2f}")
    print(f"alarm work of one flush with them held (tick + drain): {statistics.median(flush_ms):.1f} ms (median)")
    size = f"{changelog_bytes / 2**20:.1f} MiB"
    print(f"their changelog records: {len(records):,}, {size}; restored in {restore_s:.2f} s")
    print(f"their Python heap: {heap_mib:.1f} MiB ({heap_mib * 2**20 / args.alarms:,.0f} bytes an alarm)")


if __name__ == "__main__":
    main()
