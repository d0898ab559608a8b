"""What every request may read: settings, the city pack and the state view, held by the Flask app.

Kept on ``app.config`` (one per process, set by the app factory) instead of module globals, so that a
callback reaches it through ``flask.current_app`` and tests can build several apps side by side.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import flask

from consumers.citypack import CityPack
from consumers.settings import Settings
from dashboard.alarms.sink import ActionSink
from dashboard.auth.store import AccountStore
from dashboard.figures import SiteMemo
from dashboard.fire.hexes import HexLayer
from dashboard.flood.reader import FloodNetwork
from dashboard.state_view import StateView
from dashboard.wall.playlist import Playlist
from simulator.show import ShowDirector

CONFIG_KEY = "CITYOPS_CONTEXT"


class RenderCache:
    """What one view of the state renders to, made once per worker and shared by every viewer of that view.

    A pure function of its key (a snapshot's stamp and the page language, say), so sharing it shares no user's
    state: 50 open maps used to build the same update 50 times a second. Holds the last ``size`` keys; two
    threads that miss at once both build, and one result is kept. Values must be treated as read-only."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()  # outside the lock: a slow render must not hold up other keys
        with self._lock:
            value = self._items.setdefault(key, value)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


@dataclass(frozen=True, slots=True)
class AppContext:
    """Read-only dependencies of the web layer, and the cache of what the current state renders to."""

    settings: Settings
    pack: CityPack
    view: StateView
    hexes: HexLayer
    """The fire-risk grid's cells and outlines, worked out once from the pack."""
    actions: ActionSink
    """Where operators' actions on alarms are written (``city.actions``)."""
    accounts: AccountStore
    """Users, sessions, wall and API tokens (``dashboard.auth``)."""
    flood: FloodNetwork | None = None
    """The road network for flood response (``dashboard.flood.reader``); None for a pack without one."""
    wall_playlists: Mapping[str, Playlist] = field(default_factory=dict)
    show: ShowDirector | None = None
    """The exhibition's scenario director (``/demo``), on the embedded default only."""
    """The configuration's named wall playlists (``CITYOPS_WALL_PLAYLISTS``), checked at start."""
    renders: RenderCache = field(default_factory=RenderCache)
    site_memo: SiteMemo = field(default_factory=SiteMemo)
    """Each map site's status as last formatted, reused while its documents are the same (``SiteMemo``)."""


def current() -> AppContext:
    ctx = flask.current_app.config[CONFIG_KEY]
    assert isinstance(ctx, AppContext)
    return ctx
