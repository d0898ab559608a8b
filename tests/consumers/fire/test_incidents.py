"""Fire incidents: the confirmation rule, joining signals, where the fire is, the timeline, and the changelog."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.clock import epoch_iso
from consumers.fire.geometry import LocalFrame
from consumers.fire.incidents import (
    CAMERA_CONFIRM_HOLD_S,
    FORGET_AFTER_S,
    RESOLVE_AFTER_S,
    Camera,
    DistrictIncidents,
)

FRAME = LocalFrame(106.71, 26.58)
T0 = 1_780_000_000.0
FIRE = (0.0, 0.0)
"""The fire, at the frame's origin; cameras stand around it."""
NORTH = Camera("CAM-N", (-1500.0, 4000.0), 160.0, 6000.0, 0.6)
EAST = Camera("CAM-E", (3000.0, 500.0), 260.0, 6000.0, 0.6)


def bearing(camera: Camera, xy: tuple[float, float] = FIRE) -> float:
    return math.degrees(math.atan2(xy[0] - camera.xy[0], xy[1] - camera.xy[1])) % 360.0


def tracker() -> DistrictIncidents:
    return DistrictIncidents("520103", FRAME)


def frames(book: DistrictIncidents, camera: Camera, start: float, confidences: list[float], step: float = 60.0) -> None:
    for i, c in enumerate(confidences):
        book.camera_frame(camera, start + i * step, c, bearing(camera))


def only(book: DistrictIncidents) -> dict:
    assert len(book.incidents) == 1, list(book.incidents)
    return book.view(next(iter(book.incidents.values())))


def test_one_frame_at_0_61_is_a_flicker_and_raises_nothing() -> None:
    book = tracker()
    frames(book, NORTH, T0, [0.05, 0.61, 0.05, 0.04])
    assert book.incidents == {}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_a_camera_that_never_holds_two_frames_never_opens_an_incident(confidences: list[float]) -> None:
    flickers = [c if i % 2 == 0 else min(c, 0.59) for i, c in enumerate(confidences)]
    book = tracker()
    frames(book, NORTH, T0, flickers)
    assert book.incidents == {}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.6, 0.849), min_size=2, max_size=60))
def test_one_camera_below_the_confirming_confidence_never_confirms_however_long(confidences: list[float]) -> None:
    book = tracker()
    frames(book, NORTH, T0, confidences)
    assert only(book)["state"] == "suspected"


def test_two_frames_open_a_suspected_incident_dated_from_the_first() -> None:
    book = tracker()
    frames(book, NORTH, T0, [0.05, 0.7, 0.72])
    incident = only(book)
    assert incident["state"] == "suspected"
    assert incident["basis"] == "one_camera"
    assert incident["timeline"] == {"first_camera": epoch_iso(T0 + 60)}  # the first of the two frames
    assert incident["sources"][0]["id"] == "CAM-N"


def test_one_camera_held_above_0_85_confirms_after_the_hold() -> None:
    book = tracker()
    held = int(CAMERA_CONFIRM_HOLD_S // 60)
    frames(book, NORTH, T0, [0.9] * (held + 1))
    assert only(book)["state"] == "confirmed"
    assert only(book)["confirmed_by"] == "camera_held"
    book = tracker()
    frames(book, NORTH, T0, [0.9] * held)
    assert only(book)["state"] == "suspected"


def test_two_cameras_confirm_and_their_bearings_cross_at_the_fire() -> None:
    book = tracker()
    frames(book, NORTH, T0, [0.7, 0.7])
    frames(book, EAST, T0 + 300, [0.7, 0.7])
    incident = only(book)
    assert (incident["state"], incident["confirmed_by"], incident["basis"]) == (
        "confirmed",
        "two_sources",
        "cameras_crossing",
    )
    x, y = FRAME.xy(incident["lon"], incident["lat"])
    assert math.hypot(x - FIRE[0], y - FIRE[1]) < 5.0


def test_a_detector_in_the_building_joins_confirms_and_places_the_fire_at_the_building() -> None:
    book = tracker()
    frames(book, NORTH, T0, [0.7, 0.7])
    building = (150.0, -80.0)
    book.detector("B-01-SMK-1", "smoke", T0 + 600, building)
    incident = only(book)
    assert incident["state"] == "confirmed"
    assert incident["basis"] == "detectors"
    assert FRAME.xy(incident["lon"], incident["lat"]) == pytest.approx(building, abs=0.1)
    assert set(incident["timeline"]) == {"first_camera", "confirmed", "first_detector"}


def test_a_call_nearby_joins_and_the_view_says_how_many_minutes_the_camera_was_ahead() -> None:
    book = tracker()
    frames(book, NORTH, T0, [0.7, 0.8, 0.8])
    lon, lat = FRAME.lonlat((200.0, 100.0))
    assert book.call("119-1", T0 + 11 * 60, lon, lat, "smoke from the roof")
    incident = only(book)
    assert incident["camera_lead_min"] == 11.0
    assert incident["state"] == "confirmed"
    assert incident["calls"] == [
        {
            "id": "119-1",
            "t": epoch_iso(T0 + 660),
            "text": "smoke from the roof",
            "lon": round(lon, 6),
            "lat": round(lat, 6),
        }
    ]


def test_a_call_far_away_is_another_incident_and_the_same_call_twice_is_one_call() -> None:
    book = tracker()
    frames(book, NORTH, T0, [0.7, 0.7])
    lon, lat = FRAME.lonlat((-9000.0, -9000.0))
    assert book.call("119-7", T0 + 300, lon, lat, "")
    assert not book.call("119-7", T0 + 300, lon, lat, "")
    assert len(book.incidents) == 2
    far = next(i for i in book.incidents.values() if "119-7" in i.signals)
    assert (far.state, far.basis, len(far.calls)) == ("suspected", "calls", 1)


def test_an_incident_resolves_after_its_silence_then_is_forgotten_and_a_new_signal_opens_a_new_one() -> None:
    book = tracker()
    frames(book, NORTH, T0, [0.7, 0.7])
    last = T0 + 60
    book.tick(last + RESOLVE_AFTER_S - 1)
    assert only(book)["state"] == "suspected"
    book.tick(last + RESOLVE_AFTER_S)
    resolved = only(book)
    assert resolved["state"] == "resolved"
    assert resolved["timeline"]["resolved"] == epoch_iso(last + RESOLVE_AFTER_S)
    book.take_changes()
    book.tick(last + RESOLVE_AFTER_S + FORGET_AFTER_S)
    assert book.incidents == {}
    assert book.take_changes() == ([], [resolved["id"]])
    frames(book, NORTH, last + 8 * 3600, [0.05, 0.7, 0.7])
    assert only(book)["id"] != resolved["id"]


def test_a_restored_tracker_shows_the_same_incidents_and_goes_on_as_the_original() -> None:
    original, other = tracker(), tracker()
    frames(original, NORTH, T0, [0.7, 0.7, 0.9])
    frames(other, NORTH, T0, [0.7, 0.7, 0.9])
    original.mark("city.fire", 2, 41)
    restored = DistrictIncidents.restore("520103", FRAME, other.snapshot())
    restored.mark("city.fire", 2, 41)
    assert [restored.view(i) for i in restored.incidents.values()] == [
        original.view(i) for i in original.incidents.values()
    ]
    for book in (original, restored):
        frames(book, NORTH, T0 + 180, [0.95, 0.95, 0.95])
        frames(book, EAST, T0 + 400, [0.7, 0.7])
    assert [restored.view(i) for i in restored.incidents.values()] == [
        original.view(i) for i in original.incidents.values()
    ]
    assert restored.seen("city.fire", 2, 41) and not restored.seen("city.fire", 2, 42)
