"""The gauge panel's drought confidence: its own line with a bar, a number and what the number stands on."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.river.panel import drought_confidence
from tests.dashboard.river.test_words import drought_doc


def text_of(node: Any) -> str:
    """All the text a Dash component tree shows, in order."""
    if node is None:
        return ""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " ".join(text_of(n) for n in node)
    return text_of(getattr(node, "children", None))


def width_of_fill(chip: html.Div) -> str:
    bar = next(c for c in chip.children if getattr(c, "className", "") == "map-detail-confidence-bar")
    return str(bar.children.style["width"])


def test_a_learned_warning_shows_its_confidence_and_that_it_learned_the_river() -> None:
    chip = drought_confidence(drought_doc(400.0, "learned"), "en")
    assert chip is not None
    words = text_of(chip)
    assert "72%" in words and "learned from this river's own past falls (400 days of record)" in words
    assert width_of_fill(chip) == "72%"
    assert "lower" not in chip.className


def test_a_young_gauge_says_its_confidence_is_lower_and_why_in_every_language() -> None:
    chip = drought_confidence(drought_doc(12.0, "fitted"), "en")
    assert chip is not None and "map-detail-confidence-lower" in chip.className
    assert "lower confidence" in text_of(chip) and "12 days of record" in text_of(chip)
    assert "12 天记录" in text_of(drought_confidence(drought_doc(12.0, "fitted"), "zh"))
    assert "12 Tage Messreihe" in text_of(drought_confidence(drought_doc(12.0, "fitted"), "de"))
    old = drought_confidence(drought_doc(800.0, "fitted"), "en")
    assert old is not None and "lower" not in old.className and "no past falls learned" in text_of(old)


def test_only_a_drought_warning_has_a_confidence_line() -> None:
    normal = drought_doc(400.0, "learned")
    normal["river"] = {**normal["river"], "state": "normal"}  # type: ignore[dict-item]
    assert drought_confidence(normal, "en") is None
    assert drought_confidence(None, "en") is None
    unknown = drought_doc(400.0, "learned")
    unknown["river"] = {**unknown["river"], "drought_confidence": None}  # type: ignore[dict-item]
    chip = drought_confidence(unknown, "en")
    assert chip is not None and "–" in text_of(chip) and width_of_fill(chip) == "0%"
