"""Every benchmark of issue 8 in one run, and one table: ``make bench`` (a broker on the test port) runs this.

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 python -m bench [--quick] [--records N] [--skip memory,peers]

Each module also runs alone (``python -m bench.<name>``) and prints its own detail; here each contributes rows
(measure, figure, target) to a table headed with the date and the machine, because figures from a shared 2-core
machine mean little without them. ``--quick`` runs fewer records and days, to check the benches themselves;
``--skip`` leaves sections out (throughput, city, fire, peers, web, render, freshness, flood, memory, wall,
scale).
``wall`` is ``python -m bench.wall_memory --minutes 10`` (3 with ``--quick``): the control-room wall's memory in
headless Chromium, on an embedded product of its own (it needs Chromium, not the broker).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

Row = tuple[str, str, str]


def machine() -> str:
    """Cores, memory and load: what the figures below were measured on."""
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {mem_kib / 2**20:.0f} GiB, Python {platform.python_version()}, "
        f"load average {load} at the start"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--records", type=int, default=200_000, help="records per round of the consumer benches")
    parser.add_argument("--skip", default="", help="comma-separated sections to leave out (e.g. memory,peers)")
    args = parser.parse_args()
    skip = {name for name in args.skip.split(",") if name}

    from bench import (
        city_scale,
        embedded_memory,
        fire_scale,
        flood,
        freshness,
        map_render,
        peers,
        scale_out,
        throughput,
        wall_memory,
        web_load,
    )
    from consumers.settings import Settings

    base = Settings.from_env()
    if base.embedded or base.kafka_bootstrap_servers is None:
        print("set KAFKA_BOOTSTRAP_SERVERS (or run make bench)", file=sys.stderr)
        return 2
    bootstrap = base.kafka_bootstrap_servers
    records = 40_000 if args.quick else args.records
    sections: list[tuple[str, str, Callable[[], list[Row]]]] = [
        ("throughput", "consumer throughput (2)", lambda: throughput.run(base, records, 3)),
        (
            "city",
            "cost per record as the city grows (1), from today's pack and from the issue's 185 sensors",
            lambda: city_scale.run(records // 2, 3) + city_scale.run(records // 2, 3, base_city="landmarks"),
        ),
        ("fire", "a fire service's city (issue 9)", lambda: fire_scale.run(records, 3)),
        ("peers", "peers and the confluent-kafka transport (3, 4)", lambda: peers.run(bootstrap, records, 3)),
        ("web", "web tier, 50 browsers (6)", lambda: web_load.run(bootstrap)),
        ("render", "a state version rendered (5, 6)", lambda: map_render.run(40_000, 100, 10 if args.quick else 30)),
        ("freshness", "freshness (5)", lambda: freshness.run(bootstrap)),
        ("flood", "flood response (issue 11)", lambda: flood.run(50 if args.quick else 200)),
        ("memory", "memory, embedded default (7)", lambda: embedded_memory.run(3 if args.quick else 14)),
        ("wall", "control-room wall, browser memory", lambda: wall_memory.run(3 if args.quick else 10)),
        (
            "scale",
            "scale past one machine",
            lambda: scale_out.run(base, 100, records // 2, 20_000 if args.quick else 100_000),
        ),
    ]
    started = datetime.now(UTC)
    header = f"measured {started:%Y-%m-%d %H:%M} UTC on {machine()}"
    table: list[tuple[str, list[Row]]] = []
    for name, title, bench in sections:
        if name in skip:
            continue
        print(f"\n== {title}", flush=True)
        t0 = time.monotonic()
        try:
            rows = bench()
        except (SystemExit, Exception) as exc:  # noqa: BLE001 - one bench that failed must not lose the others
            rows = [("FAILED", f"{type(exc).__name__}: {exc}"[:300], "")]
        table.append((f"{title} ({time.monotonic() - t0:.0f} s)", rows))
        for measure, figure, target in rows:  # as they come, so that a run cut short still has them
            print(f"  {measure}: {figure}" + (f" (target {target})" if target else ""), flush=True)
    print(f"\n{header}\n")
    print("| measure | figure | target |\n|---|---|---|")
    for title, rows in table:
        print(f"| **{title}** | | |")
        for measure, figure, target in rows:
            print(f"| {measure} | {figure} | {target} |")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
