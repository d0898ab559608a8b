"""A number stays on the line of its unit or noun; everything else may still break."""

from __future__ import annotations

from dashboard.typography import NO_BREAK_SPACE as NB
from dashboard.typography import unbroken_quantities


def test_a_number_keeps_its_unit_and_its_noun_on_its_line() -> None:
    assert unbroken_quantities("Pegel 4,6 m, Warnung bei 2,6 m") == f"Pegel 4,6{NB}m, Warnung bei 2,6{NB}m"
    assert unbroken_quantities("73.5 °C (alarm at 57 °C)") == f"73.5{NB}°C (alarm at 57{NB}°C)"
    assert unbroken_quantities("2 sources, 1 call") == f"2{NB}sources, 1{NB}call"


def test_words_without_numbers_and_numbers_side_by_side_may_still_break() -> None:
    assert unbroken_quantities("smoke seen by cameras only") == "smoke seen by cameras only"
    assert unbroken_quantities("between 1 2 and 3") == f"between 1 2{NB}and 3"
    assert unbroken_quantities("") == ""
