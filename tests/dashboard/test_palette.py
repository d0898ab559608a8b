"""The status colours hold for a dark room and for deuteranopes: alarm stands out more than OK, never less."""

from __future__ import annotations

import itertools

from dashboard.palette import BACKGROUND, LEVEL_COLORS, RISK_COLORSCALE, contrast_ratio, deuteranopia, rgb


def distance(a: str, b: str) -> float:
    return sum((x - y) ** 2 for x, y in zip(rgb(a), rgb(b), strict=True)) ** 0.5


def test_contrast_ratio_is_wcag_s() -> None:
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48


def test_alarm_meets_aa_for_text_and_outshines_ok_in_both_visions() -> None:
    alarm, ok = LEVEL_COLORS["alarm"], LEVEL_COLORS["ok"]
    assert contrast_ratio(alarm, BACKGROUND) >= 4.5
    assert contrast_ratio(alarm, BACKGROUND) > contrast_ratio(ok, BACKGROUND)
    assert contrast_ratio(deuteranopia(alarm), BACKGROUND) > contrast_ratio(deuteranopia(ok), BACKGROUND)


def test_every_level_above_ok_meets_aa_for_graphics_on_the_background() -> None:
    for level in ("ok", "watch", "warning", "alarm"):
        assert contrast_ratio(LEVEL_COLORS[level], BACKGROUND) >= 3.0, level


def test_the_risk_scale_s_top_outshines_its_bottom_where_the_old_one_was_dimmer() -> None:
    bottom, top = str(RISK_COLORSCALE[0][1]), str(RISK_COLORSCALE[-1][1])
    assert contrast_ratio(top, BACKGROUND) > contrast_ratio(bottom, BACKGROUND)
    assert contrast_ratio("#a50026", BACKGROUND) < contrast_ratio("#1a9850", BACKGROUND)  # the old scale's ends


def test_the_levels_stay_apart_for_a_deuteranope() -> None:
    levels = ("ok", "watch", "warning", "alarm")
    for a, b in itertools.combinations(levels, 2):
        seen_a, seen_b = deuteranopia(LEVEL_COLORS[a]), deuteranopia(LEVEL_COLORS[b])
        assert distance(seen_a, seen_b) > 0.2, (a, b, seen_a, seen_b)


def test_the_simulation_leaves_grey_grey_and_merges_red_with_green() -> None:
    assert distance(deuteranopia("#808080"), "#808080") < 0.02
    assert distance(deuteranopia("#cc3333"), deuteranopia("#7a7a2a")) < distance("#cc3333", "#7a7a2a")
