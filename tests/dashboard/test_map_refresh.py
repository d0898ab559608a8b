"""What a map refresh sends one browser: the whole map when what it draws changed, its fine detail (hover texts,
exact shades within their band) at most every ten seconds, the side panels when they changed."""

from __future__ import annotations

from typing import Any

from dashboard.map_refresh import FINE_EVERY_S, Answer, Rendered, Seen, answer


def version(colour: str, risk: float, hover: str, row: str) -> Rendered:
    """A rendered refresh: one site's colour, one district's risk, one hover text and one side panel."""
    patch: dict[str, Any] = {
        "__dash_patch_update": "__dash_patch_update",
        "operations": [
            {"operation": "Assign", "location": ["data", 16, "marker", "color"], "params": {"value": [colour]}},
            {"operation": "Assign", "location": ["data", 2, "z"], "params": {"value": [risk, None]}},
            {"operation": "Assign", "location": ["data", 16, "hovertext"], "params": {"value": [hover]}},
        ],
    }
    return Rendered.of([patch, [row], [], [], [], [], []])


CALM = version("#3d7ea6", 4.2, "stage 1.20 m", "Huaxi 4")


def test_a_browser_with_nothing_gets_everything_and_then_nothing_more() -> None:
    sent = answer(CALM, Seen(), 100.0)
    assert sent.operations == CALM.operations and sent.lists
    assert sent.seen == Seen(CALM.drawn_digest, CALM.fine_digest, CALM.lists_digest, 100.0)
    assert answer(CALM, sent.seen, 101.0) == Answer(None, False, sent.seen)
    assert Seen.parse(CALM.seen()) == Seen(CALM.drawn_digest, CALM.fine_digest, CALM.lists_digest, 0.0)
    assert Seen.parse(None) == Seen() and Seen.parse("garbage") == Seen() and Seen.parse("a|b|c|x") == Seen()


def test_a_new_value_or_a_shade_within_its_band_waits_ten_seconds_and_goes_without_the_rest() -> None:
    has = answer(CALM, Seen(), 100.0).seen
    jitter = version("#3d7ea6", 5.9, "stage 1.21 m", "Huaxi 4")  # risk 4.2 -> 5.9: still ok; a new stage
    assert answer(jitter, has, 105.0) == Answer(None, False, has)
    later = answer(jitter, has, 100.0 + FINE_EVERY_S)
    assert later.operations == jitter.fine and not later.lists  # the colour is not sent again
    assert [op["location"][-1] for op in later.operations] == ["z", "hovertext"]
    assert later.seen == Seen(has.drawn, jitter.fine_digest, has.lists, 100.0 + FINE_EVERY_S)


def test_a_change_that_is_drawn_goes_at_once_whole() -> None:
    has = answer(CALM, Seen(), 100.0).seen
    watch = version("#3d7ea6", 31.0, "stage 1.20 m", "Huaxi 4")  # the district's risk crosses into watch
    alarm = version("#ff3b4e", 4.2, "ALARM stage 4.50 m", "Huaxi 4")  # a site turns red
    for changed in (watch, alarm):
        sent = answer(changed, has, 101.0)
        assert sent.operations == changed.operations and sent.seen.drawn == changed.drawn_digest
        assert sent.seen.fine == changed.fine_digest and sent.seen.fine_at == 101.0


def test_the_side_panels_go_alone_when_only_they_changed() -> None:
    has = answer(CALM, Seen(), 100.0).seen
    row = version("#3d7ea6", 4.2, "stage 1.20 m", "Huaxi 5")
    sent = answer(row, has, 101.0)
    assert sent.operations is None and sent.lists and sent.seen == Seen(has.drawn, has.fine, row.lists_digest, 100.0)
