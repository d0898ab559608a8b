"""The river over the next hours: the wave from upstream arrives downstream after its travel time, a gauge's own
rise forecast is believed only so far, and on the demo flood the outlook beats the river as it is now."""

from __future__ import annotations

import numpy as np
import pytest

from consumers.citypack import CityPack
from consumers.flood.evaluate import evaluate_demo
from consumers.flood.inundation import GaugeOnRiver, RiverFrame
from consumers.flood.outlook import OWN_LEAD_H, WAVE_CELERITY_M_S, GaugeNow, own_outlook, stage_outlook

NOW = 1_780_000_000.0
HOUR = 3600.0


def frame(distance_m: float) -> RiverFrame:
    empty = np.zeros(0)
    return RiverFrame(
        rivers=("r",),
        gauges={"r": (GaugeOnRiver("UP", "r", 0.0, 3.0), GaugeOnRiver("DOWN", "r", distance_m, 4.0))},
        node_river=empty.astype(np.int32),
        node_position_m=empty,
        node_hand_m=empty,
        block_river=empty.astype(np.int32),
        block_position_m=empty,
        block_hand_m=empty,
    )


def test_the_wave_upstream_arrives_downstream_after_its_travel_time() -> None:
    """The upstream gauge rose a metre above its bank an hour ago; 2 h of travel downstream, the downstream gauge
    (still calm) is expected a metre above its own bank one hour from now, not sooner."""
    travel_h = 2.0
    distance = travel_h * HOUR * WAVE_CELERITY_M_S
    up = GaugeNow("UP", NOW, 4.0, ((NOW - 3 * HOUR, 1.0), (NOW - 1.01 * HOUR, 1.0), (NOW - HOUR, 4.0), (NOW, 4.0)))
    down = GaugeNow("DOWN", NOW, 2.0, ((NOW - HOUR, 2.0), (NOW, 2.0)))
    outlook = stage_outlook(frame(distance), {"UP": up, "DOWN": down}, NOW)
    assert outlook[1]["DOWN"] == pytest.approx(5.0, abs=0.01)  # bank 4 + the upstream's 1 m over its bank 3
    assert outlook[2]["DOWN"] == pytest.approx(5.0, abs=0.01)
    calm_before = stage_outlook(frame(distance * 2), {"UP": up, "DOWN": down}, NOW)  # 4 h of travel
    assert calm_before[1]["DOWN"] == 2.0 and calm_before[3]["DOWN"] == pytest.approx(5.0, abs=0.01)


def test_a_gauges_own_rise_is_believed_up_to_its_lead_and_never_below_now() -> None:
    rise = tuple((NOW + h * 1800.0, 2.0 + 0.5 * h) for h in range(13))  # +1 m an hour for 6 h
    g = GaugeNow("UP", NOW, 2.0, ((NOW, 2.0),), rise)
    assert own_outlook(g, NOW + HOUR) == pytest.approx(3.0)
    assert own_outlook(g, NOW + 6 * HOUR) == pytest.approx(2.0 + OWN_LEAD_H)  # held at its lead
    falling = GaugeNow("UP", NOW, 2.0, ((NOW, 2.0),), tuple((t, 1.0) for t, _ in rise))
    assert own_outlook(falling, NOW + HOUR) == 2.0


def test_on_the_demo_flood_the_outlook_downstream_beats_the_river_as_it_is(pack: CityPack) -> None:
    """python -m consumers.flood.evaluate: where a gauge has one upstream, the wave tells it what comes. Measured
    while the water rises (10 cm higher at the lead), MAE at 1 h 0.09-0.13 m against persistence's 1.38-1.41 m, at
    3 h 1.22-1.56 m against 2.28-2.30 m."""
    result = evaluate_demo(pack)["rising"]
    for gauge_id in ("NM-03", "NM-04"):
        outlook, persistence = result[gauge_id]["outlook"], result[gauge_id]["persistence"]
        assert outlook["n"] >= 5
        assert outlook["mae"][1] < 0.2 < persistence["mae"][1]
        assert outlook["mae"][3] < 0.75 * persistence["mae"][3]
