"""The language in real headless Chromium: the browser's preference when the URL names none, and the switch in the
header that keeps the page and changes its language (the embedded product: no broker needed)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.web_server import free_port, start_dashboard

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("CITYOPS_SCREENSHOTS", tempfile.mkdtemp(prefix="cityops-screens-")))
WAIT_S = 90.0


@pytest.fixture(scope="module")
def embedded() -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env.update({"PORT": str(free_port()), "CITYOPS_DEMO_MODE": "1", "CITYOPS_LANGUAGE": "en"})
    url, server = start_dashboard(env, SCREENSHOTS / "i18n-web.log", timeout_s=WAIT_S)
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture
def german_browser(chromedriver_path: str) -> Iterator[webdriver.Chrome]:
    """Chromium whose person prefers German (its Accept-Language header: ``de-DE,de``)."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1920,1080", "--lang=de-DE"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='cityops-chromium-')}")
    options.add_experimental_option("prefs", {"intl.accept_languages": "de-DE,de"})
    driver = webdriver.Chrome(service=Service(chromedriver_path), options=options)
    yield driver
    driver.quit()


def wait_for(driver: webdriver.Chrome, script: str, what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while True:
        found = driver.execute_script(script)
        if found:
            return found
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


TITLE = "return document.querySelector('.map-title')?.innerText"
MAP_DRAWN = """
const gd = document.querySelector('#map-graph .js-plotly-plot');
const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
return Boolean(map && map.loaded() && gd._fullData.length > 0);
"""


def test_a_german_browser_gets_german_and_the_switch_changes_the_language(
    embedded: str, german_browser: webdriver.Chrome
) -> None:
    german_browser.get(f"{embedded}/")
    assert wait_for(german_browser, TITLE, "the map page loads") == "Leitstelle Guiyang"
    german_browser.find_element(By.ID, "header-lang-zh").click()
    assert (
        wait_for(german_browser, f"return location.search === '?lang=zh' && {TITLE[7:]}", "Chinese") == "贵阳城市运行"
    )
    wait_for(german_browser, MAP_DRAWN, "the map draws its districts")  # the screenshot shows the page, not a blank
    german_browser.save_screenshot(str(SCREENSHOTS / "i18n-zh.png"))
    german_browser.find_element(By.ID, "header-lang-en").click()
    assert wait_for(german_browser, f"return location.search === '?lang=en' && {TITLE[7:]}", "English") == (
        "Guiyang City Operations"
    )


def test_the_url_wins_over_the_browser_and_the_alarm_page_has_the_switch_too(
    embedded: str, german_browser: webdriver.Chrome
) -> None:
    german_browser.get(f"{embedded}/alarms?lang=zh")
    wait_for(german_browser, "return document.getElementById('header-lang-de')", "the alarm page loads")
    link = german_browser.find_element(By.ID, "header-lang-de")
    assert link.get_attribute("href").endswith("/alarms?lang=de")
    assert german_browser.find_element(By.ID, "header-lang-zh").tag_name == "span"  # the current one: not a link


HEADER_LAID_OUT = """
const clock = document.getElementById('map-freshness');
const chips = document.querySelectorAll('#map-summary > *');
return Boolean(clock && clock.innerText.trim() && chips.length >= 4 && document.getElementById('account-sign-in'));
"""
OUT_OF_VIEW = """
const width = document.documentElement.clientWidth;
const summary = document.getElementById('map-summary').getBoundingClientRect();
const items = [
  ...document.querySelectorAll('#map-freshness, #map-simulated:not(:empty), .lang-switch'),
  ...document.querySelectorAll('#account-demo, #account-sign-in'),
  ...document.querySelectorAll('#map-summary > *'),
];
const out = [];
for (const el of items) {
  const r = el.getBoundingClientRect();
  const inSummary = el.parentElement.id === 'map-summary';
  const cut = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline';
  if (r.left < 0 || r.right > width + 0.5 || cut || (inSummary && r.right > summary.right + 0.5)) {
    out.push(`${el.id || el.className}: ${el.innerText.trim()} at ${Math.round(r.left)}-${Math.round(r.right)}`);
  }
}
const pageWidth = document.documentElement.scrollWidth;
if (pageWidth > width) out.push(`the page scrolls sideways: ${pageWidth}`);
return out;
"""


@pytest.mark.parametrize("lang", ["en", "de", "zh"])
def test_the_map_header_shows_its_clock_chips_and_sign_in_whole_on_a_laptop_and_a_wall(
    embedded: str, browser: webdriver.Chrome, lang: str
) -> None:
    """In one row the header took 1,850 px in English and 2,010 in German: on a 1366-pixel laptop the clock was
    cut and the language switch and the sign-in link were off the screen. Only the title may give way."""
    for width, height in ((1280, 800), (1366, 768), (1920, 1080)):
        browser.set_window_size(width, height)
        browser.get(f"{embedded}/?lang={lang}")
        wait_for(browser, HEADER_LAID_OUT, f"the map page's header at {width} px")
        assert browser.execute_script(OUT_OF_VIEW) == [], f"{lang} at {width}x{height}"
        if width == 1366:
            browser.save_screenshot(str(SCREENSHOTS / f"map-header-{lang}-{width}.png"))


OUTSIDE_HEADER = """
const header = document.querySelector('.map-header').getBoundingClientRect();
const width = document.documentElement.clientWidth;
return [...document.querySelectorAll('.map-header > *')].filter((el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && (r.top < header.top - 0.5 || r.bottom > header.bottom + 0.5 || r.right > width + 0.5);
}).map((el) => `${el.id || el.className}: ${el.innerText.trim().slice(0, 40)}`);
"""


@pytest.mark.parametrize("lang", ["en", "de", "zh"])
def test_the_alarm_pages_header_keeps_its_words_inside_it_on_a_laptop(
    embedded: str, browser: webdriver.Chrome, lang: str
) -> None:
    """At 1366 px the read-only note took three lines of a header that holds two, and "← City map" three."""
    for width, height in ((1280, 800), (1366, 768), (1920, 1080)):
        browser.set_window_size(width, height)
        browser.get(f"{embedded}/alarms?lang={lang}")
        wait_for(browser, "return document.querySelectorAll('#alarms-waiting > *').length > 0", "the alarm page")
        assert browser.execute_script(OUTSIDE_HEADER) == [], f"{lang} at {width}x{height}"
