"""A conductor's steady-state temperature for the simulator: the IEEE 738-2012 heat balance, written out for one
span at a time.

Why not ``linerate``, which the consumers rate lines with: the simulator needs one temperature per reading, and
linerate's vectorised solver costs some 12 ms for a single line (it pays off only over many lines at once); this
scalar version costs about a tenth of a millisecond. It follows the standard's equations (convection with its
wind-direction factor, natural convection, radiation, clear-sky sun at the span's altitude) so that the readings it
makes agree with what the consumers' heat balance expects, and a line is not flagged as a faulty sensor for the
simulator's arithmetic: ``tests/simulator/test_conductor.py`` holds the two within a couple of degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from consumers.grid.conductors import LineConductor

# IEEE 738-2012 Table 4: total heat flux of the sun through a clear atmosphere at sea level, a polynomial in
# the sun's altitude (degrees).
CLEAR_SKY = (-42.2391, 63.8044, -1.9220, 3.46921e-2, -3.61118e-4, 1.94318e-6, -4.07608e-9)


@dataclass(frozen=True, slots=True)
class SpanSky:
    """The weather at a span, and where and when it is."""

    air_temp_c: float
    wind_m_s: float
    wind_from_deg: float
    span_azimuth_deg: float
    lat: float
    lon: float
    altitude_m: float
    when: datetime


def conductor_temp_c(line: LineConductor, current_a: float, sky: SpanSky) -> float:
    """The temperature at which heat in (resistance, sun) equals heat out (convection, radiation); ``current_a``
    is the whole bundle's."""
    per_conductor = current_a / line.bundle
    c = line.conductor
    gain_sun = c.solar_absorptivity * _solar_flux(sky) * c.diameter_m
    low, high = sky.air_temp_c, sky.air_temp_c + 400.0
    for _ in range(40):
        mid = (low + high) / 2
        resistance = c.r25_ohm_per_m + (c.r75_ohm_per_m - c.r25_ohm_per_m) * (mid - 25.0) / 50.0
        net = (
            per_conductor**2 * resistance
            + gain_sun
            - _convection(c.diameter_m, mid, sky)
            - _radiation(c.diameter_m, c.emissivity, mid, sky.air_temp_c)
        )
        if net > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _convection(diameter_m: float, temp_c: float, sky: SpanSky) -> float:
    """Forced convection (the larger of the standard's two) or natural convection, whichever cools more (W/m)."""
    rise = temp_c - sky.air_temp_c
    if rise <= 0:
        return 0.0
    film = (temp_c + sky.air_temp_c) / 2
    h = sky.altitude_m
    density = (1.293 - 1.525e-4 * h + 6.379e-9 * h * h) / (1 + 0.00367 * film)
    viscosity = 1.458e-6 * (film + 273.0) ** 1.5 / (film + 383.4)
    conductivity = 2.424e-2 + 7.477e-5 * film - 4.407e-9 * film * film
    reynolds = diameter_m * density * sky.wind_m_s / viscosity
    phi = math.radians(_angle_to_axis(sky.wind_from_deg, sky.span_azimuth_deg))
    k_angle = 1.194 - math.cos(phi) + 0.194 * math.cos(2 * phi) + 0.368 * math.sin(2 * phi)
    forced = k_angle * conductivity * rise * max(1.01 + 1.35 * reynolds**0.52, 0.754 * reynolds**0.6)
    natural = 3.645 * density**0.5 * diameter_m**0.75 * rise**1.25
    return max(forced, natural)


def _radiation(diameter_m: float, emissivity: float, temp_c: float, air_c: float) -> float:
    return 17.8 * diameter_m * emissivity * (((temp_c + 273.0) / 100) ** 4 - ((air_c + 273.0) / 100) ** 4)


def _angle_to_axis(wind_from_deg: float, span_azimuth_deg: float) -> float:
    """The angle between the wind and the conductor's axis, 0-90°."""
    a = abs(wind_from_deg - span_azimuth_deg) % 180.0
    return 180.0 - a if a > 90.0 else a


def _solar_flux(sky: SpanSky) -> float:
    """Heat flux of the sun on the conductor per metre of diameter (W/m²): clear sky, the sun's altitude and its
    angle to the span's axis, corrected for the span's height above the sea."""
    utc = sky.when.astimezone(UTC)
    day = utc.timetuple().tm_yday
    solar_hour = utc.hour + utc.minute / 60 + utc.second / 3600 + sky.lon / 15.0
    omega = math.radians((solar_hour - 12.0) * 15.0)
    delta = math.radians(23.46 * math.sin(math.radians((284 + day) / 365 * 360)))
    lat = math.radians(sky.lat)
    sin_alt = math.cos(lat) * math.cos(delta) * math.cos(omega) + math.sin(lat) * math.sin(delta)
    if sin_alt <= 0:
        return 0.0
    altitude = math.degrees(math.asin(sin_alt))
    flux = sum(k * altitude**i for i, k in enumerate(CLEAR_SKY))
    flux *= 1 + 1.148e-4 * sky.altitude_m - 1.108e-8 * sky.altitude_m**2
    south_based = math.atan2(math.sin(omega), math.cos(omega) * math.sin(lat) - math.tan(delta) * math.cos(lat))
    sun_azimuth = (math.degrees(south_based) + 180.0) % 360.0
    cos_theta = math.cos(math.radians(altitude)) * math.cos(math.radians(sun_azimuth - sky.span_azimuth_deg))
    return max(0.0, flux) * math.sin(math.acos(max(-1.0, min(1.0, cos_theta))))
