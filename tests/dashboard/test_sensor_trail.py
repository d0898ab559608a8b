"""The web worker's last hour of a sensor that publishes no history (dashboard.sensor_trail)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.sensor_trail import KEEP_S, MAX_POINTS, SensorTrails

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def doc(at: datetime, values: dict[str, object], kind: str = "fire.hydrant") -> dict[str, object]:
    return {"type": kind, "event_time": at.isoformat(), "values": values}


def test_readings_are_kept_in_order_once_each_and_for_an_hour() -> None:
    trails = SensorTrails()
    for minutes, pressure in ((0, 0.3), (1, 0.28), (1, 0.28), (2, 0.1)):  # the second 1-minute record is a re-publish
        trails.observe("H-1", doc(T0 + timedelta(minutes=minutes), {"pressure_mpa": pressure}))
    times, values = trails.series("H-1")["pressure_mpa"]
    assert values == [0.3, 0.28, 0.1]
    assert times[0] == T0.timestamp()
    trails.observe("H-1", doc(T0 + timedelta(seconds=KEEP_S + 90), {"pressure_mpa": 0.31}))
    times, values = trails.series("H-1")["pressure_mpa"]
    assert values == [0.1, 0.31]  # older than an hour before the newest: gone


def test_only_numbers_are_charted_and_a_missing_field_is_a_gap() -> None:
    trails = SensorTrails()
    trails.observe("C-1", doc(T0, {"smoke": 0.2, "heat_c": 31, "state": "ok", "fault": True}, "fire.camera"))
    trails.observe("C-1", doc(T0 + timedelta(minutes=1), {"smoke": 0.4}, "fire.camera"))
    series = trails.series("C-1")
    assert sorted(series) == ["heat_c", "smoke"]
    assert series["heat_c"][1] == [31.0, None] and series["smoke"][1] == [0.2, 0.4]


def test_sensors_with_their_own_history_are_not_kept_twice_and_memory_is_bounded() -> None:
    trails = SensorTrails()
    trails.observe("NM-01", doc(T0, {"stage_m": 1.0}, "river.gauge"))
    assert trails.series("NM-01") == {}
    for i in range(MAX_POINTS * 3):
        trails.observe("D-1", doc(T0 + timedelta(seconds=30 * i), {"smoke": float(i)}, "fire.smoke_detector"))
    times, _ = trails.series("D-1")["smoke"]
    assert len(times) <= MAX_POINTS and times[-1] - times[0] <= KEEP_S
