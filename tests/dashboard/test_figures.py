"""Map figure pieces: a gauge's hover text reads in the page language."""

from __future__ import annotations

from types import MappingProxyType

from consumers.citypack import CityPack
from dashboard.figures import site_status, sites
from dashboard.state_view import StateSnapshot


def test_a_gauge_hover_reads_in_chinese_and_other_sites_keep_the_consumers_reason(pack: CityPack) -> None:
    gauge_doc = {
        "id": "NM-03",
        "level": "warning",
        "stale": False,
        "reason": "stage 0.93 m, falling 3.0 % a day: expected below the drought level 0.7 m in about 41 h",
        "values": {"stage_m": 0.93},
        "river": {"state": "drought_warning", "drought_eta_hours": 41.0, "forecast": {"k_per_day": 0.97}},
    }
    snapshot = StateSnapshot(entities=MappingProxyType({"sensor:NM-03": gauge_doc}))
    site = next(s for s in sites(pack) if s.id == "NM-03")

    _, _, chinese, _ = site_status(site, snapshot, "zh")
    _, _, english, _ = site_status(site, snapshot, "en")

    assert "干旱预警" in chinese and "预计约 41 小时后低于枯水警戒 0.7 m" in chinese and "expected" not in chinese
    assert "DROUGHT WARNING" in english and gauge_doc["reason"] in english
    # Exactly the gauges' sites carry a spec for composed words; other sites keep the consumers' reasons.
    assert {s.id for s in sites(pack) if s.gauge} == {g.id for g in pack.sensors_of_type("river.gauge")}
