"""Plausible telemetry for a city pack: pure, deterministic for a seed, in event time.

Each sensor reports on its type's expected interval (``consumers.rules.EXPECTED_INTERVAL_S``) with a
per-sensor phase, so reports are spread out like real devices rather than arriving in lock-step. Values
follow daily cycles plus autocorrelated noise around the pack's normal values; a scenario adds incidents
(smoke on a camera, a heat wave on a power line, a river rising) at fixed offsets from the start, so that a demo
plays the same way every time.
"""

from __future__ import annotations

import heapq
import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from consumers.citypack import CityPack, SensorSpec
from consumers.contract import REPORT_TYPE, Reading
from consumers.grid.conductors import LineConductor
from consumers.grid.rating import span_azimuth
from consumers.grid.sensor_model import line_spec
from consumers.rules import EXPECTED_INTERVAL_S
from simulator.conductor import SpanSky, conductor_temp_c

if TYPE_CHECKING:
    from simulator.scenarios import Scenario

CALL_PREFIX = "call:"
"""Calls wait in the same queue as the sensors' next reports, under this prefix (no sensor id has a colon)."""
PREVAILING_WIND_FROM_DEG = 160.0
"""Guiyang's summer wind comes from the south-south-east; each span's wanders around it."""


@dataclass(frozen=True, slots=True)
class Incident:
    """A scripted deviation: between ``start_s`` and ``start_s + duration_s`` after the scenario start,
    ``sensor_id`` is pushed towards severity ``peak`` (0..1) along a rise-hold-fall profile."""

    sensor_id: str
    start_s: float
    duration_s: float
    peak: float = 1.0
    kind: str = "surge"
    """``surge``: the rise-hold-fall push above; ``drought``: a dry-weather recession of the gauge's level,
    ``level = normal * k_per_day ** days``, until the incident ends (rain) and the level returns; ``sudden``: a
    fire's smoke or heat, or a pipe's loss of pressure, that reaches its peak in ``SUDDEN_ONSET_S``, holds, and
    fades over the last fifth."""
    k_per_day: float = 0.9
    bearing_deg: float | None = None
    """For a camera watching a fire: the compass bearing of the smoke from the camera."""

    def dry_days(self, elapsed_s: float) -> float | None:
        """Days into an active drought, or None."""
        if self.kind != "drought" or not self.start_s <= elapsed_s <= self.start_s + self.duration_s:
            return None
        return (elapsed_s - self.start_s) / 86400.0

    def intensity(self, elapsed_s: float) -> float:
        if self.kind == "sudden":
            since = elapsed_s - self.start_s
            if not 0.0 <= since <= self.duration_s:
                return 0.0
            dying = (self.duration_s - since) / (0.2 * self.duration_s)
            return self.peak * min(1.0, since / SUDDEN_ONSET_S, dying)
        if self.kind != "surge":
            return 0.0
        x = (elapsed_s - self.start_s) / self.duration_s
        if not 0.0 <= x <= 1.0:
            return 0.0
        rise, fall = 0.3, 0.8
        if x < rise:
            return self.peak * x / rise
        if x > fall:
            return self.peak * (1.0 - x) / (1.0 - fall)
        return self.peak


SUDDEN_ONSET_S = 240.0
"""A fire's smoke grows from nothing to its peak in four minutes; a broken main drains a sprinkler as fast."""


@dataclass(frozen=True, slots=True)
class Call:
    """A citizen's call in a scenario: ``at_s`` after its start, from near ``lon, lat``."""

    call_id: str
    at_s: float
    district: str
    lon: float
    lat: float
    text: str


@dataclass(frozen=True, slots=True)
class FireScene:
    """A fire in a building, as each kind of witness sees it: the cameras whose view holds it first (their smoke
    columns carry its bearing), people calling minutes later, the building's detectors last, when the smoke
    from the roof reaches inside. The consumers must find one incident in it, and say the cameras were ahead."""

    building_id: str
    start_s: float
    duration_s: float
    camera_step_s: float = 60.0
    """Each camera further away sees the smoke this much later (a taller column)."""
    call_after_s: tuple[float, ...] = (11 * 60.0, 13 * 60.0)
    smoke_detector_after_s: float = 12 * 60.0
    heat_detector_after_s: float = 14 * 60.0

    def incidents(self, pack: CityPack) -> list[Incident]:
        b = pack.buildings[self.building_id]
        out = []
        for i, camera in enumerate(cameras_seeing(pack, b.lon, b.lat)):
            bearing = _bearing_deg(camera.lon, camera.lat, b.lon, b.lat)
            start = self.start_s + i * self.camera_step_s
            out.append(Incident(camera.id, start, self.duration_s, 0.95, "sudden", bearing_deg=bearing))
        devices = [pack.sensors[d] for d in b.device_ids]
        for kind, after in (
            ("fire.smoke_detector", self.smoke_detector_after_s),
            ("fire.heat_detector", self.heat_detector_after_s),
        ):
            out += [
                Incident(d.id, self.start_s + after, self.duration_s - after, 1.0, "sudden")
                for d in devices
                if d.type == kind
            ]
        return out

    def calls(self, pack: CityPack) -> list[Call]:
        b = pack.buildings[self.building_id]
        said = ("医院东楼楼顶冒黑烟", "东楼那边有很大的烟，好像着火了")
        return [
            Call(
                f"119-{self.building_id}-{i + 1}",
                self.start_s + after,
                b.district,
                b.lon + 0.0003 * (i + 1),
                b.lat - 0.0002,
                said[i % 2],
            )
            for i, after in enumerate(self.call_after_s)
        ]


def cameras_seeing(pack: CityPack, lon: float, lat: float) -> list[SensorSpec]:
    """The cameras whose view (heading ± half the field of view, within range) holds the point, nearest first."""
    seeing = []
    for camera in pack.sensors_of_type("fire.camera"):
        p = camera.params
        off = abs((_bearing_deg(camera.lon, camera.lat, lon, lat) - float(p["heading_deg"]) + 180.0) % 360.0 - 180.0)
        distance = _distance_m(camera.lon, camera.lat, lon, lat)
        if off <= float(p["fov_deg"]) / 2 and distance <= float(p["range_m"]):
            seeing.append((distance, camera.id, camera))
    return [c for _, _, c in sorted(seeing)]


def _bearing_deg(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    dx = (lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2))
    return math.degrees(math.atan2(dx, lat1 - lat0)) % 360.0


def _distance_m(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    dx = (lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2)) * 111_320.0
    return math.hypot(dx, (lat1 - lat0) * 110_574.0)


DEMO_FIRE = FireScene("B-01", 0.5 * 3600.0, 1.5 * 3600.0)
"""The demo's fire: smoke from the roof of the Provincial People's Hospital, seen by the cameras on Qianling Hill
and Dongshan Hill two and three minutes in, called in at eleven minutes, in the detectors at fourteen."""


WAVE_CELERITY_M_S = 2.0
"""How fast the demo flood travels down the Nanming (``consumers.flood.outlook.WAVE_CELERITY_M_S``)."""
HEAT_WAVE_LOAD = 0.8
"""The share of the evening's peak load a line carries at the height of a heat wave, at any hour."""

DEMO_SPRINKLER_LOSS = "B-02-SPR"
"""The demo's loss of sprinkler pressure: Guiyang First People's Hospital, two and a half hours in, for six."""


def scenario_calls(pack: CityPack, name: str) -> list[Call]:
    """The citizens' calls of a scenario: its file's fire scenes' (``simulator.scenarios``), else the built-in."""
    scenario = _scenario_file(pack, name)
    return scenario.calls(pack) if scenario is not None else builtin_calls(pack, name)


def scenario_incidents(pack: CityPack, name: str) -> list[Incident]:
    """The incidents of a scenario: its file in the city pack's ``scenarios/`` folder (``simulator.scenarios``)
    when there is one, else the built-in scenario of that name (``builtin_incidents``)."""
    scenario = _scenario_file(pack, name)
    return scenario.incidents(pack) if scenario is not None else builtin_incidents(pack, name)


def _scenario_file(pack: CityPack, name: str) -> Scenario | None:
    from simulator.scenarios import find_scenario  # imports this module

    return find_scenario(pack.root, name)


def builtin_calls(pack: CityPack, name: str) -> list[Call]:
    return DEMO_FIRE.calls(pack) if name == "demo" else []


def builtin_incidents(pack: CityPack, name: str) -> list[Incident]:
    """Named scenarios, as they were before scenarios were files (the Guiyang pack's files say the same).
    ``calm``: no incidents. ``demo``: a fire (``DEMO_FIRE``, with its calls), a hospital's sprinkler losing its
    pressure, a heat wave that pushes the most loaded line past its rating for the weather,
    and a flood, one after another.
    ``drought``: after a day and a half of normal flow the rain stops on every gauge and the level recedes at
    K = 0.90-0.93 per day, the fast end of real low-flow recessions (DESIGN.md), so that a demo shows it soon:
    at CITYOPS_SIM_SPEED=600 drought warnings come after about eleven minutes and the first gauge falls below
    its drought level about eight minutes later; every gauge is warned at least 72 h of event time ahead."""
    if name == "calm":
        return []
    if name == "drought":
        return [
            Incident(g.id, 36 * 3600.0, 14 * 86400.0, kind="drought", k_per_day=0.90 + 0.01 * (i % 4))
            for i, g in enumerate(pack.sensors_of_type("river.gauge"))
        ]
    if name == "demo":
        line = max(
            pack.sensors_of_type("grid.line"),
            key=lambda s: (float(s.params.get("normal_load_a", 0)) / float(s.params["rated_current_a"]), s.id),
        )
        gauges = pack.sensors_of_type("river.gauge")
        hour = 3600.0
        incidents = [
            *DEMO_FIRE.incidents(pack),
            Incident(DEMO_SPRINKLER_LOSS, 2.5 * hour, 6 * hour, 1.0, "sudden"),
            Incident(line.id, 3 * hour, 3 * hour, 1.0),
        ]
        # The flood comes down the Nanming as a wave: each gauge rises when it reaches it, at the celerity the flood
        # service's outlook assumes (2 m/s: the Huaxi reservoir's outflow reaches Jiaxiu Tower about 3 h later).
        nanming = gauges[:4]
        first_km = float(nanming[0].params["chainage_km"])
        # Each rises to its flood_danger stage + 0.3 m: 1.2-1.5 m over its banks, deep enough to close streets on
        # the rescue teams' routes and send them round.
        arrives = {g.id: (float(g.params["chainage_km"]) - first_km) * 1000 / WAVE_CELERITY_M_S for g in nanming}
        incidents += [Incident(g.id, 5 * hour + arrives[g.id], 6 * hour, 1.0) for g in nanming]
        return incidents
    from simulator.scenarios import scenario_ids

    known = sorted({"calm", "demo", "drought", *scenario_ids(pack.root)})
    raise ValueError(f"unknown scenario {name!r}: use {', '.join(known)}")


def _stable_seed(seed: int, sensor_id: str) -> int:
    return seed * 1_000_003 + zlib.crc32(sensor_id.encode())


class SensorModel:
    """The state of one simulated device: an AR(1) noise term per measured quantity and its random stream."""

    def __init__(self, spec: SensorSpec, seed: int, rate: float = 1.0) -> None:
        self.spec = spec
        self.rng = random.Random(_stable_seed(seed, spec.id))
        self.noise: dict[str, float] = {}
        self.interval_s = EXPECTED_INTERVAL_S[spec.type] / rate
        self.line: tuple[LineConductor, tuple[float, float], float, float] | None = None
        """For a line segment: its conductor, midpoint, direction (degrees from north) and altitude."""
        if spec.type == "grid.line":
            line = line_spec(spec)  # the span as the consumers rate it
            self.line = (
                line.conductor,
                (spec.lon, spec.lat),
                math.degrees(span_azimuth(line.span)),
                line.span.altitude_m,
            )

    def _ar(self, quantity: str, sigma: float, phi: float = 0.9) -> float:
        """Autocorrelated noise, independent per quantity (stationary spread sigma / sqrt(1 - phi^2))."""
        value = phi * self.noise.get(quantity, 0.0) + self.rng.gauss(0.0, sigma)
        self.noise[quantity] = value
        return value

    def values(
        self,
        when: datetime,
        incident: float,
        drought: tuple[float, float] | None = None,
        smoke_bearing_deg: float | None = None,
    ) -> dict[str, float | str]:
        """Measurement fields for one report at ``when`` with incident intensity 0..1, for a gauge in a drought
        its ``(days of drought, recession constant per day)``, for a camera watching a fire the smoke's bearing."""
        p = self.spec.params
        hour = when.hour + when.minute / 60.0
        daily = math.sin((hour - 9.0) / 24.0 * 2 * math.pi)  # warmest mid-afternoon
        kind = self.spec.type
        if kind == "river.gauge":
            normal = p.get("normal", {})
            stage0 = float(normal.get("stage_m", 1.0))
            th = p["thresholds"]
            target = stage0 + incident * (float(th["flood_danger"]) + 0.3 - stage0)
            if drought is not None:
                days, k = drought
                target = stage0 * k**days + 0.01 * daily
            # About 1 cm of noise (AR(1), sd 0.4 cm per step / sqrt(1 - 0.81)): a stage gauge's own precision.
            stage = max(0.0, target + self._ar("stage", 0.004))
            q0 = float(normal.get("discharge_m3s", 20.0))
            discharge = q0 * (max(stage, 0.05) / stage0) ** 1.6
            # Rain with floods; otherwise an occasional trace, rarely above the 0.5 mm/h that means "wet".
            rain = max(0.0, incident * 25.0 + self.rng.gauss(0, 0.15) - 0.3) if drought is None else 0.0
            return {"stage_m": round(stage, 3), "discharge_m3s": round(discharge, 2), "rain_mm_h": round(rain, 1)}
        if kind == "fire.camera":
            c = min(1.0, 0.04 + abs(self._ar("smoke", 0.01)) + incident * 0.9)
            if smoke_bearing_deg is None or c < 0.5:
                return {"smoke_confidence": round(c, 3)}
            # The analytics place the smoke's column to a few tenths of a degree.
            bearing = (smoke_bearing_deg + self.rng.gauss(0.0, 0.3)) % 360.0
            return {"smoke_confidence": round(c, 3), "smoke_bearing_deg": round(bearing, 1)}
        if kind == "fire.smoke_detector":
            o = 0.05 + abs(self._ar("obscuration", 0.01)) + incident * 5.0
            return {"obscuration_pct_per_m": round(min(100.0, o), 3)}
        if kind == "fire.heat_detector":
            t = 22.0 + 2.0 * daily + self._ar("temperature", 0.1) + incident * 50.0
            return {"temperature_c": round(t, 2)}
        if kind in ("fire.sprinkler", "fire.hydrant"):
            base = float(p.get("normal_mpa", 0.35 if kind == "fire.hydrant" else 0.25))
            pressure = base + 0.02 * daily + self._ar("pressure", 0.003) - incident * base
            return {"pressure_mpa": round(max(0.0, pressure), 4)}
        if kind == "fire.extinguisher":
            return {"status": "low_pressure" if self.rng.random() < 0.002 or incident > 0.5 else "ok"}
        if kind == "fire.alarm_panel":
            return {"status": "alarm" if incident > 0.5 else ("fault" if self.rng.random() < 0.001 else "normal")}
        if kind == "fire.fire_door":
            return {"status": "open" if self.rng.random() < 0.002 or incident > 0.5 else "closed"}
        if kind == "grid.line":
            return self._line(when, hour, daily, incident)
        raise ValueError(f"no model for {kind}")

    def _line(self, when: datetime, hour: float, daily: float, heat_wave: float) -> dict[str, float | str]:
        """A span's load, weather and conductor temperature. The temperature is the heat balance's for that load
        and weather (``simulator.conductor``) plus a sensor's noise, so that the consumers' check of the sensor
        against their own heat balance passes unless a scenario breaks the sensor.

        ``heat_wave`` (0..1): the air up to 14 °C warmer, the wind down to a quarter, and air conditioning putting
        up to 45 % more load on the line; the load then passes the line's rating for that weather, which is well
        below its nameplate."""
        p = self.spec.params
        assert self.line is not None
        # The heat wave is a hot afternoon with its air conditioning whatever the hour it is played at: a demo
        # started in the evening must still take the line past its rating (the cool night's rating is high, its
        # load low), and one started in the morning must not take it past its nameplate.
        daily = daily + (1.0 - daily) * heat_wave
        ambient = 16.0 + 6.0 * daily + self._ar("ambient", 0.1) + 14.0 * heat_wave
        evening_peak = 0.5 + 0.5 * math.exp(-(((hour - 19.5) / 3.0) ** 2))
        evening_peak += (HEAT_WAVE_LOAD - evening_peak) * heat_wave
        normal_load = float(p.get("normal_load_a", 0.5 * float(p["rated_current_a"])))
        current = normal_load * (0.8 + 0.4 * evening_peak) * (1 + 0.45 * heat_wave)
        current = max(0.0, current * (1 + self._ar("load", 0.005)))
        wind = 2.2 * math.exp(self._ar("wind", 0.12)) * (1 - 0.75 * heat_wave)
        wind_from = (PREVAILING_WIND_FROM_DEG + math.degrees(self._ar("wind_direction", 0.15))) % 360.0
        line, (lon, lat), azimuth, altitude = self.line
        sky = SpanSky(ambient, wind, wind_from, azimuth, lat, lon, altitude, when)
        conductor = conductor_temp_c(line, current, sky) + self._ar("conductor_sensor", 0.1)
        return {
            "conductor_temp_c": round(conductor, 2),
            "current_a": round(current, 1),
            "ambient_temp_c": round(ambient, 2),
            "wind_m_s": round(wind, 2),
            "wind_from_deg": round(wind_from, 1),
        }


class CitySimulator:
    """Emits readings for every sensor of a pack in event-time order, starting at ``start``.

    ``rate`` multiplies how often each sensor reports relative to its expected interval (2: twice as
    often). Below 1/3 every sensor would turn stale between reports, so the settings refuse it.
    """

    def __init__(self, pack: CityPack, seed: int, start: datetime, scenario: str = "calm", rate: float = 1.0) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.pack = pack
        self.start = start
        self.tz = ZoneInfo(pack.timezone)
        self.incidents: dict[str, list[Incident]] = {}
        for incident in scenario_incidents(pack, scenario):
            self.incidents.setdefault(incident.sensor_id, []).append(incident)
        self.models = {sid: SensorModel(spec, seed, rate) for sid, spec in sorted(pack.sensors.items())}
        self._queue: list[tuple[datetime, str]] = []
        for sid, model in self.models.items():
            phase = model.rng.uniform(0.0, model.interval_s)
            heapq.heappush(self._queue, (start + timedelta(seconds=phase), sid))
        self.calls = {CALL_PREFIX + c.call_id: c for c in scenario_calls(pack, scenario)}
        for key, c in self.calls.items():
            heapq.heappush(self._queue, (start + timedelta(seconds=c.at_s), key))

    def until(self, end: datetime) -> Iterator[Reading]:
        """Every reading with event time before ``end`` not yet emitted, oldest first."""
        while self._queue and self._queue[0][0] < end:
            when, sid = heapq.heappop(self._queue)
            call = self.calls.get(sid)
            if call is not None:
                values: dict[str, float | str] = {
                    "lat": round(call.lat, 6),
                    "lon": round(call.lon, 6),
                    "text": call.text,
                }
                yield Reading(REPORT_TYPE, call.call_id, call.district, when.astimezone(self.tz), values)
                continue
            model = self.models[sid]
            elapsed = (when - self.start).total_seconds()
            incidents = self.incidents.get(sid, ())
            intensity = max((i.intensity(elapsed) for i in incidents), default=0.0)
            dry = next(((d, i.k_per_day) for i in incidents if (d := i.dry_days(elapsed)) is not None), None)
            bearing = next(
                (i.bearing_deg for i in incidents if i.bearing_deg is not None and i.intensity(elapsed)), None
            )
            spec = model.spec
            local = when.astimezone(self.tz)  # daily cycles follow local time; records carry the +08:00 offset
            yield Reading(spec.type, spec.id, spec.district, local, model.values(local, intensity, dry, bearing))
            heapq.heappush(self._queue, (when + timedelta(seconds=model.interval_s), sid))

    def next_time(self) -> datetime | None:
        return self._queue[0][0] if self._queue else None
