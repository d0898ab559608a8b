"""Positions in metres around a district, for joining fire signals: a camera's line of sight is a segment from
the camera along the smoke's bearing, as far as the camera sees; a detector or a caller is a point.

A local equirectangular frame (x east, y north) is exact enough at the scale of a district (under 0.1 % over
30 km); distances and intersections are shapely's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0
MIN_CROSSING_DEG = 15.0
"""Two lines of sight closer to parallel than this do not fix a position: a small error in either bearing moves
their crossing by kilometres."""

XY = tuple[float, float]


@dataclass(frozen=True, slots=True)
class LocalFrame:
    """Metres east and north of an origin."""

    lon0: float
    lat0: float

    @property
    def _kx(self) -> float:
        return math.cos(math.radians(self.lat0)) * M_PER_DEG_LON_EQUATOR

    def xy(self, lon: float, lat: float) -> XY:
        return ((lon - self.lon0) * self._kx, (lat - self.lat0) * M_PER_DEG_LAT)

    def lonlat(self, xy: XY) -> tuple[float, float]:
        return (self.lon0 + xy[0] / self._kx, self.lat0 + xy[1] / M_PER_DEG_LAT)


@dataclass(frozen=True, slots=True)
class Sight:
    """A camera's line of sight: from ``origin`` along ``bearing_deg`` (clockwise from north) for ``range_m``."""

    origin: XY
    bearing_deg: float
    range_m: float

    def point_at(self, distance_m: float) -> XY:
        b = math.radians(self.bearing_deg)
        return (self.origin[0] + distance_m * math.sin(b), self.origin[1] + distance_m * math.cos(b))

    def segment(self) -> LineString:
        return LineString([self.origin, self.point_at(self.range_m)])


def shape_of(where: XY | Sight) -> BaseGeometry:
    return where.segment() if isinstance(where, Sight) else Point(where)


def distance_m(a: XY | Sight, b: XY | Sight) -> float:
    """Between two points, a point and a line of sight, or two lines of sight (0 where they cross)."""
    return float(shape_of(a).distance(shape_of(b)))


def crossing(a: Sight, b: Sight) -> XY | None:
    """Where two lines of sight cross, within both cameras' range; None if they do not, or too nearly parallel."""
    angle = abs((a.bearing_deg - b.bearing_deg + 180.0) % 360.0 - 180.0)
    if min(angle, 180.0 - angle) < MIN_CROSSING_DEG:
        return None
    meet = a.segment().intersection(b.segment())
    if not isinstance(meet, Point) or meet.is_empty:
        return None
    return (float(meet.x), float(meet.y))


def nearest_on(sight: Sight, point: XY) -> XY:
    """The point of a line of sight nearest to ``point`` (where a caller's position puts the smoke on it)."""
    segment = sight.segment()
    nearest = segment.interpolate(segment.project(Point(point)))
    return (float(nearest.x), float(nearest.y))
