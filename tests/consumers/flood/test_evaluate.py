"""The demo's flood as a visitor sees it at demo speed: streets close one after another as the wave comes down the
Nanming, a rescue mission is re-routed and says why, the evacuation list grows, and all of it clears after."""

from __future__ import annotations

from typing import Any

from consumers.citypack import CityPack
from consumers.flood.evaluate import STEP_S, evaluate_demo
from consumers.flood.network import load_flood_pack

DEMO_SPEED = 60.0
"""``make demo``'s simulated clock: a minute of the show is an hour of the flood."""


def test_the_demo_flood_closes_streets_in_order_reroutes_a_team_and_grows_the_list(pack: CityPack) -> None:
    network, _ = load_flood_pack(pack.root, pack)
    pictures: list[dict[str, Any]] = []
    result = evaluate_demo(pack, network, pictures)
    closed = [len(p["closed"]["i"]) for p in pictures]
    listed = [p["totals"]["city"]["people"] for p in pictures]
    first = next(i for i, n in enumerate(closed) if n)
    peak = closed.index(max(closed))
    # Streets close in order as the water rises: none reopens before the peak, and it takes more than one step.
    assert all(a <= b for a, b in zip(closed[first : peak + 1], closed[first + 1 : peak + 1], strict=False))
    assert len(set(closed[first : peak + 1])) >= 3
    # Each street keeps the time it closed: the earliest are older than the latest.
    since = pictures[peak]["closed"]["since_t"]
    assert min(since) < max(since)
    # A visitor sees the first closure to the peak within a few minutes at the demo's speed.
    assert (peak - first) * STEP_S / DEMO_SPEED <= 5 * 60
    # The list grows before the streets close (the outlook), and is empty again when the flood has gone.
    assert listed[first - 1] > 0 and max(listed) > listed[first - 1] and listed[-1] == 0 and closed[-1] == 0
    # It never calls many more people to leave than the water then reaches (measured: at most 1.14 times).
    calls = [c for c in result["people"] if c["reached_within_6h"]]
    assert calls and max(c["called"] / c["reached_within_6h"] for c in calls) <= 1.5
    # A rescue team is re-routed, and the mission says why: the water on its way (the streets it names are under
    # water), or, as the flood goes down, a shorter way open again.
    changes = [c for p in pictures for m in p["missions"] for c in m["changes"] if c["t"] == p_time(p)]
    assert any(c["closed"] or c["flooded"] for c in changes)
    assert all(c["closed"] or c["flooded"] or (c["eta_delta_s"] or 0) < 0 for c in changes)


def p_time(picture: dict[str, Any]) -> float:
    from datetime import datetime

    return datetime.fromisoformat(picture["event_time"]).timestamp()
