"""The wall rotates through its playlist, and a new critical alarm takes it until acknowledged or held long enough."""

from __future__ import annotations

from dashboard.wall.playlist import Playlist
from dashboard.wall.rotation import FOCUS_ZOOM, Critical, WallState, step

PLAYLIST = Playlist(("city", "river", "flood", "alarms"), period_s=20.0, hold_s=60.0)
ALL = frozenset(PLAYLIST.views)


def run(state: WallState, times: list[float], critical: list[Critical], available: frozenset[str] = ALL) -> list[str]:
    seen = []
    for now in times:
        state = step(state, now, PLAYLIST, critical, available)
        seen.append(state.view)
    return seen


def fire(alarm_id: str = "a1", raised: str = "2026-12-07T10:00:00+00:00") -> Critical:
    return Critical(alarm_id, raised, 106.7, 26.6, "B-01 · smoke")


def test_each_view_stays_its_period_then_the_next_and_round_again() -> None:
    start = WallState("city", 0.0)
    seen = run(start, [5, 19.9, 20, 39, 40, 60, 80], [])
    assert seen == ["city", "city", "river", "river", "flood", "alarms", "city"]


def test_a_view_with_nothing_to_show_is_skipped() -> None:
    start = WallState("city", 0.0)
    quiet = ALL - {"flood"}
    assert run(start, [20, 40, 60], [], quiet) == ["river", "alarms", "city"]


def test_a_new_critical_alarm_takes_the_wall_to_its_place_at_once() -> None:
    state = step(WallState("river", 0.0, index=1), 3.0, PLAYLIST, [fire()], ALL)
    assert state.view == "city"
    assert state.alarm == "a1"
    assert state.focus == (106.7, 26.6, FOCUS_ZOOM)


def test_the_rotation_stays_paused_while_the_alarm_waits_and_resumes_after_the_hold() -> None:
    state = step(WallState("river", 0.0, index=1), 3.0, PLAYLIST, [fire()], ALL)
    for now in (10.0, 30.0, 62.9):
        state = step(state, now, PLAYLIST, [fire()], ALL)
        assert (state.view, state.alarm) == ("city", "a1")
    state = step(state, 63.0, PLAYLIST, [fire()], ALL)
    assert (state.view, state.alarm, state.focus) == ("river", None, None)
    # the same alarm, still waiting, does not take the wall again
    assert run(state, [70, 83, 84], [fire()]) == ["river", "flood", "flood"]


def test_acknowledging_the_alarm_resumes_the_rotation_at_once() -> None:
    state = step(WallState("alarms", 0.0, index=3), 1.0, PLAYLIST, [fire()], ALL)
    state = step(state, 2.0, PLAYLIST, [], ALL)
    assert (state.view, state.alarm) == ("alarms", None)


def test_a_second_alarm_during_the_first_waits_its_turn_then_takes_the_wall() -> None:
    state = step(WallState("city", 0.0), 1.0, PLAYLIST, [fire("a1")], ALL)
    both = [fire("a2", "2026-12-07T10:05:00+00:00"), fire("a1")]
    state = step(state, 5.0, PLAYLIST, both, ALL)
    assert state.alarm == "a1"
    state = step(state, 6.0, PLAYLIST, [both[0]], ALL)  # a1 acknowledged
    assert state.alarm == "a2"


def test_the_announced_list_keeps_only_alarms_still_waiting() -> None:
    state = step(WallState("city", 0.0), 1.0, PLAYLIST, [fire("a1")], ALL)
    state = step(state, 2.0, PLAYLIST, [], ALL)
    assert state.announced == ()


def test_a_state_the_browser_mangled_starts_the_playlist_afresh() -> None:
    assert WallState.from_store({"view": "city"}, PLAYLIST, 7.0) == WallState("city", 7.0)
    assert WallState.from_store(None, PLAYLIST, 7.0) == WallState("city", 7.0)
    state = step(WallState("city", 0.0), 1.0, PLAYLIST, [fire()], ALL)
    assert WallState.from_store(state.to_store(), PLAYLIST, 9.0) == state
