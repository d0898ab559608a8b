"""Who acts on alarms from this page.

Until sign-in is built (issue 10), the only person who can act is the demo operator, and only in demo mode
(``Settings.demo``: the embedded default, or ``CITYOPS_DEMO_MODE=1``). Outside demo mode every page is read only:
nobody on the network can write to ``city.actions`` through the web tier.
"""

from __future__ import annotations

from dataclasses import dataclass

from consumers.settings import Settings

DEMO_USER = "demo operator"


@dataclass(frozen=True, slots=True)
class Operator:
    """A person as the trail names them, and what they may do."""

    user: str
    role: str


def acting_operator(settings: Settings) -> Operator | None:
    return Operator(DEMO_USER, "operator") if settings.demo else None
