"""``python -m consumers.river``: measure the drought warning's skill on a series, or regenerate the scenarios.

    python -m consumers.river evaluate --csv PATH --time-column COL --value-column COL --low-threshold X \\
        --timeline-out PATH [--rain-column COL] [--measure stage|discharge|auto]
    python -m consumers.river scenarios [--out DIR]

``evaluate`` prints one JSON object (onsets, pod_72h, pod_any, far, csi, median_lead_hours and the counts they
come from) and writes the step-by-step timeline; see ``consumers.river.evaluate`` for the definitions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from consumers.river import scenarios
from consumers.river.evaluate import evaluate_file


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
    sc = sub.add_parser("scenarios", help="write the simulated drought scenarios as CSV files")
    sc.add_argument("--out", type=Path, default=scenarios.DATA_DIR)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "scenarios":
        for path in scenarios.generate(args.out):
            print(path)
        return 0
    result = evaluate_file(
        args.csv,
        args.time_column,
        args.value_column,
        args.low_threshold,
        timeline_out=args.timeline_out,
        rain_column=args.rain_column,
        measure=args.measure,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
