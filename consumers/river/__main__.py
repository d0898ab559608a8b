"""``python -m consumers.river``: measure the drought warning's skill or the rise forecast's error on a series,
or regenerate the scenarios.

    python -m consumers.river evaluate --csv PATH --time-column COL --value-column COL --low-threshold X \\
        --timeline-out PATH [--rain-column COL] [--measure stage|discharge|auto]
    python -m consumers.river evaluate-rise --demo [--gauges NM-01,NM-02] [--seed 7] [--rate 5]
    python -m consumers.river evaluate-rise --csv PATH [--csv PATH ...] --time-column COL --value-column COL \\
        [--rain-column COL] [--hours-per-step 24]
    python -m consumers.river evaluate-real [--folder DIR] [--approach kept] [--percentile 10] [--with-rain]
        [--seeded]
    python -m consumers.river evaluate-long [--folder DIR] [--approach kept] [--percentile 10] [--split-year 2000]
    python -m consumers.river scenarios [--out DIR]

``evaluate`` prints one JSON object (onsets, pod_72h, pod_any, far, csi, median_lead_hours and the counts they
come from) and writes the step-by-step timeline; see ``consumers.river.evaluate`` for the definitions.
``evaluate-real`` prints one JSON object per real daily series (``../shared/data/river-real``), each scored at its
own 10th-percentile flow, with one of the measured approaches (docs/drought.md).
``evaluate-long`` prints one JSON object per gauge: one replay of its decades (``tests/data/river-long``) scored on
the whole record, before the split year (where parameters are chosen) and from it (held out).
``evaluate-rise`` prints one JSON object: per variant of the rise forecast (and persistence, and on the demo the
72-hour recession), the MAE and bias of the median and the share inside the band at 1, 3 and 6 hours (or steps)
lead, on rising periods, pooled over the series; see ``consumers.river.evaluate_rise``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from consumers.river import scenarios
from consumers.river.evaluate import (
    LONG_DIR,
    LONG_SPLIT_YEAR,
    REAL_DIR,
    REAL_QUANTILE,
    approaches,
    evaluate_file,
    evaluate_long,
    evaluate_real,
)
from consumers.river.evaluate_rise import DEMO_GAUGES, evaluate_csv, evaluate_demo, pooled


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m consumers.river", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="replay a CSV through the gauge model and print its drought-warning skill")
    ev.add_argument("--csv", required=True, type=Path)
    ev.add_argument("--time-column", required=True)
    ev.add_argument("--value-column", required=True)
    ev.add_argument("--low-threshold", required=True, type=float)
    ev.add_argument("--timeline-out", required=True, type=Path)
    ev.add_argument("--rain-column", default=None, help="rain intensity at the gauge in mm/h (optional)")
    ev.add_argument("--measure", choices=("auto", "stage", "discharge"), default="auto")
    ev.add_argument("--approach", choices=sorted(approaches()), default="kept", help="docs/drought.md")
    er = sub.add_parser("evaluate-rise", help="replay series through the rise forecast and print its error")
    src = er.add_mutually_exclusive_group(required=True)
    src.add_argument("--demo", action="store_true", help="the simulator's demo flood (event time)")
    src.add_argument("--csv", type=Path, action="append", help="a series (repeat for several; pooled)")
    er.add_argument("--gauges", default=",".join(DEMO_GAUGES), help="demo: the gauges, comma-separated")
    er.add_argument("--seed", type=int, default=7, help="demo: the simulator's seed")
    er.add_argument("--rate", type=float, default=5.0, help="demo: readings per expected interval (5: every minute)")
    er.add_argument("--city", type=Path, default=Path("assets/city/guiyang"), help="demo: the city pack")
    er.add_argument("--time-column", default="time")
    er.add_argument("--value-column", default="stage_m")
    er.add_argument("--rain-column", default=None, help="rain in mm/h (in mm per step with --hours-per-step)")
    er.add_argument("--hours-per-step", type=float, default=1.0, help="24 for a daily series: leads in steps")
    er.add_argument("--per-series", action="store_true", help="also print each series' scores")
    rl = sub.add_parser("evaluate-real", help="drought-warning skill on the real daily series, one approach")
    rl.add_argument("--folder", type=Path, default=REAL_DIR)
    rl.add_argument("--approach", choices=sorted(approaches()), default="kept")
    rl.add_argument("--percentile", type=float, default=REAL_QUANTILE)
    rl.add_argument("--with-rain", action="store_true", help="feed precip_mm_day / 24 as rain in mm/h")
    rl.add_argument("--seeded", action="store_true", help="each year with a book learned from the other years")
    lg = sub.add_parser("evaluate-long", help="drought-warning skill over decades of one real gauge, in two parts")
    lg.add_argument("--folder", type=Path, default=LONG_DIR, help="camels-*-daily.csv: time, discharge_m3s")
    lg.add_argument("--approach", choices=sorted(approaches()), default="kept")
    lg.add_argument("--percentile", type=float, default=REAL_QUANTILE)
    lg.add_argument("--split-year", type=int, default=LONG_SPLIT_YEAR, help="choose before it, report from it")
    sc = sub.add_parser("scenarios", help="write the simulated drought scenarios as CSV files")
    sc.add_argument("--out", type=Path, default=scenarios.DATA_DIR)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "scenarios":
        for path in scenarios.generate(args.out):
            print(path)
        return 0
    if args.command == "evaluate-long":
        config = approaches()[args.approach]
        print(json.dumps(evaluate_long(args.folder, config, args.percentile, args.split_year)))
        return 0
    if args.command == "evaluate-real":
        config = approaches()[args.approach]
        print(json.dumps(evaluate_real(args.folder, config, args.percentile, args.with_rain, args.seeded)))
        return 0
    if args.command == "evaluate-rise":
        print(json.dumps(_evaluate_rise(args)))
        return 0
    result = evaluate_file(
        args.csv,
        args.time_column,
        args.value_column,
        args.low_threshold,
        timeline_out=args.timeline_out,
        rain_column=args.rain_column,
        measure=args.measure,
        config=approaches()[args.approach],
    )
    print(json.dumps(result))
    return 0


def _evaluate_rise(args: argparse.Namespace) -> dict[str, object]:
    if args.demo:
        from consumers.citypack import load_city_pack

        pack = load_city_pack(args.city)
        demo = evaluate_demo(pack, [g for g in args.gauges.split(",") if g], args.seed, args.rate)
        return demo if args.per_series else {k: v for k, v in demo.items() if k != "gauges"}
    results = [
        evaluate_csv(p, args.time_column, args.value_column, args.rain_column, args.hours_per_step) for p in args.csv
    ]
    out: dict[str, object] = {"series": [str(p) for p in args.csv], "hours_per_step": args.hours_per_step}
    out["pooled"] = pooled(results)
    if args.per_series:
        out["per_series"] = results
    return out


if __name__ == "__main__":
    sys.exit(main())
