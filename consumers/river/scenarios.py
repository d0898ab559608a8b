"""Simulated drought scenarios: deterministic series with known droughts, to measure the warnings' skill.

Why simulated: the skill targets (72-hour POD, FAR) must be measured on series whose droughts we know, at the
cadences gauges really report (daily, hourly, 15-minute), with the things that make forecasting hard: slow and
fast recessions, sensor noise, a daily evaporation cycle, rain that interrupts a dry spell and delays the drought,
and a false start (a dry spell that rain ends before the crossing). Real gauge records can be replayed with the
same command (``python -m consumers.river evaluate``).

The river is two linear reservoirs fed by rain: a slow one (baseflow, recession constant ``K`` per day, the one
that sets the drought) and a quick one (storm runoff, K = 0.5 per day), so a recession starts steep after a storm
and flattens as in real hydrographs. Discharge is their sum times a daily cycle (lowest mid-afternoon); stage, for
stage scenarios, is ``base + c * Q ** 0.5`` (a rating curve), so its recession tends to the base, not to zero.
Observations add AR(1) noise (relative for discharge, in metres for stage), optional spikes and a frozen spell,
and are rounded like a gauge would report them. Spikes are upward (debris, a wave): the skill is scored on the
observed series, and by the onset definition a dropout below the threshold would itself be a drought onset.

Wet phases have storms of 10-30 mm every 1.5-3.5 days; the slow reservoir holds at most 1.25 times the normal
flow (a saturated store sends further rain off as quickflow). Dry spells have no rain except the listed
interruptions. ``stress_fast_after_rain`` is a stress case (``target=False``): a fast river whose droughts begin
four to six days after the last rain, reported to show the method's limit, not held to the skill targets.
Everything is drawn from ``numpy.random.default_rng(seed)``, so ``generate`` writes the
same files every time. ``python -m consumers.river scenarios --out DIR`` regenerates the files kept in
``tests/data/river/``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "river"
START = datetime(2024, 1, 1, tzinfo=UTC)
HOUR_S = 3600.0
DAY_S = 86400.0
QUICK_K = 0.5
SLOW_MM = 40.0
"""Rain depth (mm) that fills the slow reservoir from empty to the normal flow."""
QUICK_MM = 20.0
"""Rain depth (mm) that adds the normal flow to the quick reservoir."""
SLOW_CAPACITY = 1.25
"""The slow reservoir holds at most this multiple of the normal flow; rain beyond it runs off quickly."""


@dataclass(frozen=True, slots=True)
class Interruption:
    """A rain during a dry spell: ``day`` after the spell began, ``depth_mm`` over ``hours``."""

    day: float
    depth_mm: float
    hours: float = 4.0


@dataclass(frozen=True, slots=True)
class Spell:
    """A wet phase of ``wet_days`` (storms) followed by ``dry_days`` without rain except interruptions."""

    wet_days: float
    dry_days: float
    interruptions: tuple[Interruption, ...] = ()


@dataclass(frozen=True, slots=True)
class Scenario:
    """One simulated gauge series and the threshold to evaluate it with."""

    name: str
    description: str
    measure: str
    cadence_s: float
    k_per_day: float
    normal_q: float
    threshold: float
    spells: tuple[Spell, ...]
    seed: int
    noise: float
    noise_phi_hourly: float = 0.8
    diurnal: float = 0.0
    rating: tuple[float, float] = (0.0, 1.0)
    spikes: int = 0
    frozen_hours: float = 0.0
    decimals: int = 3
    storm_mm: tuple[float, float] = (10.0, 30.0)
    target: bool = True
    """Held to the skill targets; a stress scenario (False) documents a limit and is reported, not targeted."""

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def value_column(self) -> str:
        return "stage_m" if self.measure == "stage" else "discharge_m3s"

    @property
    def days(self) -> float:
        return sum(s.wet_days + s.dry_days for s in self.spells)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="daily_k099_discharge",
        description="Daily discharge, very slow recession (K 0.99/day), 1.5 % noise, a false start, "
        "interruptions that delay two droughts.",
        measure="discharge",
        cadence_s=DAY_S,
        k_per_day=0.99,
        normal_q=20.0,
        threshold=15.0,
        seed=11,
        noise=0.015,
        spells=(
            Spell(30, 62),
            Spell(25, 35),  # false start: rain returns before the crossing
            Spell(30, 85, (Interruption(30, 10),)),
            Spell(35, 65),
            Spell(30, 80, (Interruption(20, 8),)),
            Spell(30, 62),
        ),
    ),
    Scenario(
        name="daily_k095_stage",
        description="Daily stage (rating 0.3 + 0.25 Q^0.5 m), recession K 0.95/day on discharge, 1 cm noise, "
        "interruptions, a false start.",
        measure="stage",
        cadence_s=DAY_S,
        k_per_day=0.95,
        normal_q=16.0,
        threshold=0.9,
        seed=12,
        noise=0.01,
        rating=(0.3, 0.25),
        spells=(
            Spell(20, 32),
            Spell(20, 38, (Interruption(14, 10),)),
            Spell(15, 14),  # false start
            Spell(25, 35),
            Spell(20, 40, (Interruption(10, 8),)),
            Spell(20, 32),
            Spell(15, 30),
        ),
    ),
    Scenario(
        name="hourly_k097_diurnal",
        description="Hourly discharge, K 0.97/day, 5 % daily evaporation cycle, 2 % noise, an interruption, "
        "a false start.",
        measure="discharge",
        cadence_s=HOUR_S,
        k_per_day=0.97,
        normal_q=12.0,
        threshold=6.5,
        seed=13,
        noise=0.02,
        diurnal=0.05,
        spells=(
            Spell(12, 32),
            Spell(10, 16),  # false start
            Spell(12, 40, (Interruption(12, 10),)),
            Spell(12, 32),
        ),
    ),
    Scenario(
        name="min15_k090_stage",
        description="15-minute stage (rating 0.2 + 0.3 Q^0.5 m), fast recession K 0.90/day, 1 cm noise, "
        "upward sensor spikes and a frozen spell, an interruption.",
        measure="stage",
        cadence_s=900.0,
        k_per_day=0.90,
        normal_q=9.0,
        threshold=0.75,
        seed=14,
        noise=0.01,
        rating=(0.2, 0.3),
        spikes=12,
        frozen_hours=9.0,
        spells=(
            Spell(7, 14),
            Spell(7, 16, (Interruption(4, 8),)),
            Spell(7, 14),
        ),
    ),
    Scenario(
        name="hourly_k093_interrupted",
        description="Hourly discharge, K 0.93/day, 3 % noise, 3 % daily cycle, repeated rain interruptions, "
        "a false start.",
        measure="discharge",
        cadence_s=HOUR_S,
        k_per_day=0.93,
        normal_q=8.0,
        threshold=3.4,
        seed=15,
        noise=0.03,
        diurnal=0.03,
        spells=(
            Spell(10, 20),
            Spell(10, 22, (Interruption(6, 8), Interruption(12, 6))),
            Spell(10, 9),  # false start
            Spell(12, 20),
            Spell(10, 24, (Interruption(9, 10),)),
        ),
    ),
    Scenario(
        name="stress_fast_after_rain",
        description="Stress case, not held to the targets: hourly stage, fast recession K 0.90/day and a "
        "threshold at 60 % of the normal flow, so droughts begin 4-6 days after the last rain; the first two "
        "days after rain are storm runoff that a recession fit must skip, which leaves too little time to warn "
        "72 hours ahead.",
        measure="stage",
        cadence_s=HOUR_S,
        k_per_day=0.90,
        normal_q=9.0,
        threshold=0.9,
        seed=16,
        noise=0.01,
        rating=(0.2, 0.3),
        target=False,
        spells=(
            Spell(8, 9),
            Spell(8, 9),
            Spell(8, 9),
            Spell(8, 9),
            Spell(8, 9),
        ),
    ),
)


def scenario(name: str) -> Scenario:
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise KeyError(name)


# -- simulation -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Rain:
    start_s: float
    hours: float
    depth_mm: float


def _storms(sc: Scenario, rng: np.random.Generator) -> Iterator[tuple[_Rain, bool]]:
    """Rain events in time order, flagged True for wet-phase storms (their depth is drawn when they start)."""
    t = 0.0
    for spell in sc.spells:
        wet_end = t + spell.wet_days * DAY_S
        s = t + rng.uniform(0.0, 1.0) * DAY_S
        while s < wet_end - DAY_S:
            yield _Rain(s, float(rng.uniform(3.0, 12.0)), 0.0), True
            s += float(rng.uniform(1.5, 3.5)) * DAY_S
        for it in spell.interruptions:
            yield _Rain(wet_end + it.day * DAY_S, it.hours, it.depth_mm), False
        t = wet_end + spell.dry_days * DAY_S


def simulate(sc: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times (epoch s), observed values and rain (mm/h) of a scenario at its cadence."""
    rng = np.random.default_rng(sc.seed)
    step = min(sc.cadence_s, HOUR_S)
    n = int(sc.days * DAY_S / step)
    rain = np.zeros(n)
    storms = list(_storms(sc, rng))
    k_slow, k_quick = sc.k_per_day ** (step / DAY_S), QUICK_K ** (step / DAY_S)
    q_slow, q_quick = 1.1 * sc.normal_q, 0.0
    flow = np.zeros(n)
    storm_i = 0
    pending: list[tuple[int, int, float]] = []
    for i in range(n):
        t = i * step
        while storm_i < len(storms) and storms[storm_i][0].start_s <= t:
            event, wet = storms[storm_i]
            depth = float(rng.uniform(*sc.storm_mm)) if wet else event.depth_mm
            steps = max(1, round(event.hours * HOUR_S / step))
            pending.append((i, i + steps, depth / steps))
            storm_i += 1
        mm = sum(d for a, b, d in pending if a <= i < b)
        pending = [p for p in pending if p[1] > i]
        rain[i] = mm / (step / HOUR_S)
        to_slow = min(mm * sc.normal_q / SLOW_MM, max(0.0, SLOW_CAPACITY * sc.normal_q - q_slow))
        q_slow = q_slow * k_slow + to_slow
        q_quick = q_quick * k_quick + mm * sc.normal_q / QUICK_MM
        flow[i] = q_slow + q_quick
    times = START.timestamp() + step * np.arange(n)
    hours = np.mod(times, DAY_S) / HOUR_S
    flow = flow * (1.0 - sc.diurnal * np.sin(2 * math.pi * (hours - 9.0) / 24.0))
    truth = _measure(sc, flow)
    observed = _observe(sc, truth, step, rng)
    every = max(1, round(sc.cadence_s / step))
    rain_mean = np.convolve(rain, np.ones(every) / every)[: len(rain)]
    return times[::every], observed[::every], rain_mean[::every]


def _measure(sc: Scenario, flow: np.ndarray) -> np.ndarray:
    if sc.measure == "discharge":
        return flow
    base, coeff = sc.rating
    return base + coeff * np.sqrt(np.maximum(flow, 0.0))


def _observe(sc: Scenario, truth: np.ndarray, step: float, rng: np.random.Generator) -> np.ndarray:
    phi = sc.noise_phi_hourly ** (step / HOUR_S)
    eps = np.zeros(len(truth))
    e = 0.0
    innovations = rng.normal(0.0, sc.noise * math.sqrt(1.0 - phi * phi), len(truth))
    for i, z in enumerate(innovations):
        e = phi * e + z
        eps[i] = e
    obs = truth * (1.0 + eps) if sc.measure == "discharge" else truth + eps
    for i in rng.choice(len(obs), size=sc.spikes, replace=False) if sc.spikes else []:
        obs[i] = obs[i] * float(rng.uniform(1.3, 2.0))
    if sc.frozen_hours:
        start = int(len(obs) * 0.3)
        obs[start : start + int(sc.frozen_hours * HOUR_S / step)] = round(float(obs[start]), sc.decimals)
    return np.round(obs, sc.decimals)


# -- files ------------------------------------------------------------------------------------------------


def to_csv(sc: Scenario, path: Path) -> None:
    """Write ``time,<value column>,rain_mm_h`` with ISO-8601 UTC times."""
    times, values, rain = simulate(sc)
    lines = [f"time,{sc.value_column},rain_mm_h"]
    for t, v, r in zip(times, values, rain, strict=True):
        stamp = datetime.fromtimestamp(float(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rain_text = f"{r:.1f}" if r >= 0.05 else "0"
        lines.append(f"{stamp},{v:.{sc.decimals}f},{rain_text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate(out_dir: Path = DATA_DIR) -> list[Path]:
    """Write every scenario's CSV into ``out_dir``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for sc in SCENARIOS:
        path = out_dir / sc.file_name
        to_csv(sc, path)
        paths.append(path)
    return paths


def command(sc: Scenario, path: Path, timeline: Path) -> list[str]:
    """The evaluation command line for a scenario file."""
    return [
        "evaluate",
        "--csv",
        str(path),
        "--time-column",
        "time",
        "--value-column",
        sc.value_column,
        "--low-threshold",
        repr(sc.threshold),
        "--rain-column",
        "rain_mm_h",
        "--timeline-out",
        str(timeline),
    ]
