"""Who acts on alarms from this page: the signed-in person, if their role may act (``dashboard.auth.roles``).

Nobody else: not an anonymous visitor in demo mode (a viewer), not a wall, not an API token. The consumers check
the role again (``consumers.alarms.actions``), so a web tier that got this wrong would still be refused there.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.auth.roles import may_act
from dashboard.auth.web import current_principal


@dataclass(frozen=True, slots=True)
class Operator:
    """A person as the trail names them, and what they may do."""

    user: str
    role: str


def acting_operator() -> Operator | None:
    principal = current_principal()
    if principal is None or principal.kind != "user" or not may_act(principal.role):
        return None
    return Operator(principal.name, principal.role)
