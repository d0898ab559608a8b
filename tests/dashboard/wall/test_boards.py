"""What each wall view says, from a state as the consumers publish it: worst first, in the page's language."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from consumers.citypack import CityPack
from consumers.flood.picture import PICTURE_KEY
from dashboard.state_view import StateSnapshot
from dashboard.wall import boards


def snapshot(entities: dict[str, dict[str, Any]]) -> StateSnapshot:
    return StateSnapshot(entities=MappingProxyType({k: MappingProxyType(v) for k, v in entities.items()}))


def alarm(alarm_id: str, entity: str, severity: str = "alarm", **more: Any) -> dict[str, Any]:
    return {
        "id": alarm_id,
        "entity": entity,
        "domain": entity.partition(":")[0] if not entity.startswith("sensor:") else "river",
        "severity": severity,
        "state": "active",
        "raised": f"2026-12-07T10:0{alarm_id[-1]}:00+00:00",
        "reason": "stage 4.60 m at or above the flood danger level 4.20 m",
        **more,
    }


def test_districts_by_risk_worst_first_with_no_data_last(pack: CityPack) -> None:
    state = snapshot(
        {
            "district:520102": {"risk": 91.0, "level": "alarm", "worst_reason": "NM-04 over its banks"},
            "district:520103": {"risk": 12.0, "level": "ok"},
        }
    )
    board = boards.district_board(pack, state, "de")
    assert [r.badge for r in board.rows[:2]] == ["91", "12"]
    assert board.rows[0].title == "Nanming" and board.rows[0].detail == "NM-04 over its banks"
    assert board.rows[1].detail == ""  # a quiet district's row is one line
    assert all(r.badge == "–" and r.level == "stale" for r in board.rows[2:])
    assert len(board.rows) == len(pack.districts) and board.title == "Bezirke nach Risiko"


def test_a_waiting_alarm_takes_the_wall_an_acknowledged_one_does_not(pack: CityPack) -> None:
    gauge = pack.sensors["NM-01"]
    state = snapshot(
        {
            "alarm:a1": alarm("a1", "sensor:NM-01"),
            "alarm:a2": alarm("a2", "sensor:NM-02", ack={"by": "mei"}),
            "alarm:a3": alarm("a3", "sensor:NM-03", severity="warning"),
            "alarm:a4": alarm("a4", "sensor:NM-04", group="incident:x"),
        }
    )
    critical = boards.critical(pack, state, "en")
    assert [c.alarm_id for c in critical] == ["a1"]
    assert (critical[0].lon, critical[0].lat) == (gauge.lon, gauge.lat)
    assert "NM-01" in critical[0].text
    assert boards.alarm_counts(state) == {"river": 3, "fire": 0, "grid": 0}  # a grouped one counts with its group


def test_an_alarm_s_own_position_wins_over_its_sensor_s(pack: CityPack) -> None:
    state = snapshot({"alarm:a1": alarm("a1", "incident:fire-1", lon=106.7, lat=26.6)})
    assert boards.place_of(state.entities["alarm:a1"], pack, state) == (106.7, 26.6)


def test_the_flood_view_only_while_a_flood_is_on(pack: CityPack) -> None:
    dry = snapshot({PICTURE_KEY: {"totals": {"city": {"people": 0}}, "closed": {"i": []}, "closing": {"i": []}}})
    wet = snapshot({PICTURE_KEY: {"totals": {"city": {"people": 1234}}, "closed": {"i": [3, 4]}, "closing": {"i": []}}})
    assert not boards.flood_on(snapshot({})) and not boards.flood_on(dry) and boards.flood_on(wet)
    board = boards.flood_board(wet, "en")
    assert board.rows[0].title == "1,234 people to move"
    assert "2" in board.rows[1].title


def test_a_quiet_board_says_so(pack: CityPack) -> None:
    board = boards.alarm_board(pack, snapshot({}), "zh")
    assert board.rows == () and board.empty == "无活动报警"
