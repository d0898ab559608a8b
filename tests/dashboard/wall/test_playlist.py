"""A wall is set up by its URL or a named playlist; what it cannot play is refused with a reason."""

from __future__ import annotations

import pytest

from dashboard.wall.playlist import DEFAULT, VIEWS, Playlist, PlaylistError, for_request, parse_named


def test_the_url_sets_views_period_hold_and_sound() -> None:
    chosen = for_request({"views": "alarms, city", "period": "30", "hold": "60", "sound": "1"}, {})
    assert chosen == Playlist(("alarms", "city"), 30.0, 60.0, True)


def test_no_parameters_play_every_view() -> None:
    assert for_request({}, {}) == DEFAULT
    assert DEFAULT.views == VIEWS


def test_a_named_playlist_from_the_configuration_and_the_url_overrides_one_field() -> None:
    named = parse_named('{"river-room": {"views": ["river", "flood"], "period": 45}}')
    assert for_request({"playlist": "river-room"}, named) == Playlist(("river", "flood"), 45.0)
    assert for_request({"playlist": "river-room", "period": "10"}, named).period_s == 10.0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"views": "city,weather"}, "unknown view 'weather'"),
        ({"period": "1"}, "period=1 s is outside"),
        ({"hold": "soon"}, "hold='soon' is not a number"),
        ({"playlist": "lobby"}, "no playlist named 'lobby'"),
        ({"views": ","}, "at least one view"),
    ],
)
def test_what_a_wall_cannot_play_is_refused_with_the_reason(args: dict[str, str], words: str) -> None:
    with pytest.raises(PlaylistError, match=words):
        for_request(args, {})


def test_a_bad_configuration_names_the_playlist() -> None:
    with pytest.raises(PlaylistError, match="'lobby': unknown view 'x'"):
        parse_named('{"lobby": {"views": ["x"]}}')
    with pytest.raises(PlaylistError, match="not JSON"):
        parse_named("{lobby")
