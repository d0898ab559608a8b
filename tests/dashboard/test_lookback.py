"""What a past moment shows (dashboard.lookback): districts' worst scores of that step, and the alarms active then
with the severity they had."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from consumers.citypack import CityPack
from consumers.clock import epoch_iso
from consumers.district_history import STEP_S, RiskHistory
from dashboard.lookback import MAX_STEPS_BACK, alarms_at, districts_at, moment, severity_at
from dashboard.state_view import StateSnapshot

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC).timestamp()


def snapshot_of(entities: dict[str, Any]) -> StateSnapshot:
    return StateSnapshot(entities=entities)


def test_a_moment_is_a_closed_step_and_never_further_back_than_the_history_keeps() -> None:
    now = T0 + 130  # inside the step that starts at T0, still being written
    assert moment(now, 1) == T0 - STEP_S
    assert moment(now, 0) == T0 - STEP_S  # "now" itself is not a past step
    assert moment(now, 10_000) == T0 - MAX_STEPS_BACK * STEP_S


def test_a_district_shows_its_worst_score_of_the_step_and_nothing_where_none_was_kept(pack: CityPack) -> None:
    history = RiskHistory()
    code, other = list(pack.districts)[:2]
    for t, risk in ((T0, 10.0), (T0 + 100, 62.0), (T0 + 200, 30.0), (T0 + STEP_S, 5.0), (T0 + 7 * STEP_S, 1.0)):
        history.observe(code, t, risk, 4.0)
    snapshot = snapshot_of({f"risk_history:{code}": history.doc(code)})
    then = {d.code: d for d in districts_at(pack, snapshot, T0)}
    assert (then[code].risk, then[code].fire) == (62.0, 4.0)  # the worst of the five minutes, not the last
    assert then[other].risk is None  # nothing kept for it
    assert {d.code: d.risk for d in districts_at(pack, snapshot, T0 + STEP_S)}[code] == 5.0
    # Steps 2..6 were never written (no score came in them): the last written stands for three steps, then nothing.
    assert {d.code: d.risk for d in districts_at(pack, snapshot, T0 + 4 * STEP_S)}[code] == 5.0
    assert {d.code: d.risk for d in districts_at(pack, snapshot, T0 + 5 * STEP_S)}[code] is None
    assert {d.code: d.risk for d in districts_at(pack, snapshot, T0 - STEP_S)}[code] is None


def alarm(alarm_id: str, raised: float, cleared: float | None, changes: list[tuple[float, str]]) -> dict[str, Any]:
    trail = [{"at": epoch_iso(raised), "what": "raised", "severity": changes[0][1]}]
    trail += [{"at": epoch_iso(t), "what": "severity", "severity": s} for t, s in changes[1:]]
    trail += [{"at": epoch_iso(raised + 1), "what": "ack", "by": "mei"}]
    return {
        "id": alarm_id,
        "raised": epoch_iso(raised),
        "cleared": None if cleared is None else epoch_iso(cleared),
        "severity": changes[-1][1],
        "trail": sorted(trail, key=lambda e: e["at"]),
    }


def test_an_alarm_is_shown_with_the_severity_it_had_then_and_not_before_it_was_raised_or_after_it_cleared() -> None:
    rising = alarm("A-1", T0, T0 + 3600, [(T0, "warning"), (T0 + 1800, "alarm")])
    assert severity_at(rising, T0 - 1) is None
    assert severity_at(rising, T0 + 60) == "warning"
    assert severity_at(rising, T0 + 1900) == "alarm"
    assert severity_at(rising, T0 + 3600) is None
    later = alarm("B-1", T0 + 600, None, [(T0 + 600, "warning")])
    assert [(s, a["id"]) for s, a in alarms_at([later, rising], T0 + 1800)] == [("alarm", "A-1"), ("warning", "B-1")]
    assert [a["id"] for _, a in alarms_at([later, rising], T0)] == ["A-1"]  # B-1 came ten minutes later
