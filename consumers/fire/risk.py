"""A district's fire risk, explained: what pushes it up and by how much, the parts adding up to the score. Pure.

Documented in ``docs/risk.md`` ("District fire risk"). Each part has a cap, so that no one kind of signal can
say everything: fires (incidents) up to 60, smoke and heat not yet an incident up to 15, power lines' thermal
stress up to 15, public buildings not ready up to 15, the weather (hot, dry, windy) up to 25; the score is their
sum, at most 100. More of any signal, or worse weather, never lowers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONFIRMED_POINTS = 40.0
SUSPECTED_POINTS = 15.0
INCIDENTS_CAP = 60.0
CAMERA_POINTS = 5.0
DETECTOR_POINTS = 5.0
SIGNALS_CAP = 15.0
LINE_STRESS_FROM = 0.8
LINE_STRESS_CAP = 15.0
NOT_READY_POINTS = 4.0
DEGRADED_POINTS = 1.0
READINESS_CAP = 15.0
HOT_C = (30.0, 35.0)
WINDY_M_S = (6.0, 10.0)
DRY_BELOW_MM_H = 0.5


@dataclass(frozen=True, slots=True)
class FireInputs:
    """What a district's fire risk is made of, counted by the processor from its published states."""

    confirmed: int = 0
    suspected: int = 0
    cameras: int = 0
    """Cameras that see possible smoke (watch or warning): not an incident yet."""
    detectors: int = 0
    """Smoke or heat detectors rising towards their alarm (watch or warning)."""
    line_share: float | None = None
    """The highest load of a line in the district, as a share of its rating for the weather now."""
    not_ready: int = 0
    degraded: int = 0
    air_c: float | None = None
    wind_m_s: float | None = None
    rain_mm_h: float | None = None
    """The weather in the feeds: the warmest air and strongest wind at the district's lines, the most rain at its
    gauges (the city's, where the district has none)."""


@dataclass(frozen=True, slots=True)
class FireRisk:
    """The score and its parts."""

    score: float
    parts: list[dict[str, float | str]] = field(default_factory=list)
    """``{"code", "points", ...the numbers it is made of}``, largest first; the points add up to ``score``."""


def fire_risk(x: FireInputs) -> FireRisk:
    parts: list[dict[str, float | str]] = []

    def part(code: str, points: float, **numbers: float) -> None:
        if points > 0:
            parts.append({"code": code, "points": round(points, 1), **numbers})

    fires = min(INCIDENTS_CAP, CONFIRMED_POINTS * x.confirmed + SUSPECTED_POINTS * x.suspected)
    part("incidents", fires, confirmed=x.confirmed, suspected=x.suspected)
    part(
        "smoke_signals",
        min(SIGNALS_CAP, CAMERA_POINTS * x.cameras + DETECTOR_POINTS * x.detectors),
        cameras=x.cameras,
        detectors=x.detectors,
    )
    if x.line_share is not None and x.line_share > LINE_STRESS_FROM:
        stress = LINE_STRESS_CAP * min(1.0, (x.line_share - LINE_STRESS_FROM) / (1.0 - LINE_STRESS_FROM))
        part("line_stress", stress, share=round(x.line_share, 3))
    part(
        "buildings_not_ready",
        min(READINESS_CAP, NOT_READY_POINTS * x.not_ready + DEGRADED_POINTS * x.degraded),
        not_ready=x.not_ready,
        degraded=x.degraded,
    )
    if x.air_c is not None:
        part("hot", 10.0 if x.air_c >= HOT_C[1] else 5.0 if x.air_c >= HOT_C[0] else 0.0, air_c=round(x.air_c, 1))
    if x.rain_mm_h is not None and x.rain_mm_h < DRY_BELOW_MM_H:
        part("dry", 5.0, rain_mm_h=round(x.rain_mm_h, 1))
    if x.wind_m_s is not None:
        windy = 10.0 if x.wind_m_s >= WINDY_M_S[1] else 5.0 if x.wind_m_s >= WINDY_M_S[0] else 0.0
        part("windy", windy, wind_m_s=round(x.wind_m_s, 1))
    parts.sort(key=lambda p: (-float(p["points"]), str(p["code"])))
    total = sum(float(p["points"]) for p in parts)
    if total > 100.0:
        parts.append({"code": "capped", "points": round(100.0 - total, 1)})
    return FireRisk(round(min(100.0, total), 1), parts)
