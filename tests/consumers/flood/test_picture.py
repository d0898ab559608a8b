"""The flood picture on the Guiyang pack: water rising on the Nanming closes streets (and remembers since when),
the care homes and schools to evacuate get rescue missions, a restarted service takes its closure times back,
and the record stays small enough to publish every second."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consumers.citypack import CityPack
from consumers.flood.network import RoadNetwork, load_flood_pack
from consumers.flood.picture import MAX_MISSIONS, FloodModel, network_id

NANMING = ("NM-01", "NM-02", "NM-03", "NM-04")
T0 = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def network(pack: CityPack) -> RoadNetwork:
    return load_flood_pack(pack.root, pack)[0]


def gauges(pack: CityPack, above_bank: float, at: datetime) -> dict[str, dict[str, Any]]:
    """Every gauge's view: the Nanming's ``above_bank`` metres over its bank level, the others at normal."""
    out = {}
    for spec in pack.sensors_of_type("river.gauge"):
        thresholds, normal = spec.params["thresholds"], spec.params["normal"]["stage_m"]
        stage = thresholds["flood_warning"] + above_bank if spec.id in NANMING else normal
        out[spec.id] = {"id": spec.id, "event_time": at.isoformat(), "values": {"stage_m": stage}, "stale": False}
    return out


def test_a_rising_river_closes_streets_from_when_they_closed_and_sends_rescue_to_the_vulnerable(
    pack: CityPack, network: RoadNetwork
) -> None:
    model = FloodModel(pack, network)
    calm = model.update(gauges(pack, -1.0, T0), T0.timestamp())
    assert calm["closed"]["i"] == [] and calm["evacuation"] == [] and calm["missions"] == []
    assert calm["network"] == network_id(network)

    first = T0 + timedelta(minutes=10)
    high = model.update(gauges(pack, 1.0, first), first.timestamp())
    later = T0 + timedelta(minutes=20)
    higher = model.update(gauges(pack, 1.5, later), later.timestamp())
    early = set(high["closed"]["i"])
    assert early and early < set(higher["closed"]["i"])  # more water, more streets closed, none reopened
    since = dict(zip(higher["closed"]["i"], higher["closed"]["since_t"], strict=True))
    assert {since[i] for i in early} == {first.timestamp()}  # closed since the picture that closed them
    assert {since[i] for i in set(since) - early} == {later.timestamp()}
    # Depths: every closed street has at least the 0.3 m that stops a car.
    wet = dict(zip(higher["wet"]["i"], higher["wet"]["d"], strict=True))
    assert all(wet[i] >= 0.3 for i in since)
    # The evacuation list: the vulnerable first, and the care homes, hospitals and schools on it have missions.
    rows = higher["evacuation"]
    assert rows and [r[2] for r in rows] == sorted(r[2] for r in rows)
    kinds = {b.id: b.kind for b in network.blocks}
    vulnerable = list(dict.fromkeys(r[0] for r in rows if kinds[r[0]] != "residential"))
    assert vulnerable and [m["block"] for m in higher["missions"]] == vulnerable[:MAX_MISSIONS]
    for mission in higher["missions"]:
        assert (mission["route"] is None) != (mission["blocked"] is None)
    assert higher["totals"]["city"]["people"] == sum(r[5] for r in rows)
    assert len(json.dumps(higher)) < 100_000  # published on every change: small


def test_a_restarted_service_keeps_when_each_street_closed(pack: CityPack, network: RoadNetwork) -> None:
    first = FloodModel(pack, network)
    at = T0 + timedelta(minutes=5)
    before = first.update(gauges(pack, 1.2, at), at.timestamp())
    restarted = FloodModel(pack, network)
    restarted.restore(json.loads(json.dumps(before)))  # as read back from city.state
    later = T0 + timedelta(minutes=30)
    after = restarted.update(gauges(pack, 1.2, later), later.timestamp())
    assert after["closed"] == before["closed"]  # same streets, same times: not "closed since the restart"
    other = FloodModel(pack, network)
    other.restore({**before, "network": "another city|1|1"})  # a picture of another network is not taken
    assert other.closed_since == {}


def test_when_a_street_under_a_missions_route_closes_the_mission_says_so(pack: CityPack, network: RoadNetwork) -> None:
    model = FloodModel(pack, network)
    levels = [1.2 + 0.05 * k for k in range(8)]
    changes: list[dict[str, Any]] = []
    for k, level in enumerate(levels):
        at = T0 + timedelta(minutes=5 * k)
        picture = model.update(gauges(pack, level, at), at.timestamp())
        closed = set(picture["closed"]["i"])
        for mission in picture["missions"]:
            new = [c for c in mission["changes"] if c["t"] == at.timestamp()]
            changes += new
            for change in new:  # a street it names is closed (or under water) in the picture that says so
                assert set(change["closed"]) <= closed
                assert all(depth > 0 for _, depth in change["flooded"])
    # The routes move off the streets as the water comes (dry streets are preferred), and each move says why.
    assert changes, "the water rising 35 cm under the missions' routes changed none of them"
    assert all(c["closed"] or c["flooded"] for c in changes)


def test_a_restored_mission_whose_route_cannot_be_read_starts_afresh(pack: CityPack, network: RoadNetwork) -> None:
    model = FloodModel(pack, network)
    at = T0 + timedelta(minutes=5)
    before = model.update(gauges(pack, 1.5, at), at.timestamp())
    mission = before["missions"][0]
    broken = {**before, "missions": [{**mission, "route": {**mission["route"], "roads": [len(network.roads)]}}]}
    restarted = FloodModel(pack, network)
    restarted.restore(broken)
    later = T0 + timedelta(minutes=10)
    after = restarted.update(gauges(pack, 1.5, later), later.timestamp())
    assert after["missions"][0]["block"] == mission["block"] and after["missions"][0]["changes"] == []
