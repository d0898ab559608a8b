"""Fire incidents on the dashboard: the sentence in both languages, the order of the list, the cones, and the
callers' words escaped in the map's hover text (plotly reads it as markup)."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

import pytest

from consumers.citypack import CityPack
from dashboard.fire.layers import cone, incident_arrays
from dashboard.fire.words import ordered, sentence
from dashboard.state_view import StateSnapshot


def incident(pack: CityPack, **over: Any) -> dict[str, Any]:
    b = pack.buildings["B-01"]
    doc = {
        "kind": "incident",
        "id": "520103-20260701T080200",
        "district": "520103",
        "state": "confirmed",
        "confirmed_by": "two_sources",
        "lat": b.lat,
        "lon": b.lon,
        "basis": "detectors",
        "opened": "2026-07-01T08:02:00+00:00",
        "event_time": "2026-07-01T08:15:00+00:00",
        "timeline": {
            "first_camera": "2026-07-01T08:02:00+00:00",
            "confirmed": "2026-07-01T08:05:00+00:00",
            "first_call": "2026-07-01T08:13:00+00:00",
        },
        "camera_lead_min": 11.0,
        "sources": [],
        "calls": [{"id": "119-1", "t": "2026-07-01T08:13:00+00:00", "text": "<img src=x onerror=alert(1)> fire"}],
    }
    return {**doc, **over}


def snapshot(*docs: dict[str, Any]) -> StateSnapshot:
    return StateSnapshot(entities=MappingProxyType({f"incident:{d['id']}": MappingProxyType(d) for d in docs}))


def test_the_sentence_says_where_how_sure_and_how_far_ahead_the_cameras_were(pack: CityPack) -> None:
    en = sentence(incident(pack), pack, "en")
    assert en == (
        "CONFIRMED · near Guizhou Provincial People's Hospital · cameras saw it 11 min before the first call · "
        "confirmed 16:05 by two independent signals · 1 call · position from the building's detectors"
    )
    zh = sentence(incident(pack), pack, "zh")
    assert zh.startswith("已确认 · 贵州省人民医院附近 · 摄像头比第一个报警电话早 11 分钟发现")


def test_an_incident_away_from_any_building_is_named_by_its_district_and_one_camera_alone_says_so(
    pack: CityPack,
) -> None:
    alone = incident(
        pack,
        state="suspected",
        lat=26.70,
        lon=106.60,
        basis="one_camera",
        timeline={"first_camera": "2026-07-01T08:02:00+00:00"},
        camera_lead_min=None,
        calls=[],
    )
    assert sentence(alone, pack, "en") == (
        "SUSPECTED · in Yunyan · no call yet: seen by cameras only · not confirmed: one signal so far · "
        "position uncertain: somewhere along one camera's bearing"
    )


def test_the_list_puts_confirmed_before_suspected_before_resolved(pack: CityPack) -> None:
    docs = {
        "a": incident(pack, id="a", state="resolved", opened="2026-07-01T09:00:00+00:00"),
        "b": incident(pack, id="b", state="suspected", opened="2026-07-01T07:00:00+00:00"),
        "c": incident(pack, id="c", state="confirmed", opened="2026-07-01T06:00:00+00:00"),
        "d": incident(pack, id="d", state="suspected", opened="2026-07-01T08:00:00+00:00"),
    }
    assert [i["id"] for i in ordered(docs)] == ["c", "d", "b", "a"]


def test_the_callers_words_are_escaped_in_the_hover_text(pack: CityPack) -> None:
    arrays = incident_arrays(pack, snapshot(incident(pack)), "en")
    assert arrays["id"] == ["incident:520103-20260701T080200"]
    (hover,) = arrays["hover"]
    assert "<img" not in hover and "&lt;img src=x onerror=alert(1)&gt; fire" in hover


def test_a_cone_opens_from_the_camera_across_its_field_of_view_to_its_range(pack: CityPack) -> None:
    spec = pack.sensors["CAM-01"]
    points = cone(spec)
    assert points[0] == points[-1] == (spec.lon, spec.lat)
    kx = math.cos(math.radians(spec.lat)) * 111_320.0
    arc = [((lon - spec.lon) * kx, (lat - spec.lat) * 110_574.0) for lon, lat in points[1:-1]]
    assert all(abs(math.hypot(x, y) - float(spec.params["range_m"])) < 1.0 for x, y in arc)
    bearings = [math.degrees(math.atan2(x, y)) % 360 for x, y in arc]
    heading, fov = float(spec.params["heading_deg"]), float(spec.params["fov_deg"])
    assert (min(bearings), max(bearings)) == pytest.approx((heading - fov / 2, heading + fov / 2))
