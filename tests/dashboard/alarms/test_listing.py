"""The alarm list's order, filters, header count and the outcome of an action, as an operator reads them."""

from __future__ import annotations

from dashboard.alarms.listing import matches, ordered, outcome, state_of, waiting


def alarm(n: int, severity: str = "warning", state: str = "active", **more: object) -> dict:
    return {
        "id": f"520111-{n}",
        "district": "520111",
        "domain": "river",
        "severity": severity,
        "state": state,
        "raised": f"2026-07-01T08:{n:02d}:00+00:00",
        "cleared": f"2026-07-01T09:{n:02d}:00+00:00" if state == "cleared" else None,
        **more,
    }


def test_waiting_alarms_come_first_worst_then_newest_and_the_cleared_ones_are_history() -> None:
    acked = alarm(1, "alarm", ack={"by": "li.wei"})
    shelved = alarm(2, "alarm", shelved_until="2026-07-01T10:00:00+00:00")
    old_alarm, new_alarm, new_warning = alarm(3, "alarm"), alarm(5, "alarm"), alarm(6)
    gone_early, gone_late = alarm(7, state="cleared"), alarm(8, state="cleared")
    active, history = ordered([acked, shelved, old_alarm, gone_early, new_warning, new_alarm, gone_late])
    assert [a["id"] for a in active] == ["520111-5", "520111-3", "520111-6", "520111-1", "520111-2"]
    assert [a["id"] for a in history] == ["520111-8", "520111-7"]
    assert [state_of(a) for a in (acked, shelved, new_alarm, gone_late)] == [
        "acknowledged",
        "shelved",
        "unacknowledged",
        "cleared",
    ]
    assert waiting(active + history) == {"alarm": 2, "warning": 1}  # acknowledged and shelved wait for nobody


def test_filters_pass_what_they_name_and_an_empty_filter_passes_everything() -> None:
    fire = alarm(1, domain="fire", district="520102")
    assert matches(fire, [], None, [])
    assert matches(fire, ["fire"], ["520102"], ["unacknowledged"])
    assert not matches(fire, ["river", "grid"], None, None)
    assert not matches(fire, None, ["520111"], None)
    assert not matches(fire, None, None, ["cleared"])


def test_an_action_is_answered_by_the_alarms_trail_and_not_before() -> None:
    a = alarm(1, trail=[{"what": "raised", "by": "system"}])
    assert outcome(a, "x1") is None
    a["trail"].append({"what": "ack", "by": "li.wei", "action_id": "x1"})
    assert outcome(a, "x1") == ("applied", "ack")
    a["trail"].append({"what": "refused", "action": "ack", "detail": "already acknowledged", "action_id": "x2"})
    assert outcome(a, "x2") == ("refused", "already acknowledged")
    assert outcome(None, "x1") is None


def test_a_fires_sources_are_listed_under_its_incident_and_only_the_incident_waits_for_a_person() -> None:
    fire = alarm(1, "alarm", entity="incident:520103-x")
    smoke = alarm(2, "alarm", entity="sensor:B-01-SMK-1", group="incident:520103-x")
    camera = alarm(3, "warning", entity="sensor:CAM-01", group="incident:520103-x")
    flood = alarm(4, "alarm", entity="sensor:NM-01")
    orphan = alarm(5, "warning", entity="sensor:CAM-02", group="incident:520103-gone")
    active, _ = ordered([camera, flood, smoke, fire, orphan])
    entities = [a["entity"] for a in active]
    assert entities == ["sensor:NM-01", "incident:520103-x", "sensor:B-01-SMK-1", "sensor:CAM-01", "sensor:CAM-02"]
    assert waiting(active) == {"alarm": 2, "warning": 0}  # the fire and the flood; the orphan's group is elsewhere
