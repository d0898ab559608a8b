"""The inputs of a district's fire risk (``consumers.fire.risk``), gathered from what the processor holds: its
incidents, the sensors of the district at watch or above (from the district's tally, not a scan of all of them),
the readiness of its buildings, and the weather in the feeds. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from consumers.citypack import CityPack
from consumers.district_risk import SensorSummary
from consumers.fire.risk import FireInputs

CAMERA = "fire.camera"
DETECTORS = frozenset({"fire.smoke_detector", "fire.heat_detector"})
LINE = "grid.line"
GAUGE = "river.gauge"

Values = Callable[[str], Mapping[str, float | str] | None]
"""A sensor id -> its latest values while it is fresh (None when silent or never heard)."""


@dataclass(frozen=True, slots=True)
class Weather:
    """The weather in the feeds over some lines and gauges."""

    air_c: float | None = None
    wind_m_s: float | None = None
    rain_mm_h: float | None = None


def weather(line_ids: Iterable[str], gauge_ids: Iterable[str], values: Values) -> Weather:
    """The warmest air and strongest wind at these lines, the most rain at these gauges."""
    air = wind = rain = None
    for sensor_id in line_ids:
        v = values(sensor_id)
        if v is not None:
            a, w = v.get("ambient_temp_c"), v.get("wind_m_s")
            if isinstance(a, float):
                air = a if air is None else max(air, a)
            if isinstance(w, float):
                wind = w if wind is None else max(wind, w)
    for sensor_id in gauge_ids:
        v = values(sensor_id)
        r = None if v is None else v.get("rain_mm_h")
        if isinstance(r, float):
            rain = r if rain is None else max(rain, r)
    return Weather(air, wind, rain)


Signal = tuple[str, str, float | None]
"""(sensor id, ``cameras``, ``detectors`` or ``line``, the line's share of its rating)."""


def signals(
    notable: Iterable[SensorSummary], attached: set[str], line_share: Callable[[str], float | None]
) -> list[Signal]:
    """The notable sensors (watch or above) that say something of fire and are not counted with an incident."""
    out: list[Signal] = []
    for s in notable:
        if s.sensor_id in attached:
            continue  # counted with its incident
        if s.sensor_type == CAMERA:
            out.append((s.sensor_id, "cameras", None))
        elif s.sensor_type in DETECTORS:
            out.append((s.sensor_id, "detectors", None))
        elif s.sensor_type == LINE:
            x = line_share(s.sensor_id)
            if x is not None:
                out.append((s.sensor_id, "line", x))
    return out


class FireDistricts:
    """Which lines and gauges report each district's weather (and the city's, for a district without them)."""

    def __init__(self, pack: CityPack) -> None:
        self._lines = {
            code: [s.id for s in pack.sensors_in_district(code) if s.type == LINE] for code in pack.districts
        }
        self._gauges = {
            code: [s.id for s in pack.sensors_in_district(code) if s.type == GAUGE] for code in pack.districts
        }
        self._city: Weather | None = None

    def new_flush(self) -> None:
        """The city's weather is worked out once a flush, when a district without lines or gauges needs it."""
        self._city = None

    def inputs(
        self,
        code: str,
        signals: Iterable[Signal],
        incidents: tuple[int, int, set[str]],
        readiness_counts: Mapping[str, int],
        values: Values,
    ) -> FireInputs:
        """``signals``: from ``signals`` (the notable sensors not attached to an incident)."""
        confirmed, suspected, _ = incidents
        cameras = detectors = 0
        share: float | None = None
        for _, kind, x in signals:
            if kind == "cameras":
                cameras += 1
            elif kind == "detectors":
                detectors += 1
            elif x is not None:
                share = x if share is None else max(share, x)
        here = self.weather_of(code, values)
        return FireInputs(
            confirmed=confirmed,
            suspected=suspected,
            cameras=cameras,
            detectors=detectors,
            line_share=share,
            not_ready=readiness_counts.get("not_ready", 0),
            degraded=readiness_counts.get("degraded", 0),
            air_c=here.air_c,
            wind_m_s=here.wind_m_s,
            rain_mm_h=here.rain_mm_h,
        )

    def weather_of(self, code: str, values: Values) -> Weather:
        """The district's weather, what it lacks taken from the city's."""
        here = weather(self._lines[code], self._gauges[code], values)
        if here.air_c is None or here.rain_mm_h is None:
            city = self._city_weather(values)
            here = Weather(
                here.air_c if here.air_c is not None else city.air_c,
                here.wind_m_s if here.wind_m_s is not None else city.wind_m_s,
                here.rain_mm_h if here.rain_mm_h is not None else city.rain_mm_h,
            )
        return here

    def _city_weather(self, values: Values) -> Weather:
        if self._city is None:
            lines = [i for ids in self._lines.values() for i in ids]
            gauges = [i for ids in self._gauges.values() for i in ids]
            self._city = weather(lines, gauges, values)
        return self._city
