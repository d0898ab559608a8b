"""Map figure pieces: a gauge's hover text reads in the page language; a worker formats a site again only when it
changed."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from consumers.citypack import CityPack
from dashboard import figures
from dashboard.figures import Site, SiteMemo, site_status, sites
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


def test_the_site_memo_formats_again_exactly_the_sites_whose_documents_changed(
    pack: CityPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SiteMemo`` gives what ``site_status`` gives, and reuses a site only while its documents are the same
    objects (the state view replaces a changed document, never edits one); a building's text is redone each minute."""
    gauge = {"id": "NM-03", "level": "ok", "stale": False, "reason": "stage 1.40 m", "values": {"stage_m": 1.4}}
    entities = {"sensor:NM-03": MappingProxyType(gauge)}
    memo = SiteMemo()
    site = next(s for s in sites(pack) if s.id == "NM-03")
    building = next(s for s in sites(pack) if s.building is not None)
    first = StateSnapshot(entities=MappingProxyType(dict(entities)))
    assert memo.site_status(site, first, "en", 1000.0, "UTC") == site_status(site, first, "en", 1000.0, "UTC")

    calls: list[str] = []
    real = figures.site_status

    def counted(s: Site, *args: object) -> tuple[str, str, str, int]:
        calls.append(s.id)
        return real(s, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(figures, "site_status", counted)
    same = StateSnapshot(entities=MappingProxyType(dict(entities)))  # a new version, the same document
    memo.site_status(site, same, "en", 1000.0, "UTC")
    assert calls == []
    memo.site_status(site, same, "zh", 1000.0, "UTC")  # another language is another text
    assert calls == ["NM-03"]
    changed = StateSnapshot(entities=MappingProxyType({"sensor:NM-03": MappingProxyType({**gauge, "level": "alarm"})}))
    _, color, _, _ = memo.site_status(site, changed, "en", 1000.0, "UTC")
    assert calls == ["NM-03", "NM-03"] and color == real(site, changed, "en", 1000.0, "UTC")[1]
    memo.site_status(building, changed, "en", 1000.0, "UTC")
    memo.site_status(building, changed, "en", 1010.0, "UTC")  # the same minute
    memo.site_status(building, changed, "en", 1070.0, "UTC")  # the next: its faults' ages have grown
    assert calls[2:] == [building.id, building.id]
