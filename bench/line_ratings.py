"""What a flush pays to rate the lines that reported: ``consumers.grid.load.line_statuses`` (a rating and an
expected conductor temperature per line, two linerate solves for all of them) for 1 to 3,000 lines.

    python -m bench.line_ratings [--rounds 5]

The lines are the Guiyang pack's 16 segments repeated, each with its own weather (air 10-38 °C, wind 0.3-6 m/s,
from every direction) and current (30-110 % of its nameplate), at one time of day. Printed: the median time per
call and per line, and the ratio of a line's cost in the largest call to its cost alone. Checked: every call
returns a finite rating for every line it was given.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from datetime import UTC, datetime

from consumers.citypack import load_city_pack
from consumers.grid.load import LineObservation, line_statuses
from consumers.grid.rating import SpanWeather
from consumers.grid.sensor_model import line_spec
from consumers.settings import Settings

SIZES = (1, 16, 160, 1600, 3000)


def run(rounds: int = 5) -> list[tuple[str, str, str]]:
    pack = load_city_pack(Settings().city_dir)
    segments = pack.sensors_of_type("grid.line")
    rng = random.Random(8)
    when = datetime(2026, 7, 1, 5, 0, tzinfo=UTC)  # 13:00 in Guiyang: the sun counts
    per_line: dict[int, float] = {}
    print("| lines | ms per call (median) | µs per line |")
    print("|---|---|---|")
    for n in SIZES:
        chosen = [segments[i % len(segments)] for i in range(n)]
        specs = [line_spec(s) for s in chosen]
        observed = [
            LineObservation(
                rng.uniform(0.3, 1.1) * float(s.params["rated_current_a"]),
                40.0,
                SpanWeather(rng.uniform(10, 38), rng.uniform(0.3, 6), math.radians(rng.uniform(0, 360))),
            )
            for s in chosen
        ]
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            statuses = line_statuses(specs, observed, when)
            times.append(time.perf_counter() - t0)
            if len(statuses) != n or not all(math.isfinite(st.rating_a) and st.rating_a > 0 for st in statuses):
                raise SystemExit(f"line_statuses did not rate all {n} lines")
        median = statistics.median(times)
        per_line[n] = median / n
        print(f"| {n:,} | {median * 1e3:,.1f} | {median / n * 1e6:,.0f} |")
    largest = SIZES[-1]
    print(f"a line's cost in a call of {largest:,} against alone: {per_line[largest] / per_line[1]:.4f}")
    return [
        (f"line ratings, {largest:,} lines in one call", f"{per_line[largest] * largest * 1e3:,.0f} ms", ""),
        ("line ratings, one line alone", f"{per_line[1] * 1e3:,.1f} ms", ""),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    run(parser.parse_args().rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
