"""A gauge's reason in words: a drought warning from a young gauge says its record is short, beside its confidence
(the confidence itself is the probability, not scaled down: "1 %" beside a warning would read as no warning)."""

from __future__ import annotations

from consumers.citypack import CityPack
from dashboard.river.words import localized_reason


def drought_doc(history_days: float, basis: str) -> dict[str, object]:
    return {
        "values": {"stage_m": 0.7},
        "river": {
            "state": "drought_warning",
            "drought_eta_hours": 60.0,
            "drought_confidence": 0.72,
            "drought_basis": basis,
            "history_days": history_days,
            "forecast": {"k_per_day": 0.93},
        },
    }


def test_a_young_gauges_drought_warning_says_its_record_is_short(pack: CityPack) -> None:
    spec = pack.sensors["NM-01"]
    young = localized_reason(spec, drought_doc(12.0, "fitted"), "drought_warning", "en")
    assert "confidence 72%" in young and "from 12 days of record only" in young
    assert "仅依据 12 天的记录" in localized_reason(spec, drought_doc(12.0, "fitted"), "drought_warning", "zh")
    learned = localized_reason(spec, drought_doc(400.0, "learned"), "drought_warning", "en")
    assert "confidence 72%" in learned and "days of record" not in learned
