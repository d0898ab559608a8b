"""Which views a wall shows, for how long each, and how long a new alarm holds it: from the URL or a name.

A wall is set up by its URL alone (``/wall?views=city,alarms&period=30``) or by a playlist named in the
configuration (``/wall?playlist=river-room``, ``CITYOPS_WALL_PLAYLISTS``), so a screen is set up without touching
code. Unknown views and out-of-range numbers are refused with a sentence the wall shows, not ignored: a wall that
silently shows something else than asked is found out only when it matters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

VIEWS = ("city", "districts", "river", "fire_grid", "flood", "alarms")
"""``city``: the map, fitted to the screen. ``districts``: every district by risk. ``river``: the gauges, worst
first. ``fire_grid``: fire incidents, fire equipment faults and power lines against their rating. ``flood``: flood
response, shown only while a flood is on. ``alarms``: the alarm board."""

PERIOD_RANGE_S = (5.0, 3600.0)
HOLD_RANGE_S = (10.0, 24 * 3600.0)


class PlaylistError(ValueError):
    """A playlist the wall cannot play; the message names what is wrong, for the screen and the log."""


@dataclass(frozen=True, slots=True)
class Playlist:
    """The views a wall rotates through; refused at construction when it cannot be played."""

    views: tuple[str, ...] = VIEWS
    period_s: float = 20.0
    """How long each view stays."""
    hold_s: float = 120.0
    """How long a new critical alarm holds the wall on its place, unless acknowledged sooner."""
    sound: bool = False
    """A short tone when a new critical alarm takes the wall (browsers play it only after a first interaction or
    with autoplay allowed, which kiosk browsers are set up with)."""

    def __post_init__(self) -> None:
        if not self.views:
            raise PlaylistError("a playlist needs at least one view")
        unknown = [v for v in self.views if v not in VIEWS]
        if unknown:
            raise PlaylistError(f"unknown view {unknown[0]!r}: use {', '.join(VIEWS)}")
        for name, value, (low, high) in (
            ("period", self.period_s, PERIOD_RANGE_S),
            ("hold", self.hold_s, HOLD_RANGE_S),
        ):
            if not low <= value <= high:
                raise PlaylistError(f"{name}={value:g} s is outside {low:g}-{high:g} s")


DEFAULT = Playlist()


def _number(raw: object, name: str) -> float:
    try:
        return float(str(raw))
    except ValueError:
        raise PlaylistError(f"{name}={raw!r} is not a number of seconds") from None


def _flag(raw: object) -> bool:
    return str(raw).lower() in ("1", "yes", "true", "on")


def from_mapping(doc: Mapping[str, object], base: Playlist = DEFAULT) -> Playlist:
    """A playlist from named fields (the configuration's JSON or a URL's parameters); what is absent is ``base``'s."""
    views = doc.get("views")
    if isinstance(views, str):
        views = [v.strip() for v in views.split(",") if v.strip()]
    return Playlist(
        views=tuple(str(v) for v in views) if isinstance(views, list | tuple) else base.views,
        period_s=_number(doc["period"], "period") if doc.get("period") is not None else base.period_s,
        hold_s=_number(doc["hold"], "hold") if doc.get("hold") is not None else base.hold_s,
        sound=_flag(doc["sound"]) if doc.get("sound") is not None else base.sound,
    )


def parse_named(text: str | None) -> dict[str, Playlist]:
    """``CITYOPS_WALL_PLAYLISTS``: a JSON object of name -> {views, period, hold, sound}."""
    if not text:
        return {}
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlaylistError(f"CITYOPS_WALL_PLAYLISTS is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not all(isinstance(v, dict) for v in doc.values()):
        raise PlaylistError('CITYOPS_WALL_PLAYLISTS must map names to objects: {"name": {"views": [...]}}')
    out = {}
    for name, fields in doc.items():
        try:
            out[str(name)] = from_mapping(fields)
        except PlaylistError as exc:
            raise PlaylistError(f"CITYOPS_WALL_PLAYLISTS {name!r}: {exc}") from None
    return out


def for_request(args: Mapping[str, str], named: Mapping[str, Playlist]) -> Playlist:
    """The playlist a wall's URL asks for: a named one, then any of its fields overridden by the URL's."""
    base = DEFAULT
    name = args.get("playlist")
    if name:
        if name not in named:
            known = ", ".join(sorted(named)) or "none configured"
            raise PlaylistError(f"no playlist named {name!r} (configured: {known})")
        base = named[name]
    return from_mapping({k: args[k] for k in ("views", "period", "hold", "sound") if args.get(k)}, base)
