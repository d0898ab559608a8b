"""The conductors a city pack may name, as their standards' tables give them, and how a pack writes one.

Apart from the rating (``consumers.grid.rating``) so that loading a city pack can check every line's conductor
against the catalogue without importing the heat-balance solver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALUMINIUM_ALPHA_PER_K = 0.00403
"""Temperature coefficient of resistance of hard-drawn aluminium (IEC 60889), for R at 25 and 75 °C from R20."""
EMISSIVITY = 0.8
SOLAR_ABSORPTIVITY = 0.8


@dataclass(frozen=True, slots=True)
class ConductorType:
    """One conductor's construction, from its standard's table."""

    name: str
    diameter_m: float
    core_diameter_m: float
    outer_strand_m: float
    r25_ohm_per_m: float
    r75_ohm_per_m: float
    """AC resistance at 25 and 75 °C (DC from the tables where they give no AC figure)."""
    emissivity: float = EMISSIVITY
    solar_absorptivity: float = SOLAR_ABSORPTIVITY

    @classmethod
    def from_r20(cls, name: str, diameter_m: float, core_m: float, strand_m: float, r20: float) -> ConductorType:
        """From a table's DC resistance at 20 °C, with aluminium's temperature coefficient."""
        return cls(
            name,
            diameter_m,
            core_m,
            strand_m,
            r20 * (1 + ALUMINIUM_ALPHA_PER_K * 5),
            r20 * (1 + ALUMINIUM_ALPHA_PER_K * 55),
        )


# Steel-cored aluminium stranded conductors of GB/T 1179-2017 (JL/G1A), as their tables give them: overall and
# steel-core diameters, outer aluminium strand, DC resistance at 20 °C (Ω/m). A real line's datasheet overrides
# these.
CONDUCTORS: dict[str, ConductorType] = {
    c.name: c
    for c in (
        ConductorType.from_r20("ACSR 240/30", 21.60e-3, 7.20e-3, 3.60e-3, 0.1181e-3),
        ConductorType.from_r20("ACSR 300/40", 23.94e-3, 7.98e-3, 3.99e-3, 0.09614e-3),
        ConductorType.from_r20("ACSR 400/35", 26.82e-3, 7.50e-3, 3.22e-3, 0.07389e-3),
    )
}


@dataclass(frozen=True, slots=True)
class LineConductor:
    """What a line segment is strung with: a conductor type, so many to a phase (a bundle)."""

    conductor: ConductorType
    bundle: int


def parse_conductor(text: str) -> LineConductor:
    """A city pack's conductor, as a person writes it: ``4×ACSR 400/35 (Drake-class)``, ``ACSR 240/30``.

    Raises ``ValueError`` naming the text when the type is not in the catalogue (a rating from a guessed
    conductor would mislead)."""
    match = re.fullmatch(r"\s*(?:(\d+)\s*[×x]\s*)?(ACSR\s+\d+/\d+)\b.*", text)
    name = None if match is None else re.sub(r"\s+", " ", match.group(2))
    if match is None or name not in CONDUCTORS:
        raise ValueError(f"conductor {text!r} is not in the catalogue ({', '.join(CONDUCTORS)})")
    return LineConductor(CONDUCTORS[name], int(match.group(1) or 1))
