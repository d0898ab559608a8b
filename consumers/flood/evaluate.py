"""How good the flood outlook is on the simulator's demo flood: stage errors at 1, 3 and 6 hours, and how many
people it calls to leave against how many the water then reaches.

    python -m consumers.flood.evaluate            # prints the table docs/flood.md quotes

The demo's flood comes down the Nanming as a wave (``simulator.model``): the gauges' readings every minute go
through their own river models (``consumers.river``, the rise forecast included), and every ``STEP_S`` of event time
the flood service's outlook (``consumers.flood.outlook``) is compared with what the gauges read ``lead`` hours later,
beside persistence (the stage now) and each gauge's own rise forecast alone (held past its lead, never below now).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from consumers.citypack import CityPack, load_city_pack
from consumers.clock import epoch_iso
from consumers.flood.inundation import river_frame
from consumers.flood.network import RoadNetwork, load_flood_pack
from consumers.flood.outlook import GaugeNow, gauge_now, own_outlook, stage_outlook
from consumers.flood.picture import FloodModel
from consumers.river.evaluate_rise import DEMO_START, demo_series
from consumers.river.sensor_model import GaugeSensorModel, _new

HOURS = 18.0
"""Long enough for the last gauge's flood (it reaches Jiaxiu Tower about 8 h in, and lasts 6 h) to pass."""
FROM_H = 4.0
STEP_S = 900.0
SCORED_LEADS_H = (1, 3, 6)
NANMING = ("NM-01", "NM-02", "NM-03", "NM-04")
RISE_M = 0.1
"""A moment counts as rising at a lead when the river is then this much higher than at the moment."""


@dataclass(frozen=True)
class Scores:
    """Mean absolute error and bias (forecast − observed, m) per lead, over the scored moments."""

    mae: Mapping[int, float]
    bias: Mapping[int, float]
    n: int


def _score(pairs: Mapping[int, list[tuple[float, float]]]) -> Scores:
    mae = {lead: float(np.mean([abs(f - o) for f, o in p])) for lead, p in pairs.items()}
    bias = {lead: float(np.mean([f - o for f, o in p])) for lead, p in pairs.items()}
    return Scores(mae, bias, min(len(p) for p in pairs.values()))


def _views(models: Mapping[str, GaugeSensorModel], last: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    docs = {}
    for gauge_id, model in models.items():
        if gauge_id not in last:
            continue
        t, stage = last[gauge_id]
        model.status = model.gauge.status(t)  # what ``assess`` sets before the processor publishes a view
        docs[gauge_id] = {
            "id": gauge_id,
            "event_time": epoch_iso(t),
            "values": {"stage_m": stage},
            "stale": False,
            "river": model.view(),
        }
    return docs


def evaluate_demo(
    pack: CityPack, network: RoadNetwork | None = None, pictures: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Replay the demo flood (module doc); with ``network``, also the people the outlook calls to leave, and every
    picture made appended to ``pictures`` when given."""
    gauges = [s for s in pack.sensors_of_type("river.gauge")]
    series = {g.id: demo_series(pack, g.id, hours=HOURS) for g in gauges}
    models = {g.id: _new(g) for g in gauges}
    frame = river_frame(pack, network if network is not None else _no_streets())
    flood = FloodModel(pack, network) if network is not None else None
    events = sorted(
        (t, gauge_id, v, r) for gauge_id, (ts, vs, rs) in series.items() for t, v, r in zip(ts, vs, rs, strict=True)
    )
    start = DEMO_START.timestamp()
    next_t = start + FROM_H * 3600.0
    last: dict[str, tuple[float, float]] = {}
    moments: list[tuple[float, dict[str, GaugeNow], dict[int, dict[str, float]]]] = []
    people: list[tuple[float, int, int]] = []
    for t, gauge_id, value, rain in events:
        while t >= next_t:
            docs = _views(models, last)
            now_gauges = {g: n for g, d in docs.items() if (n := gauge_now(d)) is not None}
            moments.append((next_t, now_gauges, stage_outlook(frame, now_gauges, next_t)))
            if flood is not None:
                picture = flood.update(docs, next_t)
                if pictures is not None:
                    pictures.append(picture)
                city = picture["totals"]["city"]
                people.append((next_t, int(city["flooded_people"]), int(city["people"])))
            next_t += STEP_S
        models[gauge_id].update(t, {"stage_m": value, "rain_mm_h": rain if rain is not None else 0.0})
        last[gauge_id] = (t, value)

    def observed(gauge_id: str, t: float) -> float:
        ts, vs, _ = series[gauge_id]
        return float(np.interp(t, ts, vs))

    out: dict[str, Any] = {"gauges": {}, "rising": {}}
    for gauge_id in NANMING:
        kinds: dict[str, dict[int, list[tuple[float, float]]]] = {
            k: {lead: [] for lead in SCORED_LEADS_H} for k in ("outlook", "own", "persistence")
        }
        rising: dict[str, dict[int, list[tuple[float, float]]]] = {
            k: {lead: [] for lead in SCORED_LEADS_H} for k in ("outlook", "persistence")
        }
        for t, now_gauges, outlook in moments:
            g = now_gauges.get(gauge_id)
            if g is None:
                continue
            for lead in SCORED_LEADS_H:
                if t + lead * 3600.0 > series[gauge_id][0][-1]:
                    continue  # no reading yet of what the outlook says
                truth = observed(gauge_id, t + lead * 3600.0)
                if max(truth, g.stage_m) < _bank(pack, gauge_id) - 1.0:
                    continue  # score the flood, not the calm river before and after it
                kinds["outlook"][lead].append((outlook[lead][gauge_id], truth))
                kinds["own"][lead].append((own_outlook(g, t + lead * 3600.0), truth))
                kinds["persistence"][lead].append((g.stage_m, truth))
                if truth > g.stage_m + RISE_M:  # the moments the outlook is for: water coming
                    rising["outlook"][lead].append((outlook[lead][gauge_id], truth))
                    rising["persistence"][lead].append((g.stage_m, truth))
        out["gauges"][gauge_id] = {k: vars(_score(p)) for k, p in kinds.items()}
        out["rising"][gauge_id] = {k: vars(_score(p)) for k, p in rising.items() if all(p.values())}
    if people:
        calls = []
        for i, (t, _, called) in enumerate(people):
            if t + 6 * 3600.0 > people[-1][0]:
                break  # the replay ends before these six hours do
            reached = max((f for u, f, _ in people[i:] if u <= t + 6 * 3600.0), default=0)
            if called or reached:
                calls.append({"t": epoch_iso(t), "called": called, "reached_within_6h": reached})
        out["people"] = calls
    return out


def _no_streets() -> RoadNetwork:
    """The outlook needs the rivers and gauges only: an empty network places them without any street."""
    return RoadNetwork((), (), (), (), ())


def _bank(pack: CityPack, gauge_id: str) -> float:
    return float(pack.sensors[gauge_id].params["thresholds"]["flood_warning"])


def _table(result: Mapping[str, Any]) -> str:
    lines = ["gauge   model         " + "  ".join(f"MAE/bias {lead} h" for lead in SCORED_LEADS_H)]
    for title, part in (
        ("every moment of the flood", "gauges"),
        ("rising: the river 10 cm higher at the lead", "rising"),
    ):
        lines.append(f"-- {title}")
        for gauge_id, kinds in result[part].items():
            for kind, s in kinds.items():
                cells = "  ".join(f"{s['mae'][lead]:.2f} / {s['bias'][lead]:+.2f}  " for lead in SCORED_LEADS_H)
                lines.append(f"{gauge_id}   {kind:<12}  {cells}  (n={s['n']})")
    for row in result.get("people", []):
        called, reached = row["called"], row["reached_within_6h"]
        lines.append(f"{row['t']}  called to leave {called:>7,}  reached by water within 6 h {reached:>7,}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--city", type=Path, default=Path(__file__).resolve().parents[2] / "assets/city/guiyang")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    pack = load_city_pack(args.city)
    network, _ = load_flood_pack(pack.root, pack)
    result = evaluate_demo(pack, network)
    print(json.dumps(result, indent=1) if args.json else _table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
