"""What each role may do. One place, so that the pages, the API and the command line cannot disagree.

- ``viewer``: sees every page and the API; acts on nothing. Walls (by their token) and anonymous visitors in
  demo mode are viewers.
- ``operator``: also acknowledges, shelves and comments on alarms (``city.actions``).
- ``admin``: also manages users and wall and API tokens (``/admin``).
"""

from __future__ import annotations

ROLES = ("viewer", "operator", "admin")
TOKEN_ROLES = ("viewer",)
"""API tokens read; nothing in the API writes, so a token never needs more."""


def may_act(role: str | None) -> bool:
    return role in ("operator", "admin")


def may_administer(role: str | None) -> bool:
    return role == "admin"
