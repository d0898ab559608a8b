"""What a wall shows now: the next view of its playlist, or the place of a new critical alarm. Pure.

The wall keeps its state in the browser (a ``dcc.Store``), so that a wall reloading, or a second wall on the same
server, keeps its own place; each pull hands it here with the server's list of critical alarms and gets the next
state back. A critical alarm is one at alarm severity that waits for a person: active, not acknowledged, not
shelved, not grouped under another. A new one takes the wall at once: the rotation stops on the city map, zoomed
to its place, until somebody acknowledges it or ``hold_s`` passes; then the rotation resumes where it stopped.
An alarm takes the wall once: one that is still waiting after its hold does not take it again and again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from dashboard.wall.playlist import Playlist

FOCUS_ZOOM = 12.5
"""How close the map goes to a place in alarm: its neighbourhood, a few kilometres across, with the streets and
the river around it."""


@dataclass(frozen=True, slots=True)
class Critical:
    """An alarm that waits for a person, with where it is (None when the alarm has no place on the map)."""

    alarm_id: str
    raised: str
    lon: float | None
    lat: float | None
    text: str


@dataclass(frozen=True, slots=True)
class WallState:
    """Where one wall is: its view, since when, and the alarm holding it."""

    view: str
    view_since_s: float
    index: int = 0
    alarm: str | None = None
    """The alarm holding the wall, if any."""
    alarm_since_s: float = 0.0
    focus: tuple[float, float, float] | None = None
    """(lon, lat, zoom) while an alarm holds the wall on its place."""
    announced: tuple[str, ...] = field(default_factory=tuple)
    """Alarms that have taken the wall already (only those still waiting are kept: the list stays small)."""

    def to_store(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_store(doc: Mapping[str, Any] | None, playlist: Playlist, now_s: float) -> WallState:
        """The state a browser sent back; a missing or malformed one starts the playlist afresh."""
        try:
            assert doc is not None
            focus = doc.get("focus")
            state = WallState(
                view=str(doc["view"]),
                view_since_s=float(doc["view_since_s"]),
                index=int(doc.get("index", 0)),
                alarm=str(doc["alarm"]) if doc.get("alarm") else None,
                alarm_since_s=float(doc.get("alarm_since_s", 0.0)),
                focus=(float(focus[0]), float(focus[1]), float(focus[2])) if focus else None,
                announced=tuple(str(a) for a in doc.get("announced") or ()),
            )
        except (AssertionError, KeyError, TypeError, ValueError, IndexError):
            return WallState(view=playlist.views[0], view_since_s=now_s)
        if state.view not in playlist.views and state.alarm is None:
            return WallState(view=playlist.views[0], view_since_s=now_s, announced=state.announced)
        return state


def step(
    state: WallState,
    now_s: float,
    playlist: Playlist,
    critical: Sequence[Critical],
    available: frozenset[str] | set[str],
) -> WallState:
    """The state after ``now_s``: ``critical`` newest first; ``available`` the views that have something to show
    (flood response only while a flood is on); a playlist whose every view is unavailable stays on its first."""
    waiting = {c.alarm_id for c in critical}
    announced = tuple(a for a in state.announced if a in waiting)
    if state.alarm is not None:
        if state.alarm in waiting and now_s - state.alarm_since_s < playlist.hold_s:
            return _replace(state, announced=announced)
        state = WallState(view=state.view, view_since_s=now_s, index=state.index, announced=announced)
    else:
        state = _replace(state, announced=announced)
    new = next((c for c in critical if c.alarm_id not in state.announced), None)
    if new is not None:
        focus = (new.lon, new.lat, FOCUS_ZOOM) if new.lon is not None and new.lat is not None else None
        return WallState(
            view="city",
            view_since_s=state.view_since_s,
            index=state.index,
            alarm=new.alarm_id,
            alarm_since_s=now_s,
            focus=focus,
            announced=(*state.announced, new.alarm_id),
        )
    shown = [i for i, v in enumerate(playlist.views) if v in available] or [0]
    index = state.index if state.index in shown else shown[0]
    if state.view != playlist.views[index]:
        return _replace(state, view=playlist.views[index], index=index, view_since_s=now_s)
    if now_s - state.view_since_s < playlist.period_s:
        return state
    later = [i for i in shown if i > index]
    index = later[0] if later else shown[0]
    return _replace(state, view=playlist.views[index], index=index, view_since_s=now_s)


def _replace(state: WallState, **changes: Any) -> WallState:
    doc = asdict(state)
    doc.update(changes)
    return WallState(**doc)
