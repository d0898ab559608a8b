"""Memory of the embedded product over simulated days: does it stay flat?

    python -m bench.embedded_memory [--days 7]

Runs the simulator and the consumer over the in-memory transport as fast as the CPU allows (no pacing),
one simulated hour at a time, with a state view tailing the state topic as the web app does, and prints
the process's resident memory at the end of each simulated day. Flat means: windows, logs (bounded
retention, compaction) and the view all stop growing once they are full.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from consumers.citypack import load_city_pack
from consumers.clock import ManualClock
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import topic_specs
from consumers.transport.memory import MemoryTransport
from dashboard.state_view import StateView
from simulator.model import CitySimulator
from simulator.runner import SimulatorRunner


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    settings = Settings()
    pack = load_city_pack(settings.city_dir)
    transport = MemoryTransport()
    transport.ensure_topics(topic_specs(settings))
    start = datetime.now(UTC) - timedelta(days=args.days)
    clock = ManualClock(start)  # the consumer's clock follows simulated time, as the watermark would
    simulator = SimulatorRunner(settings, transport, CitySimulator(pack, 3, start, "demo"), clock)
    consumer = ConsumerRunner(settings, transport, pack, clock, client_id="bench")
    consumer.open()
    view = StateView(settings, transport).start()
    producer = transport.producer()
    began = time.perf_counter()
    print(f"{'day':>4} {'records':>10} {'RSS MiB':>8} {'view entities':>14} {'seconds':>8}")
    for hour in range(1, 24 * args.days + 1):
        clock.set(start + timedelta(hours=hour))
        simulator.publish_until(producer, clock.now())
        while consumer.step(timeout_s=0.0):
            pass
        consumer.flush()
        if hour % 24 == 0:
            gc.collect()
            entities = len(view.snapshot.entities)
            print(
                f"{hour // 24:>4} {simulator.sent:>10,} {rss_mib():>8.0f} {entities:>14} "
                f"{time.perf_counter() - began:>8.0f}"
            )
    view.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
