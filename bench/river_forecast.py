"""Cost of the river model for a city's worth of gauges: forecast updates, status reads, and memory.

    python -m bench.river_forecast [--gauges 1000] [--hours 3]

Every gauge reports once a minute. Each gauge first gets seven days of history (a steady day, then a slow
recession with noise and a daily cycle), so that the forecast works on the history it keeps in steady state; one
model is warmed that way and cloned through its snapshot, which is how a restarted consumer gets its models too.
Then every gauge is fed ``--hours`` more hours of data, one minute at a time across all gauges (as the consumer
sees them); each hour is one round and medians over rounds are printed. Each model refits its forecast once per
hour of event time, so an hour of data holds exactly one refit per gauge.

Baseline, measured in the same run on the same samples: the bare history insert (``GaugeHistory.add``), what a
model without faults, forecast or warnings would cost. Memory: tracemalloc over ``--memory-sample`` restored
models, scaled to the number of gauges; and the JSON snapshot that goes to the changelog.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import statistics
import time
import tracemalloc
from collections.abc import Mapping
from typing import Any

from consumers.citypack import load_city_pack
from consumers.river.gauge import GaugeModel
from consumers.river.history import GaugeHistory
from consumers.settings import Settings

MINUTE_S = 60.0
DAY_S = 86400.0
T0 = 1_780_000_000.0  # 2026-05-28, a whole number of hours


def stage(params: Mapping[str, Any], t: float, rng: random.Random) -> float:
    """A steady first day, then a recession of 4 % a day, a 1 cm daily cycle and 3 mm of noise."""
    normal = float(params["normal"]["stage_m"])
    dry_days = max(0.0, (t - T0) / DAY_S - 1.0)
    daily = 0.01 * math.sin(2 * math.pi * ((t % DAY_S) / DAY_S))
    return round(normal * 0.96**dry_days + daily + rng.gauss(0.0, 0.003), 3)


def warm_model(params: Mapping[str, Any], days: int) -> GaugeModel:
    model = GaugeModel(params)
    rng = random.Random(1)
    for i in range(int(days * DAY_S / MINUTE_S)):
        t = T0 + i * MINUTE_S
        model.update(t, stage(params, t, rng), 0.0)
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gauges", type=int, default=1000)
    parser.add_argument("--hours", type=int, default=3, help="hours of data fed after warm-up (one round each)")
    parser.add_argument("--days", type=int, default=7, help="days of history before measuring")
    parser.add_argument("--memory-sample", type=int, default=50)
    args = parser.parse_args()

    pack = load_city_pack(Settings().city_dir)
    params = pack.sensors_of_type("river.gauge")[0].params
    started = time.perf_counter()
    warm = warm_model(params, args.days)
    warm_s = time.perf_counter() - started
    snap_json = json.dumps(warm.snapshot(), separators=(",", ":"))
    points = len(warm.history)
    print(f"warm-up: one gauge, {args.days} days at 1 min ({args.days * 1440:,} samples) in {warm_s:.1f} s")

    snap = json.loads(snap_json)
    models = [GaugeModel.restore(params, snap) for _ in range(args.gauges)]
    histories = [GaugeHistory.restore(snap["history"]) for _ in range(args.gauges)]
    rngs = [random.Random(i) for i in range(args.gauges)]
    start_t = T0 + args.days * DAY_S

    model_s: list[float] = []
    base_s: list[float] = []
    status_s: list[float] = []
    for hour in range(args.hours):
        samples = []
        for minute in range(60):
            t = start_t + (hour * 60 + minute) * MINUTE_S
            samples.append((t, [stage(params, t, rng) for rng in rngs]))
        gc.collect()
        t0 = time.perf_counter()
        for t, values in samples:
            for model, value in zip(models, values, strict=True):
                model.update(t, value, 0.0)
        model_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for t, values in samples:
            for history, value in zip(histories, values, strict=True):
                history.add(t, value, 0.0)
        base_s.append(time.perf_counter() - t0)
        now = samples[-1][0]
        t0 = time.perf_counter()
        for model in models:
            model.status(now)
        status_s.append(time.perf_counter() - t0)

    updates_per_hour = 60 * args.gauges
    model_h, base_h = statistics.median(model_s), statistics.median(base_s)
    states = {model.status(start_t + args.hours * 3600).state for model in models}
    fits = {model.forecast.method for model in models if model.forecast is not None}

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    sample = [GaugeModel.restore(params, json.loads(snap_json)) for _ in range(args.memory_sample)]
    per_model = (tracemalloc.get_traced_memory()[0] - before) / len(sample)
    tracemalloc.stop()

    status_med = statistics.median(status_s)
    rows = [
        ("forecast model (update, hourly refit)", f"{model_h:.2f} s/h of data", _us(model_h / updates_per_hour)),
        ("baseline: history insert only", f"{base_h:.2f} s/h of data", _us(base_h / updates_per_hour)),
        ("ratio model / baseline", f"{model_h / base_h:.1f}x", ""),
        ("share of one core in real time", f"{model_h / 3600:.2%}", ""),
        ("status() for all gauges", f"{status_med * 1e3:.1f} ms", _us(status_med / args.gauges, "gauge")),
    ]
    print(f"{args.gauges:,} gauges at 1-minute cadence, {args.hours} rounds of one hour of data (medians)")
    _table(rows)
    print(f"  forecast methods {sorted(fits)}, states {sorted(states)}")
    print(f"memory of {args.days} days of history per gauge")
    _table(
        [
            ("stored points per gauge", f"{points:,}", "raw recent minutes + downsampled older data"),
            ("Python heap per model", f"{per_model / 1024:.1f} KiB", f"tracemalloc, {args.memory_sample} models"),
            (f"for {args.gauges:,} gauges", f"{per_model * args.gauges / 2**20:.1f} MiB", "scaled"),
            ("changelog snapshot per gauge", f"{len(snap_json) / 1024:.1f} KiB", "JSON, every 10 min of event time"),
        ]
    )
    return 0


def _us(seconds: float, per: str = "update") -> str:
    return f"{seconds * 1e6:.1f} µs per {per}"


def _table(rows: list[tuple[str, str, str]]) -> None:
    for name, value, note in rows:
        print(f"  {name:40s} {value:>18s}   {note}")


if __name__ == "__main__":
    raise SystemExit(main())
