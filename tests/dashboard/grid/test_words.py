"""A line's sentence is composed from the consumers' numbers in the page's language."""

from __future__ import annotations

from typing import Any

from consumers.rules import assess
from dashboard.grid.words import line_reason


def doc(**grid: Any) -> dict[str, Any]:
    base = {
        "current_a": 560.0,
        "share": 1.1523,
        "rating_a": 486.0,
        "air_temp_c": 38.0,
        "wind_m_s": 0.2,
        "conductor_temp_c": 66.0,
        "max_temp_c": 70.0,
        "expected_temp_c": 66.4,
        "temp_fault": False,
        "hours_to_limit": None,
    }
    return {"reason": "the consumers' English", "grid": {**base, **grid}}


def test_a_line_over_its_rating_reads_in_english_and_in_chinese() -> None:
    assert line_reason(doc(), "en") == (
        "560 A = 115 % of its 486 A rating in this weather (38 °C, wind 0.2 m/s) · conductor 66 °C of 70 °C"
    )
    zh = line_reason(doc(), "zh")
    assert "486 A" in zh and "115%" in zh and "载流量" in zh and "rating" not in zh


def test_a_hot_conductor_a_faulty_sensor_and_a_near_limit_are_each_said() -> None:
    assert "at or above its 70 °C limit" in line_reason(doc(conductor_temp_c=74.0), "en")
    faulty = line_reason(doc(conductor_temp_c=120.0, temp_fault=True), "en")
    assert "reads 120 °C where the heat balance expects 66 °C" in faulty and "limit" not in faulty
    assert "rating reached in 40 min" in line_reason(doc(share=0.9, hours_to_limit=0.67), "en")
    assert "rating reached" not in line_reason(doc(share=0.9, hours_to_limit=30.0), "en")  # "not soon" is no news


def test_before_its_first_rating_a_line_shows_what_the_consumers_said_in_the_page_language() -> None:
    english = assess(
        "grid.line", {"max_temp_c": 70, "rated_current_a": 500}, {"conductor_temp_c": 40.0, "current_a": 300}
    )
    assert (
        line_reason({"reason": english.reason}, "en")
        == english.reason
        == "conductor 40.0 °C of 70 °C, 300 A of 500 A rated"
    )
    assert line_reason({"reason": english.reason}, "zh") == "导线 40.0 °C（上限 70 °C），电流 300 A（额定 500 A）"
    assert line_reason({"reason": english.reason}, "de") == "Leiter 40,0 °C von 70 °C, 300 A von 500 A Nennstrom"
    assert line_reason({"reason": "something no rule writes"}, "de") == "something no rule writes"


def test_a_line_reads_in_german_with_decimal_commas() -> None:
    de = line_reason(doc(share=0.9, hours_to_limit=1.5), "de")
    assert de.startswith("560 A = 90 % der Belastbarkeit von 486 A bei diesem Wetter (38 °C, Wind 0,2 m/s)")
    assert "Belastbarkeit bei diesem Trend in 1,5 h erreicht" in de
