"""Readiness and fire risk in words: a building's badge and faults with their age, a district's counts, and the
parts of a district's fire risk in both languages."""

from __future__ import annotations

from datetime import datetime

from consumers.citypack import CityPack
from dashboard.fire.readiness import badge, building_sentence, district_line
from dashboard.fire.risk_words import explanation

NOW = datetime.fromisoformat("2026-07-01T10:30:00+00:00").timestamp()
NOT_READY = {
    "kind": "building",
    "id": "B-02",
    "state": "not_ready",
    "readiness": 40.0,
    "faults": [
        {
            "device": "B-02-SPR",
            "type": "fire.sprinkler",
            "fault": "below_minimum",
            "since": "2026-07-01T08:00:00+00:00",
            "points": 60.0,
        }
    ],
    "silent": [],
}


def test_a_building_says_how_ready_it_is_what_is_wrong_and_for_how_long(pack: CityPack) -> None:
    b = pack.buildings["B-02"]
    assert badge(NOT_READY, "en") == "NOT READY 40"
    assert building_sentence(b, NOT_READY, "en", pack.timezone, NOW) == (
        "NOT READY 40 · sprinkler pressure below minimum since 16:00 (2.5 h)"
    )
    assert (
        building_sentence(b, NOT_READY, "zh", pack.timezone, NOW, head=False)
        == "喷淋压力低于最低值 自 16:00（2.5 小时）"
    )
    assert building_sentence(b, None, "en", pack.timezone, NOW) == "UNKNOWN"


def test_a_district_counts_its_buildings_by_readiness() -> None:
    doc = {"readiness": {"counts": {"ready": 60, "degraded": 3, "not_ready": 2, "unknown": 6}, "score": 96.1}}
    assert district_line(doc, "en") == "buildings: 60 ready · 3 degraded · 2 not ready · 6 unknown"
    assert district_line({}, "en") is None


def test_a_districts_fire_risk_is_explained_part_by_part_in_both_languages() -> None:
    doc = {
        "fire_risk": {
            "score": 64.0,
            "parts": [
                {"code": "incidents", "points": 40.0, "confirmed": 1, "suspected": 0},
                {"code": "hot", "points": 10.0, "air_c": 36.2},
                {"code": "line_stress", "points": 9.0, "share": 0.92},
                {"code": "dry", "points": 5.0, "rain_mm_h": 0.0},
            ],
        }
    }
    assert explanation(doc, "en") == [
        "Fire risk 64",
        "fires: 1 confirmed, 0 suspected +40",
        "hot, 36 °C +10",
        "power line at 92 % of its rating +9",
        "dry, no rain +5",
    ]
    assert explanation(doc, "zh")[:2] == ["火灾风险 64", "火情：1 起已确认，0 起疑似 +40"]
    assert explanation({"fire_risk": {"score": 0.0, "parts": []}}, "en") == [
        "Fire risk 0",
        "no fire signal, mild weather",
    ]
    assert explanation({"fire_risk": None}, "en") == []
