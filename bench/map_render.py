"""What one new version of the state costs a web worker to render for the map page, with the whole city reporting.

    python -m bench.map_render [--readings 40000] [--changed 100] [--versions 30]

Why: every web worker renders the map page's update once per state version and language and shares it with every
open map (``RenderCache``), but the version moves several times a second (each consumer flush, each status), and
under 50 browsers a worker spent 60 % of its time in that render (py-spy, issue 8's freshness bench): the renders
held the GIL while the browsers' answers waited. No broker: the Guiyang pack's simulator feeds the stream processor
in process, its state records become a ``StateSnapshot`` as ``StateView`` builds them (unchanged documents keep
their identity from one version to the next), and each version carries ``--changed`` more readings.

Printed: milliseconds per version (median over ``--versions``), rendered without the memo (every site formatted
again: the baseline) and with the worker's per-site memo (``dashboard.figures.SiteMemo``), measured in the same
run, alternating; and the check that both produced the same update, every part and digest, at every version. The
render before this bench existed (plotly's encoder, a scan of the entities per kind) measured 28.6-31.6 ms on
these snapshots against 9.6-12.6 ms with everything (README "Benchmark").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import orjson

from consumers.citypack import load_city_pack
from consumers.clock import ManualClock
from consumers.processor import Processor, ProcessorConfig
from consumers.settings import Settings
from consumers.testing import MessageFactory
from dashboard.figures import SiteMemo
from dashboard.fire.hexes import HexLayer
from dashboard.freshness import judge
from dashboard.state_view import StateSnapshot
from simulator.model import CitySimulator

Row = tuple[str, str, str]


def versions(readings: int, changed: int, count: int) -> tuple[Any, list[StateSnapshot]]:
    """The pack and ``count + 1`` snapshots: the city after ``readings`` readings, then ``changed`` more each."""
    settings = Settings()
    pack = load_city_pack(settings.city_dir)
    end = datetime.now(UTC).replace(microsecond=0)
    sim = CitySimulator(pack, seed=3, start=end - timedelta(hours=3), scenario="demo")
    stream = list(sim.until(end))
    need = readings + changed * count
    if len(stream) < need:
        raise SystemExit(f"the simulator gave {len(stream)} readings, fewer than the {need} asked for")
    stream = stream[-need:]
    factory = MessageFactory(settings)
    clock = ManualClock(stream[0].event_time)
    processor = Processor(pack, ProcessorConfig(settings.partitions, simulated_clock=False), clock)
    processor.assign(range(settings.partitions))
    entities: dict[str, Any] = {}
    snapshots = []

    def feed(batch: list[Any], version: int) -> None:
        nonlocal entities
        clock.set(batch[-1].event_time)
        for message in factory.readings(batch):
            processor.process(message)
        entities = dict(entities)  # as StateView does: a new mapping, the unchanged documents shared
        for key, value in processor.drain().state:
            if value is None:
                entities.pop(key.decode(), None)
            else:
                entities[key.decode()] = MappingProxyType(orjson.loads(value))
        snapshots.append(
            StateSnapshot(
                entities=MappingProxyType(entities), version=version, caught_up=True, updated_wall=time.time()
            )
        )

    feed(stream[:readings], 1)
    for i in range(count):
        feed(stream[readings + i * changed : readings + (i + 1) * changed], i + 2)
    accepted = sum(processor.consumed.values())
    if accepted != need:
        raise SystemExit(f"the processor accepted {accepted} of the {need} readings fed: the views would be thinner")
    return pack, snapshots


def run(readings: int = 40_000, changed: int = 100, count: int = 30, lang: str = "en") -> list[Row]:
    import dash

    dash.Dash(__name__, use_pages=True, pages_folder="")  # a page module registers itself with an app on import
    from dashboard.pages.map import rendered_update

    pack, snapshots = versions(readings, changed, count)
    settings = Settings()
    hexes = HexLayer.of(pack)
    memo = SiteMemo()
    now = time.time()
    cold: list[float] = []
    warm: list[float] = []
    first = judge(snapshots[0], settings.partitions, settings.clock, settings.ui_stale_after_s, now)
    rendered_update(pack, hexes, snapshots[0], first, lang, memo)

    def timed(snapshot: StateSnapshot, picture: Any, site_memo: SiteMemo | None, times: list[float]) -> Any:
        """One render, timed into ``times``, of a copy of ``snapshot`` of its own (the same documents, and no index
        of kinds built by the other render)."""
        copy = replace(snapshot)
        t0 = time.perf_counter()
        made = rendered_update(pack, hexes, copy, picture, lang, site_memo)
        times.append(time.perf_counter() - t0)
        return made

    for i, snapshot in enumerate(snapshots[1:]):
        picture = judge(snapshot, settings.partitions, settings.clock, settings.ui_stale_after_s, now)
        # which goes first alternates, so that neither always inherits the other's warm caches
        if i % 2 == 0:
            baseline, with_memo = timed(snapshot, picture, None, cold), timed(snapshot, picture, memo, warm)
        else:
            with_memo, baseline = timed(snapshot, picture, memo, warm), timed(snapshot, picture, None, cold)
        if baseline != with_memo:  # every part and every digest
            raise SystemExit(f"the memoised render differs from the full one at version {snapshot.version}")
    sensors = sum(1 for k in snapshots[-1].entities if k.startswith("sensor:"))
    c, w = statistics.median(cold) * 1000, statistics.median(warm) * 1000
    print(f"{len(snapshots) - 1} versions of {changed} readings each after {readings}; {sensors} sensors in the view")
    print(f"without the memo: median {c:.1f} ms; with the per-site memo: median {w:.1f} ms ({c / w:.1f}x)")
    return [
        (f"map update per state version, {sensors} sensors, {changed} readings changed", f"{c:.0f} ms", ""),
        ("the same with the per-site memo (same run, same output)", f"{w:.0f} ms ({c / w:.1f}x)", ""),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readings", type=int, default=40_000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--versions", type=int, default=30)
    args = parser.parse_args()
    run(args.readings, args.changed, args.versions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
