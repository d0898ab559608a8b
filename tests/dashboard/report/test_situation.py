"""The situation report: one HTML file that names the alarms, fetches nothing, and runs no text it quotes."""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest
from selenium import webdriver

from consumers.citypack import CityPack
from dashboard.report.situation import situation_report, tooltip_text
from dashboard.state_view import StateSnapshot

HOSTILE = "</script><script>window.pwned=1</script> `${window.pwned=2}` <img src=x onerror=window.pwned=3>"


def snapshot(pack: CityPack) -> StateSnapshot:
    entities = {
        "alarm:520103-1": {
            "id": "520103-1",
            "district": "520103",
            "entity": "sensor:CAM-01",
            "domain": "fire",
            "severity": "alarm",
            "state": "active",
            "reason": f"smoke seen {HOSTILE}",
            "lat": pack.sensors["CAM-01"].lat,
            "lon": pack.sensors["CAM-01"].lon,
            "raised": "2026-12-02T10:00:00+00:00",
            "trail": [],
        },
        "alarm:520111-1": {
            "id": "520111-1",
            "district": "520111",
            "entity": "sensor:NM-01",
            "domain": "river",
            "severity": "warning",
            "state": "active",
            "reason": "stage 3.50 m at or above the flood warning level 3 m",
            "lat": pack.sensors["NM-01"].lat,
            "lon": pack.sensors["NM-01"].lon,
            "raised": "2026-12-02T09:00:00+00:00",
            "ack": {"by": "li.wei", "at": "2026-12-02T09:05:00+00:00", "comment": ""},
            "trail": [],
        },
        "alarm:520102-1": {"id": "520102-1", "district": "520102", "entity": "sensor:X", "state": "cleared"},
        "district:520103": {"risk": 82.0, "level": "alarm"},
    }
    return StateSnapshot(entities=MappingProxyType({k: MappingProxyType(v) for k, v in entities.items()}))


def hostile_pack(pack: CityPack) -> CityPack:
    yunyan = pack.districts["520103"]
    districts = {**pack.districts, "520103": replace(yunyan, name_en=f"Yunyan {HOSTILE}")}
    return replace(pack, districts=districts)


def test_the_report_lists_the_active_alarms_and_the_districts_and_links_nothing_it_would_fetch(pack: CityPack) -> None:
    page = situation_report(hostile_pack(pack), snapshot(pack), "2026-12-02T10:05:00+00:00", "en")
    assert not re.search(r"<script[^>]+src=", page) and not re.search(r"<link[^>]+href=\"https?:", page)
    assert "<title>Guiyang: situation at 2026-12-02 18:05</title>" in page
    assert "520103-1" in page and "520111-1" in page and "520102-1" not in page  # cleared: not in the report
    assert "li.wei" in page and "Nanming" in page
    assert "window.pwned=1" not in page.replace("window.pwned=1&lt;", "")  # only ever as text
    assert "&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;" in page


def test_a_tooltip_stays_text_inside_foliums_javascript_template() -> None:
    assert tooltip_text("a`b${c}\\d<e>") == "a&#96;b&#36;{c}&#92;d&lt;e&gt;"


@pytest.mark.browser
def test_the_report_opens_offline_in_chromium_with_its_districts_and_alarms_drawn_and_nothing_run(
    pack: CityPack, browser: webdriver.Chrome
) -> None:
    page = situation_report(hostile_pack(pack), snapshot(pack), "2026-12-02T10:05:00+00:00", "en")
    path = Path(tempfile.mkdtemp(prefix="cityops-report-")) / "situation.html"
    path.write_text(page, encoding="utf-8")
    browser.execute_cdp_cmd("Network.enable", {})
    offline = {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", offline)
    browser.get(path.as_uri())
    drawn = browser.execute_script(
        """
        return {
          leaflet: typeof L,
          districts: document.querySelectorAll('.leaflet-overlay-pane path:not(.report-alarm)').length,
          alarms: document.querySelectorAll('.leaflet-overlay-pane path.report-alarm').length,
          pwned: window.pwned || null,
          district: [...document.querySelectorAll('.report td')].map((td) => td.innerText)
            .find((s) => s.startsWith('Yunyan')),
        };
        """
    )
    assert drawn["leaflet"] == "object", drawn
    assert drawn["districts"] == len(pack.districts_geojson["features"]) and drawn["alarms"] == 2, drawn
    assert drawn["pwned"] is None and HOSTILE in drawn["district"], drawn
