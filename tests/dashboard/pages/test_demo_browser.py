"""The exhibition guide in real headless Chromium, on the embedded default (``python -m dashboard`` with no Kafka):
the way a guide at a stand runs the product.

In each of English, German and Chinese the guide picks every scenario, jumps to its key moment, and the city is
then in the state the scenario promises there (a Nanming gauge in flood alarm, a fire incident, a power line in
alarm, drought warnings on the rivers, and a calm city with no alarm at all), read through the product's own API;
the console shows the scenario's title and the guide's note for the moment in that language. The visitors' screen
shows the running scenario in the visitor's language with no controls.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from consumers.settings import Settings
from simulator.scenarios import Scenario, load_scenarios
from tests.dashboard.pages.test_map_browser import LOADED_MACHINE_WAIT_S, SCREENSHOTS
from tests.dashboard.pages.test_wall_browser import MAP_READY, screen
from tests.web_server import free_port, start_dashboard

pytestmark = [pytest.mark.browser]

CATCH_UP_WAIT_S = 240
"""A jump to a dry week's key moment replays days of readings through the consumer: on a loaded 2-core machine
that took up to a minute (the wait ends as soon as the state is there; this bounds only a failure)."""


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


def active_alarms(url: str) -> list[dict[str, Any]]:
    return [a for a in get(f"{url}/api/v1/alarms")["alarms"] if a.get("state") == "active"]


def flood_on_the_nanming(url: str) -> bool:
    return any(a["entity"].startswith("sensor:NM-") and a["severity"] == "alarm" for a in active_alarms(url))


def a_fire(url: str) -> bool:
    return any(a["domain"] == "fire" and a["entity"].startswith("incident:") for a in active_alarms(url))


def a_line_in_alarm(url: str) -> bool:
    return any(a["domain"] == "grid" and a["severity"] == "alarm" for a in active_alarms(url))


def drought_warnings(url: str) -> bool:
    sensors = get(f"{url}/api/v1/sensors?type=river.gauge")["sensors"]
    return any(((s.get("state") or {}).get("river") or {}).get("state") == "drought_warning" for s in sensors)


def calm(url: str) -> bool:
    sensors = get(f"{url}/api/v1/sensors?type=river.gauge")["sensors"]
    return any(s.get("state") for s in sensors) and not active_alarms(url)


AT_KEY_MOMENT: dict[str, Callable[[str], bool]] = {
    "flood": flood_on_the_nanming,
    "fire": a_fire,
    "heatwave": a_line_in_alarm,
    "drought": drought_warnings,
    "calm": calm,
}


@pytest.fixture(scope="module")
def embedded() -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env.update({"PORT": str(free_port()), "CITYOPS_UI_REFRESH_MS": "500", "CITYOPS_SIM_SCENARIO": "calm"})
    url, server = start_dashboard(env, SCREENSHOTS / "demo-web.log", timeout_s=LOADED_MACHINE_WAIT_S)
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def scenarios() -> dict[str, Scenario]:
    return load_scenarios(Settings().city_dir)


def wait_for(
    driver: webdriver.Chrome, script: str, what: str, *args: object, wait_s: float = LOADED_MACHINE_WAIT_S
) -> Any:
    deadline = time.monotonic() + wait_s
    while True:
        found = driver.execute_script(script, *args)
        if found:
            return found
        status = driver.execute_script("return document.getElementById('demo-status')?.innerText")
        assert time.monotonic() < deadline, f"{what}; the console says: {status}"
        time.sleep(0.2)


def click(driver: webdriver.Chrome, css: str) -> None:
    driver.find_element(By.CSS_SELECTOR, css).click()


def note_for(scenario: Scenario, elapsed_s: float, lang: str) -> str:
    return next(n.text[lang] for n in reversed(scenario.notes) if n.at_s <= elapsed_s)


@pytest.mark.parametrize("lang", ["en", "de", "zh"])
def test_the_guide_plays_every_scenario_to_its_key_moment(
    embedded: str, browser: webdriver.Chrome, scenarios: dict[str, Scenario], lang: str
) -> None:
    browser.get(f"{embedded}/demo?lang={lang}")
    wait_for(browser, "return document.querySelector('#demo-status .demo-scenario-title');", "the console loads")
    assert [w for w in browser.find_element(By.ID, "header-lang").text.split() if w != "·"] == ["EN", "DE", "中文"]
    for scenario_id, holds in AT_KEY_MOMENT.items():
        scenario = scenarios[scenario_id]
        click(browser, f".demo-scenario-{scenario_id}")
        wait_for(
            browser,
            "return document.getElementById('demo-scenario-title')?.innerText === arguments[0];",
            f"the console should show {scenario_id} in {lang}",
            scenario.title[lang],
        )
        click(browser, "#demo-jump")
        deadline = time.monotonic() + CATCH_UP_WAIT_S
        while not holds(embedded):
            assert time.monotonic() < deadline, f"{scenario_id}: the city never reached its key moment"
            time.sleep(0.5)
        wait_for(
            browser,
            "return document.querySelector('#demo-notes li.now')?.innerText.includes(arguments[0]);",
            f"the guide's note for the key moment of {scenario_id} in {lang}",
            note_for(scenario, scenario.key_moment_s, lang),
        )
        browser.save_screenshot(str(SCREENSHOTS / f"demo-{lang}-{scenario_id}.png"))


def test_the_visitors_screen_shows_the_running_scenario_in_their_language_and_no_controls(
    embedded: str, browser: webdriver.Chrome, scenarios: dict[str, Scenario]
) -> None:
    browser.get(f"{embedded}/demo?lang=en")
    wait_for(browser, "return document.querySelector('.demo-scenario-flood');", "the console loads")
    click(browser, ".demo-scenario-flood")
    wait_for(
        browser,
        "return document.getElementById('demo-scenario-title')?.innerText === arguments[0];",
        "the flood should start",
        scenarios["flood"].title["en"],
    )
    screen(browser, 1920, 1080)
    browser.get(f"{embedded}/demo?visitor=1&lang=zh")
    title = wait_for(
        browser,
        "const t = document.getElementById('demo-visitor-title'); return t && t.innerText.length ? t.innerText : null;",
        "the visitors' screen names the scenario",
    )
    assert scenarios["flood"].title["zh"] in title
    wait_for(browser, MAP_READY, "the visitors' map should load")
    wait_for(browser, "return /\\d\\d:\\d\\d:\\d\\d/.test(document.getElementById('wall-clock').innerText);", "a clock")
    assert not browser.find_elements(By.CSS_SELECTOR, "button, #demo-jump, select")
    browser.save_screenshot(str(SCREENSHOTS / "demo-visitor-zh.png"))


CITY_ABOVE_TITLE = """
// With the city fitted (no alarm holding the wall): how far below the visitors' title's top the city's south edge
// and north edge are drawn (negative: above it), and the map's top.
const main = document.getElementById('wall-main');
const gd = document.querySelector('#wall-graph .js-plotly-plot');
const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
if (!map || !map.loaded() || main.classList.contains('holding') || !gd.dataset.wallZoom) { return null; }
if (parseFloat(gd.dataset.wallZoom) > 12) { return null; }  // still on the alarm that held it
const [w, s, e, n] = window.cityopsWall.config.bounds;
const canvas = map.getCanvas().getBoundingClientRect();
const title = document.getElementById('demo-visitor-title').getBoundingClientRect();
return {south: canvas.top + map.project([(w + e) / 2, s]).y - title.top,
        north: canvas.top + map.project([(w + e) / 2, n]).y, top: canvas.top};
"""


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_the_visitors_title_lies_below_the_city_not_over_its_south(
    embedded: str, browser: webdriver.Chrome, scenarios: dict[str, Scenario], width: int, height: int
) -> None:
    """On a 1366 x 768 laptop the title covered the south of the city (Huaxi, where the demo's flood is): the city is
    fitted into the map above the title. The calm city runs (an earlier test's flood raised alarms that would hold the
    wall on their places); a new alarm holds the wall for ten seconds here (``hold``), then the city is back."""
    browser.get(f"{embedded}/demo?lang=en")
    wait_for(browser, "return document.querySelector('.demo-scenario-calm');", "the console loads")
    click(browser, ".demo-scenario-calm")
    wait_for(
        browser,
        "return document.getElementById('demo-scenario-title')?.innerText === arguments[0];",
        "the calm city should start",
        scenarios["calm"].title["en"],
    )
    screen(browser, width, height)
    browser.get(f"{embedded}/demo?visitor=1&lang=en&hold=10")
    wait_for(browser, "return document.getElementById('demo-visitor-title')?.innerText.length > 0;", "a title")
    where = wait_for(browser, CITY_ABOVE_TITLE, "the city fitted on the visitors' screen")
    assert where["south"] <= 1, f"the city's south edge is drawn {where['south']:.0f} px under the title: {where}"
    assert where["north"] >= where["top"] - 1, f"the city's north edge is cut off: {where}"
    browser.save_screenshot(str(SCREENSHOTS / f"demo-visitor-{width}.png"))
