"""Water depth from the gauges: the overflow interpolated along the river between its gauges, held beyond them,
less each place's height above the bank; unknown where no gauge of its river reports or its height is not known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import LineString, Point

from consumers.citypack import CityPack
from consumers.flood.inundation import block_depths, node_depths, river_frame, road_depths
from consumers.flood.network import Road, RoadNetwork

JIAXIU = (106.715002, 26.576551)  # NM-04, on the Nanming
XIAOHE = (106.703, 26.532)  # NM-03


def along(pack: CityPack, fraction: float) -> tuple[float, float]:
    """A point on the Nanming's line between Xiaohe and Jiaxiu Tower (their gauges), ``fraction`` of the way along
    the river (in degrees: close enough to metres for a test's tolerance)."""
    line = LineString(pack.rivers["nanming"].coords)
    start, end = line.project(Point(XIAOHE)), line.project(Point(JIAXIU))
    point = line.interpolate(start + fraction * (end - start))
    return point.x, point.y


def network_at(points: list[tuple[float, float]], hand: list[float | None]) -> RoadNetwork:
    roads = tuple(Road(i, i + 1, "residential", 30, 100, "", "") for i in range(len(points) - 1))
    return RoadNetwork(
        tuple(f"n{i}" for i in range(len(points))),
        tuple(p[0] for p in points),
        tuple(p[1] for p in points),
        tuple(hand),
        roads,
    )


def stages(pack: CityPack, over: dict[str, float]) -> dict[str, float]:
    return {g: float(pack.sensors[g].params["thresholds"]["flood_warning"]) + o for g, o in over.items()}


def test_the_overflow_is_interpolated_between_gauges_and_each_place_is_that_less_its_height(pack: CityPack) -> None:
    points = [XIAOHE, along(pack, 0.5), JIAXIU]
    network = network_at(points, [0.0, 0.2, 0.0])
    frame = river_frame(pack, network)
    assert [frame.rivers[i] for i in frame.node_river] == ["nanming"] * 3
    depth = node_depths(frame, stages(pack, {"NM-03": 1.0, "NM-04": 0.0}))
    assert depth[0] == pytest.approx(1.0, abs=0.02) and depth[2] == pytest.approx(0.0, abs=0.02)
    assert 0.2 < depth[1] < 0.4  # about half of the metre, less its 0.2 m above the bank
    # A street is as deep as its deeper end.
    assert road_depths(network, depth).tolist() == pytest.approx([depth[0], depth[1]])


def test_below_the_bank_nothing_floods_and_unknown_stays_unknown(pack: CityPack) -> None:
    network = network_at([XIAOHE, JIAXIU], [0.0, None])
    frame = river_frame(pack, network)
    low = node_depths(frame, stages(pack, {"NM-03": -0.5, "NM-04": -0.5}))
    assert low[0] == 0.0 and math.isnan(low[1])  # no height given: not judged
    silent = node_depths(frame, {})  # no gauge of the Nanming reports: not "dry"
    assert np.isnan(silent).all()
    assert block_depths(frame, {}).shape == (0,)


def test_beyond_the_last_gauge_the_overflow_is_held(pack: CityPack) -> None:
    downstream = (106.805882, 26.662083)  # NM-06 Dongfeng, with no stage given: NM-04's overflow is held there
    network = network_at([JIAXIU, downstream], [0.0, 0.0])
    frame = river_frame(pack, network)
    depth = node_depths(frame, stages(pack, {"NM-04": 0.7}))
    assert depth.tolist() == pytest.approx([0.7, 0.7], abs=0.02)
