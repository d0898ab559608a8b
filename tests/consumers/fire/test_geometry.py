"""Lines of sight: where two cross, and when they give no position."""

from __future__ import annotations

import pytest

from consumers.fire.geometry import LocalFrame, Sight, crossing, distance_m, nearest_on


def test_two_sights_cross_where_they_meet_and_not_beyond_a_cameras_range() -> None:
    north = Sight((0.0, 1000.0), 180.0, 3000.0)
    west = Sight((-1000.0, 0.0), 90.0, 3000.0)
    assert crossing(north, west) == pytest.approx((0.0, 0.0), abs=1e-6)
    assert crossing(north, Sight((-1000.0, 0.0), 90.0, 900.0)) is None  # it sees only 900 m


def test_nearly_parallel_sights_fix_no_position() -> None:
    assert crossing(Sight((0.0, 0.0), 90.0, 5000.0), Sight((0.0, 100.0), 100.0, 5000.0)) is None


def test_distances_between_points_and_sights() -> None:
    sight = Sight((0.0, 0.0), 0.0, 1000.0)
    assert distance_m((300.0, 500.0), sight) == pytest.approx(300.0)
    assert distance_m((0.0, 1500.0), sight) == pytest.approx(500.0)  # past its range
    assert nearest_on(sight, (300.0, 500.0)) == pytest.approx((0.0, 500.0))


def test_the_local_frame_goes_there_and_back() -> None:
    frame = LocalFrame(106.71, 26.58)
    assert frame.lonlat(frame.xy(106.75, 26.61)) == pytest.approx((106.75, 26.61))
    x, y = frame.xy(106.71, 26.59)
    assert (x, y) == pytest.approx((0.0, 1105.74))
