"""Looking back on the map in real Chromium: the time control shows the districts as they were (the scores the
consumers kept for that step, the same as the district's risk-history export) with the live-only layers hidden and a
banner naming the moment; "Back to live" brings the present back."""

from __future__ import annotations

import csv
import io
import os
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from consumers.citypack import CityPack
from dashboard.figures import SITE_KINDS, TRACE_RISK, TRACE_SITES
from dashboard.lookback import GAP_STEPS
from tests.dashboard.pages.test_map_browser import LOADED_MACHINE_WAIT_S, SCREENSHOTS
from tests.web_server import free_port, start_dashboard

pytestmark = pytest.mark.browser


@pytest.fixture
def fast_city(tmp_path: Path) -> Iterator[str]:
    """The embedded product at 600x, so that an hour of district history is written in a few seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "KAFKA_"))}
    env.update(PORT=str(free_port()), CITYOPS_SIM_SPEED="600", CITYOPS_UI_REFRESH_MS="500")
    url, server = start_dashboard(env, tmp_path / "web.log")
    yield url
    server.terminate()
    server.wait(timeout=30)


def history(url: str, code: str) -> list[dict[str, str]]:
    with urllib.request.urlopen(f"{url}/api/v1/districts/{code}/risk_history.csv", timeout=10) as response:
        return list(csv.DictReader(io.StringIO(response.read().decode())))


def until(driver: webdriver.Chrome, script: str, what: str, *args: object) -> object:
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while not (found := driver.execute_script(script, *args)):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return found


VISIBLE = """
const gd = document.querySelector('#map-graph .js-plotly-plot');
return gd && gd.data ? gd.data[arguments[0]].visible : null;
"""
SHOWN = """
const gd = document.querySelector('#map-graph .js-plotly-plot');
return Boolean(gd && gd.data && gd.data[arguments[0]].visible === true);
"""


def test_the_map_looks_back_at_the_districts_as_they_were_and_returns_to_live(
    fast_city: str, browser: webdriver.Chrome, pack: CityPack
) -> None:
    url = fast_city
    code = next(iter(pack.districts))
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while len(history(url, code)) < 30:  # two and a half simulated hours of 5-minute steps
        assert time.monotonic() < deadline, "the consumers wrote no district history"
        time.sleep(0.5)
    browser.get(url)
    until(browser, "return (document.getElementById('map-districts')?.innerText || '').length > 0;", "the map")
    sites = TRACE_SITES + SITE_KINDS.index("gauge")
    until(browser, SHOWN, "the gauges drawn", sites)
    assert browser.execute_script(VISIBLE, TRACE_RISK) is True

    thumb = browser.find_element(By.CSS_SELECTOR, "#map-lookback [role=slider]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", thumb)
    thumb.click()
    thumb.send_keys(Keys.PAGE_DOWN)  # ten steps: 50 minutes back
    banner = str(until(browser, "return document.getElementById('map-lookback-banner')?.innerText;", "the banner"))
    assert banner.startswith("LOOKING BACK") and "sensors, lines and incidents are not replayed" in banner, banner
    assert browser.execute_script(VISIBLE, sites) is False  # the live-only layers are hidden
    assert browser.execute_script(VISIBLE, TRACE_RISK) is True
    browser.save_screenshot(str(SCREENSHOTS / "map-lookback.png"))

    # The district's score on the page is the one its exported history keeps for that step.
    start = banner.split("\n")[1].split("–")[0].strip()  # "Dec 4 15:35", in the city's time
    zone = ZoneInfo(pack.timezone)
    rows = history(url, code)
    year = datetime.fromisoformat(rows[-1]["time"]).astimezone(zone).year
    at = datetime.strptime(f"{year} {start}", "%Y %b %d %H:%M").replace(tzinfo=zone).timestamp()
    kept = [r for r in rows if 0 <= at - datetime.fromisoformat(r["time"]).timestamp() <= GAP_STEPS * 300]
    assert kept, f"no history row for {start}: {rows[:3]}"
    expected = f"{float(kept[-1]['risk']):.0f}"
    name = pack.districts[code].name_en
    shown = browser.execute_script(
        "return [...document.querySelectorAll('#map-districts .map-district-row')]"
        ".find((r) => r.innerText.includes(arguments[0]))?.querySelector('.map-risk-value').innerText;",
        name,
    )
    assert shown == expected, f"{name} shows {shown} at {start}; its history keeps {expected}"

    browser.find_element(By.ID, "map-lookback-now").click()
    until(browser, "return !document.getElementById('map-lookback-banner')?.innerText;", "back to live")
    until(browser, SHOWN, "the gauges shown again", sites)
    assert browser.find_element(By.CSS_SELECTOR, "#map-lookback [role=slider]").get_attribute("aria-valuenow") == "0"
