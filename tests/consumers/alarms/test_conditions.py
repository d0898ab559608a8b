"""What an alarm on a building or an incident says, in the consumers' English, as an operator reads it."""

from __future__ import annotations

from consumers.alarms.conditions import building_condition, incident_condition
from consumers.fire.readiness import DEDUCTIONS


def test_an_equipment_alarm_names_each_fault_in_words_not_its_code() -> None:
    """The wall's ticker said "B-02-SPR below_minimum": the document's code, not a sentence."""
    faults = [{"device": "B-02-SPR", "type": "fire.sprinkler", "fault": "below_minimum"}]
    condition = building_condition({"id": "B-02", "state": "not_ready", "faults": faults}, 26.5, 106.7)
    assert condition is not None
    assert condition.reason == "fire equipment faults: B-02-SPR pressure below minimum"
    assert condition.severity == "alarm"
    for kind, code in DEDUCTIONS:
        faults = [{"device": "D-1", "type": kind, "fault": code}]
        worded = building_condition({"id": "B-1", "state": "degraded", "faults": faults}, 26.5, 106.7)
        assert worded is not None and "_" not in worded.reason, worded


def test_an_incident_counts_one_call_and_several_sources_in_good_english() -> None:
    doc = {"id": "F-1", "state": "confirmed", "sources": ["C-1", "D-2"], "calls": ["x"], "lat": 26.5, "lon": 106.7}
    condition = incident_condition(doc)
    assert condition is not None and condition.reason == "fire confirmed: 2 sources, 1 call"
    alone = incident_condition({**doc, "state": "suspected", "sources": ["C-1"], "calls": []})
    assert alone is not None and alone.reason == "fire suspected: 1 source, 0 calls"
