"""What a map page's refresh sends, and what one browser's map has been sent.

Why apart from the page: the map page's update is rendered once per state version, worker and language and shared
by every open map (``RenderCache``); what goes to one browser depends on what that browser already has, which it
keeps in its ``map-seen`` store.

Why the map is not sent at every change: every patch of the figure makes the browser redraw the whole map (in
Chromium without a GPU, three frames of about 180 ms, during which the side lists wait too), and in a calm city
something in it changes at every reading: the hover texts quote the values, and a district's risk moves between 4
and 6. Neither is anything an operator sees. So the figure's change is judged by what it draws: positions,
colours, sizes, and each shaded area's risk *band* (``level_for``: ok, watch, warning, alarm). When that changes the
whole figure goes at once; when only the exact shades or the hover texts changed, they go at most every
``FINE_EVERY_S``. A colour is never late; a value under the pointer, or a shade within its band, may be ten seconds
old.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consumers.rules import level_for
from dashboard.rendered import digest

FINE_EVERY_S = 10.0
"""At most this often the map's hover texts and exact shades go to a browser when nothing it draws changed band."""
WORD_FIELDS = frozenset({"hovertext", "text"})
"""The figure's attributes that are read on hover only (the fire grid's ``text`` is its hover line)."""
SHADE_FIELD = "z"
"""The shaded areas' values (district risk, fire risk, the fire grid, the silent layer): drawn by band."""


def _banded(operation: dict[str, Any]) -> dict[str, Any]:
    """A shading operation with each value replaced by its band: what the colour says, not the number."""
    values = operation["params"]["value"]
    bands = [None if v is None else level_for(float(v)) for v in values]
    return {**operation, "params": {**operation["params"], "value": bands}}


@dataclass(frozen=True, slots=True)
class Rendered:
    """A view's refresh, rendered once per worker and language: the map patch's operations, the six side panels, and
    three digests: of what the map draws (shades by band), of its fine detail (exact shades and hover texts), and of
    the side panels."""

    patch: dict[str, Any]
    operations: list[Any]
    """Every operation of the map patch (the figure is sent whole or not at all)."""
    fine: list[Any]
    """The shading and hover operations alone."""
    lists: list[Any]
    drawn_digest: str
    fine_digest: str
    lists_digest: str

    @classmethod
    def of(cls, data: list[Any]) -> Rendered:
        """From the JSON-ready outputs: the map patch first, then the six side panels."""
        figure, lists = data[0], data[1:]
        operations = figure["operations"]
        shades = [op for op in operations if op["location"][-1] == SHADE_FIELD]
        words = [op for op in operations if op["location"][-1] in WORD_FIELDS]
        looks = [op for op in operations if op["location"][-1] not in WORD_FIELDS and op["location"][-1] != SHADE_FIELD]
        drawn = digest(looks + [_banded(op) for op in shades])
        head = {k: v for k, v in figure.items() if k != "operations"}
        return cls(head, operations, shades + words, lists, drawn, digest(shades + words), digest(lists))

    def seen(self) -> str:
        """What a browser that has all of it has seen (its ``map-seen`` on loading the page). Its fine detail's
        clock starts at 0, so the page's text is the same at every load and the first fine change goes at once."""
        return Seen(self.drawn_digest, self.fine_digest, self.lists_digest, 0.0).dump()


@dataclass(frozen=True, slots=True)
class Seen:
    """What one browser's map has: the digests of the drawn, the fine and the side panels' parts it was last sent,
    and when the fine detail went (server clock). Kept in the browser as ``drawn|fine|lists|seconds``; anything
    else (nothing yet, or cleared on returning from looking back) has seen nothing."""

    drawn: str | None = None
    fine: str | None = None
    lists: str | None = None
    fine_at: float = 0.0

    @classmethod
    def parse(cls, text: str | None) -> Seen:
        parts = (text or "").split("|")
        if len(parts) != 4:
            return cls()
        try:
            return cls(parts[0] or None, parts[1] or None, parts[2] or None, float(parts[3]))
        except ValueError:
            return cls()

    def dump(self) -> str:
        return f"{self.drawn or ''}|{self.fine or ''}|{self.lists or ''}|{self.fine_at:.0f}"


@dataclass(frozen=True, slots=True)
class Answer:
    """What one refresh sends a browser: the map's operations (None: leave the map alone), whether the side panels
    go, and what the browser has seen afterwards."""

    operations: list[Any] | None
    lists: bool
    seen: Seen


def answer(rendered: Rendered, was: Seen, now: float) -> Answer:
    """The parts of ``rendered`` a browser that has seen ``was`` needs at ``now`` (server clock, seconds): the whole
    figure when what it draws changed; the fine detail alone when only it changed and the last went
    ``FINE_EVERY_S`` ago; the side panels when they changed."""
    drawn = was.drawn != rendered.drawn_digest
    fine = was.fine != rendered.fine_digest and (drawn or now - was.fine_at >= FINE_EVERY_S)
    lists = was.lists != rendered.lists_digest
    operations = rendered.operations if drawn else rendered.fine if fine else None
    seen = Seen(
        rendered.drawn_digest if drawn else was.drawn,
        rendered.fine_digest if drawn or fine else was.fine,
        rendered.lists_digest if lists else was.lists,
        now if drawn or fine else was.fine_at,
    )
    return Answer(operations, lists, seen)
