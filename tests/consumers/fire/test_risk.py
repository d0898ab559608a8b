"""District fire risk: its parts add up to the score, and worse never scores lower."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.fire.risk import FireInputs, fire_risk
from consumers.processor import Processor, ProcessorConfig
from consumers.settings import Settings
from consumers.testing import MessageFactory

counts = st.integers(0, 6)
optional = st.one_of(st.none(), st.floats(-20, 45))
inputs = st.builds(
    FireInputs,
    confirmed=counts,
    suspected=counts,
    cameras=counts,
    detectors=counts,
    line_share=st.one_of(st.none(), st.floats(0, 1.5)),
    not_ready=st.integers(0, 20),
    degraded=st.integers(0, 20),
    air_c=optional,
    wind_m_s=st.one_of(st.none(), st.floats(0, 30)),
    rain_mm_h=st.one_of(st.none(), st.floats(0, 50)),
)


@settings(max_examples=400, deadline=None)
@given(inputs)
def test_the_parts_add_up_to_the_score(x: FireInputs) -> None:
    risk = fire_risk(x)
    assert 0 <= risk.score <= 100
    assert round(sum(float(p["points"]) for p in risk.parts), 1) == risk.score


def worse(x: FireInputs, data: st.DataObject) -> FireInputs:
    """The same district with more of one kind of signal, or worse weather."""
    field = data.draw(
        st.sampled_from(
            [
                "confirmed",
                "suspected",
                "cameras",
                "detectors",
                "not_ready",
                "degraded",
                "line_share",
                "air_c",
                "wind_m_s",
                "rain_mm_h",
            ]
        )
    )
    value = getattr(x, field)
    if field == "rain_mm_h":  # drier
        return replace(x, rain_mm_h=data.draw(st.floats(0, value)) if value is not None else None)
    if value is None:
        return x
    return replace(x, **{field: value + data.draw(st.integers(1, 5) if isinstance(value, int) else st.floats(0, 10))})


@settings(max_examples=400, deadline=None)
@given(inputs, st.data())
def test_a_district_whose_signals_get_worse_never_scores_lower(x: FireInputs, data: st.DataObject) -> None:
    assert fire_risk(worse(x, data)).score >= fire_risk(x).score


def test_a_confirmed_fire_in_hot_dry_wind_is_explained_part_by_part() -> None:
    risk = fire_risk(FireInputs(confirmed=1, not_ready=1, air_c=36.0, wind_m_s=7.0, rain_mm_h=0.0))
    assert risk.score == 64.0
    assert [(p["code"], p["points"]) for p in risk.parts] == [
        ("incidents", 40.0),
        ("hot", 10.0),
        ("dry", 5.0),
        ("windy", 5.0),
        ("buildings_not_ready", 4.0),
    ]


def test_the_district_view_carries_its_fire_risk_from_an_incident_and_the_lines_weather(pack: CityPack) -> None:
    t0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    p = Processor(pack, ProcessorConfig(partitions=6), ManualClock(t0 + timedelta(minutes=1)))  # the line fresh
    p.assign(range(6))
    factory = MessageFactory(Settings())
    b = pack.buildings["B-01"]  # Yunyan: no power line, so the city's weather counts
    line = pack.sensors_of_type("grid.line")[0]
    readings = [
        Reading("fire.citizen_report", "119-1", b.district, t0, {"lat": b.lat, "lon": b.lon}),
        Reading("fire.camera", "CAM-01", b.district, t0, {"smoke_confidence": 0.05}),  # Yunyan reports: it has data
        Reading(
            line.type,
            line.id,
            line.district,
            t0,
            {"conductor_temp_c": 45.0, "current_a": 300.0, "ambient_temp_c": 33.0, "wind_m_s": 11.0},
        ),
    ]
    for m in factory.readings(readings):
        p.process(m)
    views = {k.decode(): json.loads(v) for k, v in p.drain().state if k.startswith(b"district:") and v}
    fire = views[f"district:{b.district}"]["fire_risk"]
    assert [(x["code"], x["points"]) for x in fire["parts"]] == [("incidents", 15.0), ("windy", 10.0), ("hot", 5.0)]
    assert fire["score"] == 30.0
    silent = views["district:520123"]  # Xiuwen: nothing reported there, so no fire risk, not a safe 20
    assert silent["risk"] is None and silent["fire_risk"] is None
