"""The city pack: everything city-specific, loaded from a folder of data files and checked as a whole.

The code of the dashboard must not know Guiyang. A city is a folder (``assets/city/<name>/``) that holds
its districts, rivers, gauges, smoke-watch cameras, public buildings with their fire equipment, and
monitored power-line segments; another city is another folder. This module turns such a folder into
immutable values that the simulator, the consumers and the dashboard share.

Why validate here, eagerly and completely: a sensor in a district that does not exist, a gauge whose
thresholds are out of order or a point drawn in the wrong district shows up otherwise as a silent wrong
colour on a wall display, days later. So loading checks the whole pack against itself, against the
telemetry contract (``consumers.contract.SENSOR_TYPES``) and against the district polygons, and reports
*every* problem at once, each naming the file and the item, so that a pack author fixes a pack in one pass.

Geometry is checked with shapely in a local metric frame (an equirectangular projection around the
city; over a city's extent the error is well under 1 %). Points may lie up to ``POINT_TOLERANCE_M``
outside their district, because published boundaries are simplified; gauges must lie within
``RIVER_TOLERANCE_M`` of their river. Coordinates are used as the pack declares them (``crs``, e.g. GCJ-02
for Amap data); nothing here converts between datums.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from consumers.contract import SENSOR_TYPES
from consumers.grid.conductors import parse_conductor

PACK_FILES = (
    "pack.json",
    "districts.geojson",
    "city-outline.geojson",
    "rivers.geojson",
    "gauges.json",
    "cameras.json",
    "buildings.json",
    "lines.geojson",
)

POINT_TOLERANCE_M = 200.0
"""How far a point may lie outside its declared district (absorbs boundary simplification)."""

RIVER_TOLERANCE_M = 200.0
"""How far a gauge may lie from its river's line."""

MAX_TEMP_RANGE_C = (50.0, 250.0)
"""Plausible design temperatures of overhead conductors (ACSR 70-80 °C, high-temperature types up to ~250)."""
ALTITUDE_RANGE_M = (-500.0, 6000.0)
"""Heights above sea level a span may have: the Dead Sea shore to the highest lines built."""

BUILDING_DEVICE_TYPES: tuple[str, ...] = tuple(
    name for name in sorted(SENSOR_TYPES) if name.startswith("fire.") and name != "fire.camera"
)
"""The fire-equipment record types that every public building must carry at least one of."""

_POINT_FILE_TYPES = {"gauges.json": "river.gauge", "cameras.json": "fire.camera"}
_COMMON_SENSOR_KEYS = ("id", "type", "name_en", "name_zh", "district", "lat", "lon")
_DEVICE_LABELS = {
    "fire.smoke_detector": ("smoke detector", "感烟探测器"),
    "fire.heat_detector": ("heat detector", "感温探测器"),
    "fire.sprinkler": ("sprinkler system", "喷淋系统"),
    "fire.hydrant": ("hydrant", "消火栓"),
    "fire.extinguisher": ("extinguisher", "灭火器"),
    "fire.alarm_panel": ("fire alarm panel", "火灾报警控制器"),
    "fire.fire_door": ("fire door", "防火门"),
}
# Type-specific parameters a building device must declare, with their plausible (inclusive) range.
_DEVICE_REQUIRED_PARAMS: dict[str, dict[str, tuple[float, float]]] = {
    "fire.smoke_detector": {"alarm_pct_per_m": (0.1, 100.0)},
    "fire.heat_detector": {"alarm_c": (30.0, 200.0)},
    "fire.sprinkler": {"min_pressure_mpa": (0.01, 3.0)},
    "fire.hydrant": {"min_pressure_mpa": (0.01, 3.0)},
}
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


class CityPackError(Exception):
    """A city pack that cannot be used, with every problem found in it (not only the first).

    Each entry of ``problems`` names the file and the item, e.g.
    ``gauges.json[NM-03]: district 520199 is not in districts.geojson``, so that it can be fixed without
    reading this module.
    """

    problems: list[str]
    root: Path | None

    def __init__(self, problems: Sequence[str], root: Path | None = None) -> None:
        self.problems = list(problems)
        self.root = root
        where = f" {root}" if root is not None else ""
        lines = "\n  ".join(self.problems)
        super().__init__(f"city pack{where} has {len(self.problems)} problem(s):\n  {lines}")

    def __reduce__(self) -> tuple[type[CityPackError], tuple[list[str], Path | None]]:
        # Keep the problems intact across pickling (e.g. from a worker process).
        return (type(self), (self.problems, self.root))


@dataclass(frozen=True, slots=True)
class District:
    """A district of the city; the centroid is a point guaranteed inside it, for labels and markers."""

    code: str
    name_en: str
    name_zh: str
    kind: str
    centroid_lat: float
    centroid_lon: float


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """One telemetry source as the pack declares it; ``type`` is a contract record type.

    ``params`` holds everything type-specific (thresholds, normal values, ratings, the line ``path`` as
    ``((lon, lat), ...)`` ...), read-only. For line segments ``lat``/``lon`` is the midpoint along the
    segment; for building devices it is the building's position, and ``building_id`` names the building.
    """

    id: str
    type: str
    district: str
    lat: float
    lon: float
    name_en: str
    name_zh: str
    building_id: str | None
    params: Mapping[str, Any] = field(hash=False)


@dataclass(frozen=True, slots=True)
class Building:
    """A public building whose fire equipment is monitored; its devices are sensors of the pack."""

    id: str
    name_en: str
    name_zh: str
    kind: str
    district: str
    lat: float
    lon: float
    occupancy: int
    device_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class River:
    """A river drawn as one line, upstream first, in ``(lon, lat)`` order like GeoJSON."""

    id: str
    name_en: str
    name_zh: str
    coords: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class CityPack:
    """A validated city pack: read-only lookups by id, in file order, plus the raw GeoJSON for maps.

    ``districts_geojson`` is the FeatureCollection as published, with feature ``id`` = district code, so
    it can be handed to plotly as ``geojson`` with ``locations`` = district codes. Treat it as read-only:
    it is shared by everyone holding the pack.
    """

    root: Path
    name_en: str
    name_zh: str
    timezone: str
    crs: str
    center_lat: float
    center_lon: float
    zoom: float
    population: int
    districts: Mapping[str, District] = field(hash=False)
    sensors: Mapping[str, SensorSpec] = field(hash=False)
    buildings: Mapping[str, Building] = field(hash=False)
    rivers: Mapping[str, River] = field(hash=False)
    districts_geojson: Mapping[str, Any] = field(hash=False, repr=False)
    outline_geojson: Mapping[str, Any] = field(hash=False, repr=False)
    geo: _Geo | None = field(default=None, hash=False, repr=False, compare=False)
    """The district polygons, for placing what is not a sensor of the pack (a caller's position)."""
    _of_type: dict[str, tuple[SensorSpec, ...]] = field(
        default_factory=dict, init=False, hash=False, repr=False, compare=False
    )
    """``sensors_of_type``'s answers, worked out once per prefix: a map update asks five times over 2,446 sensors."""

    def place(self, code: str, lon: float, lat: float) -> str | None:
        """Why a point cannot be in district ``code``: ``outside_city`` (in no district), ``district_mismatch`` (in
        another, beyond the tolerance of ``POINT_TOLERANCE_M``), or None when it is."""
        geo = self.geo
        if geo is None or code not in geo.districts:
            return "district_mismatch"
        if geo.metres_outside(code, lon, lat) <= POINT_TOLERANCE_M:
            return None
        point = Point(lon, lat)
        return "district_mismatch" if any(g.covers(point) for g in geo.districts.values()) else "outside_city"

    def sensors_of_type(self, prefix: str) -> list[SensorSpec]:
        """Sensors whose type is ``prefix`` or starts with ``prefix.`` (``"river"``, ``"fire.camera"``)."""
        known = self._of_type.get(prefix)
        if known is None:
            known = self._of_type[prefix] = tuple(
                s for s in self.sensors.values() if s.type == prefix or s.type.startswith(prefix + ".")
            )
        return list(known)

    def sensors_in_district(self, code: str) -> list[SensorSpec]:
        """Sensors of one district, in pack order."""
        return [s for s in self.sensors.values() if s.district == code]


FIRST_GENERATED_BUILDING = 100
"""Building numbers from here on (``B-101``, ...) are the generated inventory (``simulator.inventory``); below are the
authored landmarks."""


def landmarks_only(pack: CityPack) -> CityPack:
    """The pack with its authored landmark buildings only, not the generated inventory: the city before issue 9
    (185 sensors of 2,446). For tests that play every sensor through hours of event time or through a broker, whose
    subject is not the size of the city, and for ``bench.city_scale --base landmarks``, which measures cost per record
    from the city issue 8 measured from (184 sensors)."""
    buildings = {b.id: b for b in pack.buildings.values() if int(b.id.split("-")[1]) < FIRST_GENERATED_BUILDING}
    sensors = {s.id: s for s in pack.sensors.values() if s.building_id is None or s.building_id in buildings}
    return replace(pack, buildings=buildings, sensors=sensors)


def city_pack_path(assets_dir: Path, city: str) -> Path:
    """Where the pack of ``city`` lives under an assets folder: ``assets_dir / "city" / city``."""
    return Path(assets_dir) / "city" / city


# --------------------------------------------------------------------------------------------- helpers


class _Problems:
    """Collects problems; every check adds to it and carries on."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _Item:
    """Typed access to one JSON object that records a problem for each missing or ill-typed key.

    A child item (an object nested under a key) reports its keys as ``parent.key`` and marks its parent
    as failed too; a child of a missing object stays quiet, since the missing object is already reported.
    """

    def __init__(
        self,
        doc: Mapping[str, Any],
        where: str,
        problems: _Problems,
        *,
        prefix: str = "",
        parent: _Item | None = None,
        quiet: bool = False,
    ) -> None:
        self.doc = doc
        self.where = where
        self.problems = problems
        self.prefix = prefix
        self.parent = parent
        self.quiet = quiet
        self.ok = True

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def fail(self, message: str) -> None:
        self.ok = False
        if self.parent is not None:
            self.parent.fail_silently()
        if not self.quiet:
            self.problems.add(self.where, message)

    def fail_silently(self) -> None:
        self.ok = False
        if self.parent is not None:
            self.parent.fail_silently()

    def get(self, key: str) -> Any:
        if key not in self.doc or self.doc[key] is None:
            self.fail(f"missing key '{self.name(key)}'")
            return None
        return self.doc[key]

    def text(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(f"'{self.name(key)}' must be a non-empty string, got {value!r}")
            return ""
        return value

    def number(self, key: str, *, low: float | None = None, high: float | None = None) -> float:
        """A finite number within the inclusive bounds ``low``..``high``; NaN after a problem."""
        value = self.get(key)
        if value is None:
            return math.nan
        if not _is_number(value):
            self.fail(f"'{self.name(key)}' must be a number, got {value!r}")
            return math.nan
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{'' if low is None else f'{low:g}'}..{'' if high is None else f'{high:g}'}"
            self.fail(f"'{self.name(key)}' = {value:g} is outside {bounds}")
            return math.nan
        return float(value)

    def positive(self, key: str) -> float:
        number = self.number(key)
        if number <= 0:
            self.fail(f"'{self.name(key)}' must be positive, got {number:g}")
            return math.nan
        return number

    def integer(self, key: str, *, low: int = 0) -> int:
        value = self.get(key)
        if value is None:
            return 0
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            self.fail(f"'{self.name(key)}' must be an integer >= {low}, got {value!r}")
            return 0
        return value

    def child(self, key: str) -> _Item:
        """The object under ``key`` as an item of its own."""
        value = self.get(key)
        if value is not None and not isinstance(value, dict):
            self.fail(f"'{self.name(key)}' must be an object, got {type(value).__name__}")
        doc = value if isinstance(value, dict) else {}
        return _Item(
            doc,
            self.where,
            self.problems,
            prefix=self.name(key),
            parent=self,
            quiet=not isinstance(value, dict),
        )


def _read_json(root: Path, name: str, problems: _Problems) -> Any:
    """The parsed file, or ``None`` after recording why it cannot be read."""
    path = root / name
    if not path.is_file():
        problems.add(name, "file is missing")
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.add(name, f"not UTF-8 ({exc.reason} at byte {exc.start})")
        return None
    except OSError as exc:
        problems.add(name, f"cannot be read ({exc.strerror})")
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(name, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        return None


def _freeze(value: Any) -> Any:
    """A read-only deep copy: objects become mappingproxies, arrays tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _features(doc: Any, name: str, problems: _Problems) -> list[Any]:
    if doc is None:
        return []
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        problems.add(name, "must be a GeoJSON FeatureCollection with a 'features' list")
        return []
    return list(doc["features"])


def _objects(doc: Any, name: str, problems: _Problems) -> list[Any]:
    if doc is None:
        return []
    if not isinstance(doc, list):
        problems.add(name, f"must be a JSON array of objects, got {type(doc).__name__}")
        return []
    return doc


def _label(name: str, index: int, doc: Any, key: str = "id") -> str:
    """``file[ID]`` when the item has a usable id, else ``file[#index]``."""
    item_id = doc.get(key) if isinstance(doc, dict) else None
    return f"{name}[{item_id}]" if isinstance(item_id, str) and item_id else f"{name}[#{index}]"


def _line_coords(geometry: Any, item: _Item) -> tuple[tuple[float, float], ...]:
    """The vertices of a GeoJSON LineString, or ``()`` after recording what is wrong with it."""
    if not isinstance(geometry, dict) or geometry.get("type") != "LineString":
        item.fail("geometry must be a GeoJSON LineString")
        return ()
    raw = geometry.get("coordinates")
    if not isinstance(raw, list) or not all(
        isinstance(p, list) and len(p) >= 2 and _is_number(p[0]) and _is_number(p[1]) for p in raw
    ):
        item.fail("LineString coordinates must be [lon, lat] number pairs")
        return ()
    coords = tuple((float(p[0]), float(p[1])) for p in raw)
    if len(coords) < 2:
        item.fail(f"line path has {len(coords)} vertex(es), needs at least 2")
        return ()
    if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in coords):
        item.fail("line path has a vertex outside lon -180..180 / lat -90..90")
        return ()
    return coords


class _Geo:
    """District polygons and river lines, with checks measured in metres in a local frame."""

    def __init__(self, districts: Mapping[str, BaseGeometry], rivers: Mapping[str, BaseGeometry]) -> None:
        self.districts = dict(districts)
        self.rivers = dict(rivers)
        geoms = [*self.districts.values(), *self.rivers.values()]
        if geoms:
            minx, miny, maxx, maxy = shapely.GeometryCollection(geoms).bounds
            self.lon0, self.lat0 = (minx + maxx) / 2, (miny + maxy) / 2
        else:
            self.lon0, self.lat0 = 0.0, 0.0
        self.kx = math.cos(math.radians(self.lat0)) * _M_PER_DEG_LON_EQUATOR
        for geom in self.districts.values():
            shapely.prepare(geom)
        self._metric: dict[tuple[str, str], BaseGeometry] = {}

    def metric(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda xy: (xy - (self.lon0, self.lat0)) * (self.kx, _M_PER_DEG_LAT))

    def _metric_of(self, kind: str, key: str, geom: BaseGeometry) -> BaseGeometry:
        cached = self._metric.get((kind, key))
        if cached is None:
            cached = self._metric[(kind, key)] = self.metric(geom)
        return cached

    def metres_outside(self, code: str, lon: float, lat: float) -> float:
        """0 when the point is inside district ``code``, else its distance to it in metres."""
        polygon = self.districts[code]
        point = Point(lon, lat)
        if polygon.covers(point):
            return 0.0
        return float(self._metric_of("district", code, polygon).distance(self.metric(point)))

    def metres_from_river(self, river: str, lon: float, lat: float) -> float:
        line = self._metric_of("river", river, self.rivers[river])
        return float(line.distance(self.metric(Point(lon, lat))))


# ------------------------------------------------------------------------------------------- the loader


@dataclass(frozen=True, slots=True)
class _Placed:
    """The fields every sensor has, as parsed; only turned into a ``SensorSpec`` when all were valid."""

    id: str
    type: str
    name_en: str
    name_zh: str
    district: str
    lat: float
    lon: float

    def sensor(self, building_id: str | None, params: Mapping[str, Any]) -> SensorSpec:
        return SensorSpec(
            id=self.id,
            type=self.type,
            district=self.district,
            lat=self.lat,
            lon=self.lon,
            name_en=self.name_en,
            name_zh=self.name_zh,
            building_id=building_id,
            params=_freeze(dict(params)),
        )


@dataclass(slots=True)
class _Loader:
    """One pass over one pack folder; accumulates problems and the values parsed so far."""

    root: Path
    problems: _Problems = field(default_factory=_Problems)
    owners: dict[str, str] = field(default_factory=dict)
    district_names: dict[str, str] = field(default_factory=dict)
    geo: _Geo | None = None
    districts_loaded: bool = False
    rivers_loaded: bool = False

    def claim(self, item_id: str, where: str, name: str) -> bool:
        """Register an id pack-wide; a second use is a problem (ids are Kafka keys and map labels)."""
        first = self.owners.get(item_id)
        if first is not None:
            self.problems.add(where, f"duplicate id {item_id} (first used in {first})")
            return False
        self.owners[item_id] = name
        return True

    def check_district(self, item: _Item, code: str, lon: float, lat: float, what: str = "point") -> None:
        """The district exists and the point lies in it (within ``POINT_TOLERANCE_M``)."""
        if not code or self.geo is None or math.isnan(lon) or math.isnan(lat):
            return
        if not self.districts_loaded:
            return
        if code not in self.geo.districts:
            item.fail(f"district {code} is not in districts.geojson")
            return
        outside = self.geo.metres_outside(code, lon, lat)
        if outside > POINT_TOLERANCE_M:
            item.fail(
                f"{what} ({lat:.5f} N, {lon:.5f} E) is {outside:.0f} m outside district {code} "
                f"({self.district_names.get(code, '?')}), more than {POINT_TOLERANCE_M:.0f} m"
            )

    def check_type(self, item: _Item, type_name: str, name: str, expected: Iterable[str]) -> None:
        allowed = tuple(expected)
        if not type_name:
            return
        if type_name not in SENSOR_TYPES:
            item.fail(f"type '{type_name}' is not a sensor type of the contract ({', '.join(sorted(SENSOR_TYPES))})")
        elif type_name not in allowed:
            item.fail(f"type '{type_name}' does not belong in {name} (expected {', '.join(allowed)})")

    # -- pack.json ----------------------------------------------------------------------------------

    def meta(self, doc: Any) -> dict[str, Any]:
        name = "pack.json"
        if doc is None:
            return {}
        if not isinstance(doc, dict):
            self.problems.add(name, f"must be a JSON object, got {type(doc).__name__}")
            return {}
        item = _Item(doc, name, self.problems)
        meta: dict[str, Any] = {
            "name_en": item.text("name_en"),
            "name_zh": item.text("name_zh"),
            "timezone": item.text("timezone"),
            "crs": item.text("crs"),
            "zoom": item.number("zoom", low=0.0, high=24.0),
            "population": item.integer("population", low=1),
        }
        center = item.child("center")
        meta["center_lat"] = center.number("lat", low=-90.0, high=90.0)
        meta["center_lon"] = center.number("lon", low=-180.0, high=180.0)
        if meta["timezone"]:
            try:
                ZoneInfo(meta["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                item.fail(f"timezone '{meta['timezone']}' is not an IANA time zone")
        return meta

    # -- districts ----------------------------------------------------------------------------------

    def districts(self, doc: Any) -> tuple[dict[str, District], dict[str, BaseGeometry]]:
        name = "districts.geojson"
        districts: dict[str, District] = {}
        shapes: dict[str, BaseGeometry] = {}
        for index, feature in enumerate(_features(doc, name, self.problems)):
            where = _label(name, index, feature)
            if not isinstance(feature, dict):
                self.problems.add(where, "feature must be an object")
                continue
            code = feature.get("id")
            if not isinstance(code, str) or not code:
                self.problems.add(where, "feature needs an 'id' (the district code, used by the maps)")
                continue
            if code in districts:
                self.problems.add(where, f"duplicate district code {code}")
                continue
            props = feature.get("properties")
            item = _Item(props if isinstance(props, dict) else {}, where, self.problems)
            name_en, name_zh, kind = item.text("name_en"), item.text("name_zh"), item.text("kind")
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                item.fail("geometry must be a Polygon or MultiPolygon")
                continue
            try:
                polygon = shape(geometry)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, ShapelyError) as exc:
                item.fail(f"geometry cannot be read ({exc})")
                continue
            if polygon.is_empty:
                item.fail("geometry is empty")
                continue
            if not polygon.is_valid:
                polygon = shapely.make_valid(polygon)
            shapes[code] = polygon
            if item.ok:
                inside = polygon.representative_point()
                districts[code] = District(code, name_en, name_zh, kind, inside.y, inside.x)
                self.district_names[code] = name_en
        return districts, shapes

    def outline(self, doc: Any) -> None:
        name = "city-outline.geojson"
        for index, feature in enumerate(_features(doc, name, self.problems)):
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                self.problems.add(_label(name, index, feature), "geometry must be a Polygon or MultiPolygon")

    # -- rivers -------------------------------------------------------------------------------------

    def rivers(self, doc: Any) -> dict[str, River]:
        name = "rivers.geojson"
        rivers: dict[str, River] = {}
        for index, feature in enumerate(_features(doc, name, self.problems)):
            props = feature.get("properties") if isinstance(feature, dict) else None
            props = props if isinstance(props, dict) else {}
            where = _label(name, index, props)
            item = _Item(props, where, self.problems)
            river_id, name_en, name_zh = item.text("id"), item.text("name_en"), item.text("name_zh")
            coords = _line_coords(feature.get("geometry") if isinstance(feature, dict) else None, item)
            if river_id and not self.claim(river_id, where, name):
                continue
            if item.ok:
                rivers[river_id] = River(river_id, name_en, name_zh, coords)
        return rivers

    # -- point sensors: gauges and cameras ----------------------------------------------------------

    def _placed(self, item: _Item, name: str, expected: Iterable[str]) -> _Placed:
        placed = _Placed(
            id=item.text("id"),
            type=item.text("type"),
            name_en=item.text("name_en"),
            name_zh=item.text("name_zh"),
            district=item.text("district"),
            lat=item.number("lat", low=-90.0, high=90.0),
            lon=item.number("lon", low=-180.0, high=180.0),
        )
        self.check_type(item, placed.type, name, expected)
        self.check_district(item, placed.district, placed.lon, placed.lat)
        return placed

    def _items(self, doc: Any, name: str) -> Iterator[_Item]:
        """The objects of a JSON-array file with their checkers; a non-object entry is reported and skipped."""
        for index, raw in enumerate(_objects(doc, name, self.problems)):
            where = _label(name, index, raw)
            if not isinstance(raw, dict):
                self.problems.add(where, "item must be an object")
                continue
            yield _Item(raw, where, self.problems)

    def point_sensors(self, doc: Any, name: str, rivers: Mapping[str, River]) -> list[SensorSpec]:
        expected = _POINT_FILE_TYPES[name]
        sensors: list[SensorSpec] = []
        for item in self._items(doc, name):
            where, raw = item.where, item.doc
            placed = self._placed(item, name, (expected,))
            if expected == "river.gauge":
                self._gauge(item, placed, rivers)
            else:
                item.number("alarm_confidence", low=0.0, high=1.0)
                item.number("heading_deg", low=0.0, high=360.0)
                item.number("fov_deg", low=1.0, high=360.0)
                item.number("range_m", low=100.0, high=30_000.0)
            if placed.id and not self.claim(placed.id, where, name):
                continue
            if item.ok:
                params = {k: v for k, v in raw.items() if k not in _COMMON_SENSOR_KEYS}
                sensors.append(placed.sensor(None, params))
        return sensors

    def _gauge(self, item: _Item, placed: _Placed, rivers: Mapping[str, River]) -> None:
        river = item.text("river")
        item.number("chainage_km", low=0.0)
        item.text("measure")
        item.text("unit")
        normal = item.child("normal")
        stage = normal.number("stage_m")
        if "discharge_m3s" in normal.doc:
            normal.number("discharge_m3s", low=0.0)
        thresholds = item.child("thresholds")
        values = [
            thresholds.number("drought_low"),
            stage,
            thresholds.number("flood_warning"),
            thresholds.number("flood_danger"),
        ]
        if not any(math.isnan(v) for v in values) and any(a >= b for a, b in pairwise(values)):
            got = ", ".join(f"{value:g}" for value in values)
            item.fail(
                "thresholds are not strictly ordered: need drought_low < normal.stage_m < flood_warning "
                f"< flood_danger, got {got}"
            )
        if not river or self.geo is None or not self.rivers_loaded:
            return
        if river not in rivers:
            item.fail(f"river '{river}' is not in rivers.geojson")
            return
        if math.isnan(placed.lat) or math.isnan(placed.lon):
            return
        off = self.geo.metres_from_river(river, placed.lon, placed.lat)
        if off > RIVER_TOLERANCE_M:
            item.fail(f"gauge is {off:.0f} m from river '{river}', more than {RIVER_TOLERANCE_M:.0f} m")

    # -- buildings and their devices ----------------------------------------------------------------

    def buildings(self, doc: Any) -> tuple[list[Building], list[SensorSpec]]:
        name = "buildings.json"
        buildings: list[Building] = []
        devices: list[SensorSpec] = []
        for item in self._items(doc, name):
            where = item.where
            b_id, name_en, name_zh = item.text("id"), item.text("name_en"), item.text("name_zh")
            kind, district = item.text("kind"), item.text("district")
            lat = item.number("lat", low=-90.0, high=90.0)
            lon = item.number("lon", low=-180.0, high=180.0)
            occupancy = item.integer("occupancy", low=0)
            self.check_district(item, district, lon, lat)
            claimed = not b_id or self.claim(b_id, where, name)
            raw_devices = item.get("devices")
            if raw_devices is not None and (not isinstance(raw_devices, list) or not raw_devices):
                item.fail("'devices' must be a non-empty array")
                raw_devices = None
            own: list[SensorSpec] = []
            seen_types: set[str] = set()
            devices_ok = True
            for d_index, raw_device in enumerate(raw_devices or []):
                device = self._device(raw_device, d_index, where, b_id, (name_en, name_zh, district, lat, lon))
                if isinstance(raw_device, dict) and isinstance(raw_device.get("type"), str):
                    seen_types.add(raw_device["type"])
                if device is None:
                    devices_ok = False
                else:
                    own.append(device)
            if raw_devices:
                missing = [t for t in BUILDING_DEVICE_TYPES if t not in seen_types]
                if missing:
                    item.fail(f"has no {', '.join(missing)} device (every building needs each fire device type)")
            if item.ok and claimed and devices_ok:
                buildings.append(
                    Building(b_id, name_en, name_zh, kind, district, lat, lon, occupancy, tuple(d.id for d in own))
                )
                devices.extend(own)
        return buildings, devices

    def _device(
        self,
        raw: Any,
        index: int,
        building_where: str,
        building_id: str,
        building: tuple[str, str, str, float, float],
    ) -> SensorSpec | None:
        name = "buildings.json"
        b_name_en, b_name_zh, district, lat, lon = building
        d_id = raw.get("id") if isinstance(raw, dict) else None
        inner = d_id if isinstance(d_id, str) and d_id else f"device #{index}"
        where = f"{building_where.removesuffix(']')}/{inner}]"
        if not isinstance(raw, dict):
            self.problems.add(where, "device must be an object")
            return None
        item = _Item(raw, where, self.problems)
        device_id, type_name = item.text("id"), item.text("type")
        self.check_type(item, type_name, f"{name} devices", BUILDING_DEVICE_TYPES)
        for key, (low, high) in _DEVICE_REQUIRED_PARAMS.get(type_name, {}).items():
            item.number(key, low=low, high=high)
        claimed = not device_id or self.claim(device_id, where, name)
        if not (item.ok and claimed and building_id):
            return None
        label_en, label_zh = _DEVICE_LABELS.get(type_name, (type_name, type_name))
        number = device_id.rsplit("-", 1)[-1]
        suffix = number if number.isdigit() else ""
        name_en = raw.get("name_en") or f"{b_name_en} {label_en}{' ' + suffix if suffix else ''}"
        name_zh = raw.get("name_zh") or f"{b_name_zh}{label_zh}{suffix}"
        placed = _Placed(device_id, type_name, name_en, name_zh, district, lat, lon)
        params = {k: v for k, v in raw.items() if k not in ("id", "type", "name_en", "name_zh")}
        return placed.sensor(building_id, params)

    # -- power-line segments ------------------------------------------------------------------------

    def lines(self, doc: Any) -> list[SensorSpec]:
        name = "lines.geojson"
        sensors: list[SensorSpec] = []
        for index, feature in enumerate(_features(doc, name, self.problems)):
            props = feature.get("properties") if isinstance(feature, dict) else None
            props = props if isinstance(props, dict) else {}
            where = _label(name, index, props)
            item = _Item(props, where, self.problems)
            seg_id, type_name = item.text("id"), item.text("type")
            name_en, name_zh = item.text("name_en"), item.text("name_zh")
            item.text("line_id")
            conductor = item.text("conductor")
            if conductor:
                try:
                    parse_conductor(conductor)
                except ValueError as exc:
                    item.fail(str(exc))
            item.number("altitude_m", low=ALTITUDE_RANGE_M[0], high=ALTITUDE_RANGE_M[1])
            district = item.text("district")
            item.positive("voltage_kv")
            low_c, high_c = MAX_TEMP_RANGE_C
            item.number("max_temp_c", low=low_c, high=high_c)
            rated = item.positive("rated_current_a")
            load = item.number("normal_load_a", low=0.0)
            if not math.isnan(rated) and not math.isnan(load) and rated > 0 and load > rated:
                item.fail(f"normal_load_a {load:g} exceeds rated_current_a {rated:g}")
            self.check_type(item, type_name, name, ("grid.line",))
            coords = _line_coords(feature.get("geometry") if isinstance(feature, dict) else None, item)
            mid_lon = mid_lat = math.nan
            if coords:
                middle = LineString(coords).interpolate(0.5, normalized=True)
                mid_lon, mid_lat = float(middle.x), float(middle.y)
                self.check_district(item, district, mid_lon, mid_lat, "segment midpoint")
            if seg_id and not self.claim(seg_id, where, name):
                continue
            if item.ok:
                placed = _Placed(seg_id, type_name, name_en, name_zh, district, mid_lat, mid_lon)
                params = {k: v for k, v in props.items() if k not in _COMMON_SENSOR_KEYS}
                params["path"] = coords
                sensors.append(placed.sensor(None, params))
        return sensors


def load_city_pack(root: Path) -> CityPack:
    """Load and validate; raise CityPackError listing ALL problems found (not just the first).

    Reads ``pack.json``, ``districts.geojson``, ``city-outline.geojson``, ``rivers.geojson``,
    ``gauges.json``, ``cameras.json``, ``buildings.json`` and ``lines.geojson`` from ``root``. A file that
    is missing or broken is reported, and the checks that need it are skipped rather than repeated for
    every item (an unreadable districts file is one problem, not one per sensor).
    """
    root = Path(root)
    if not root.is_dir():
        raise CityPackError([f"{root}: city pack folder does not exist"], root)
    loader = _Loader(root)
    docs = {name: _read_json(root, name, loader.problems) for name in PACK_FILES}

    meta = loader.meta(docs["pack.json"])
    districts, district_shapes = loader.districts(docs["districts.geojson"])
    loader.outline(docs["city-outline.geojson"])
    rivers = loader.rivers(docs["rivers.geojson"])
    river_lines = {r.id: LineString(r.coords) for r in rivers.values()}
    loader.districts_loaded = docs["districts.geojson"] is not None
    loader.rivers_loaded = docs["rivers.geojson"] is not None
    loader.geo = _Geo(district_shapes, river_lines)

    sensors: list[SensorSpec] = []
    sensors += loader.point_sensors(docs["gauges.json"], "gauges.json", rivers)
    sensors += loader.point_sensors(docs["cameras.json"], "cameras.json", rivers)
    buildings, devices = loader.buildings(docs["buildings.json"])
    sensors += devices
    sensors += loader.lines(docs["lines.geojson"])

    if loader.problems.items:
        raise CityPackError(loader.problems.items, root)
    return CityPack(
        root=root,
        name_en=meta["name_en"],
        name_zh=meta["name_zh"],
        timezone=meta["timezone"],
        crs=meta["crs"],
        center_lat=meta["center_lat"],
        center_lon=meta["center_lon"],
        zoom=meta["zoom"],
        population=meta["population"],
        districts=MappingProxyType(districts),
        sensors=MappingProxyType({s.id: s for s in sensors}),
        buildings=MappingProxyType({b.id: b for b in buildings}),
        rivers=MappingProxyType(rivers),
        districts_geojson=docs["districts.geojson"],
        outline_geojson=docs["city-outline.geojson"],
        geo=loader.geo,
    )
