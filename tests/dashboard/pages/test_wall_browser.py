"""The control-room wall in real headless Chromium, fed through the real broker.

The web app runs as its own process against Kafka, a consumer runs in this process, and readings come from a plain
producer. The wall is looked at as a person five metres away would: does it fit the screen at 1080p and 4K with
nothing to scroll, is its smallest text at least 48 px (at 1080p; the same share of the height at 4K), does it move
on through its playlist by itself, and does a flood at the Nanming's first gauge stop it on that place.
"""

from __future__ import annotations

import io
import os
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from kafka.producer import KafkaProducer
from PIL import Image
from selenium import webdriver

from consumers.alarms.actions import Action
from consumers.citypack import CityPack
from consumers.contract import Reading
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import Transport
from dashboard.alarms.sink import ActionSink
from dashboard.palette import BACKGROUND, contrast_ratio, deuteranopia_image
from dashboard.state_view import StateView
from tests.dashboard.pages.test_map_browser import LOADED_MACHINE_WAIT_S, SCREENSHOTS
from tests.web_server import free_port, start_dashboard

pytestmark = [pytest.mark.kafka, pytest.mark.browser]

SMALLEST_TEXT = """
// The smallest font size of any element that shows text on screen, and the element's text.
let smallest = [1e9, ''];
for (const el of document.querySelectorAll('body *')) {
  const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own) { continue; }
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || style.display === 'none') { continue; }
  if (el.closest('.wall-view') && getComputedStyle(el.closest('.wall-view')).visibility === 'hidden') { continue; }
  if (el.closest('.js-plotly-plot') && !el.closest('.colorbar')) { continue; }  // hover labels need a pointer
  const size = parseFloat(style.fontSize);
  if (size < smallest[0]) { smallest = [size, el.textContent.trim().slice(0, 60)]; }
}
return smallest;
"""
CLIPPED_ROWS = """
// The rows and lines of the visible board that do not fit inside it (cut off by the view's edge).
const view = [...document.querySelectorAll('.wall-view')].find((v) => getComputedStyle(v).visibility === 'visible');
if (!view) { return []; }
const box = view.getBoundingClientRect();
return [...view.querySelectorAll('.wall-row, .wall-board-more')]
  .filter((r) => r.getBoundingClientRect().bottom > box.bottom + 1).map((r) => r.innerText.slice(0, 40));
"""
MAP_READY = """
const gd = document.querySelector('#wall-graph .js-plotly-plot');
const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
return map && map.loaded() && gd.dataset.wallZoom ? [parseFloat(gd.dataset.wallZoom), gd.dataset.wallCenter] : null;
"""
FITTED = """
// Where the map draws the corners of the city's extent, and the map's size: the city should fill the map.
const gd = document.querySelector('#wall-graph .js-plotly-plot');
const map = gd._fullLayout.map._subplot.map;
const [w, s, e, n] = window.cityopsWall.config.bounds;
const canvas = map.getCanvas().getBoundingClientRect();
return [[[w, s], [e, s], [w, n], [e, n]].map((c) => { const p = map.project(c); return [p.x, p.y]; }),
        [canvas.width, canvas.height]];
"""
FRAME = """
return ['wall-header', 'wall-main', 'wall-ticker'].map((id) => {
  const el = id === 'wall-header' ? document.querySelector('.wall-header') : document.getElementById(id);
  const r = el.getBoundingClientRect();
  return [r.x, r.y, r.width, r.height];
});
"""
SCALE_CROWDED = """
// The risk scale's words that overlap one another or the alarm banner's place (its box, shown or not): the scale's
// name sat under the banner while an alarm held the wall, and on the "100" beside it.
const bar = document.querySelector('#wall-graph .colorbar');
const alert = document.getElementById('wall-alert').getBoundingClientRect();
const words = [...bar.querySelectorAll('text')].map((el) => [el.textContent, el.getBoundingClientRect()]);
const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const out = [];
words.forEach(([text, box], i) => {
  if (meet(box, alert)) { out.push(`${text} under the alarm banner`); }
  words.slice(i + 1).forEach(([other, b]) => { if (meet(box, b)) { out.push(`${text} on ${other}`); } });
});
return [words.length, out];
"""
VIEW = "return document.getElementById('wall-main')?.className || '';"


def wall_env(kafka_settings: Settings, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": str(kafka_settings.kafka_bootstrap_servers),
        "CITYOPS_TOPIC_PREFIX": kafka_settings.topics.prefix,
        "CITYOPS_DEMO_MODE": "1",  # anonymous viewing: the subject is the wall, not sign-in
        "CITYOPS_UI_REFRESH_MS": "500",
        "CITYOPS_CLOCK": "simulated",
        "CITYOPS_WALL_PLAYLISTS": '{"quick": {"views": ["city", "river", "alarms"], "period": 5, "hold": 600}}',
    }


@pytest.fixture
def wall_web(kafka_settings: Settings, kafka_transport: object) -> Iterator[str]:
    env = wall_env(kafka_settings, free_port())
    url, server = start_dashboard(env, SCREENSHOTS / "wall-web.log", new_session=True)
    yield url
    server.terminate()
    server.wait(timeout=30)


def wait_for(driver: webdriver.Chrome, script: str, what: str, *args: object) -> Any:
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while True:
        found = driver.execute_script(script, *args)
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}; the wall shows: {driver.execute_script(VIEW)}"
        time.sleep(0.1)


def screen(driver: webdriver.Chrome, width: int, height: int) -> None:
    """Make the page's viewport exactly ``width`` x ``height`` CSS pixels (the window adds its frame)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_the_wall_fits_the_screen_with_nothing_to_scroll_and_text_read_from_five_metres(
    wall_web: str, browser: webdriver.Chrome, width: int, height: int
) -> None:
    screen(browser, width, height)
    browser.get(f"{wall_web}/wall?views=city,districts,river,fire_grid,alarms&period=5")
    zoom, center = wait_for(browser, MAP_READY, "the wall's map should load and fit the city")
    seen = set()
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while len(seen) < 5 and time.monotonic() < deadline:  # look at every view of the playlist as it comes round
        view = str(browser.execute_script(VIEW)).split("view-")[-1].split()[0]
        if view not in seen:
            seen.add(view)
            overflow = browser.execute_script(
                "const d = document.documentElement;"
                "return [d.scrollWidth, d.scrollHeight, d.clientWidth, d.clientHeight, innerWidth, innerHeight];"
            )
            assert overflow[0] <= overflow[2] and overflow[1] <= overflow[3], f"{view} scrolls: {overflow}"
            assert overflow[4:] == [width, height]
            clipped = browser.execute_script(CLIPPED_ROWS)
            assert clipped == [], f"{view}: rows cut off at the foot of the view: {clipped}"
            size, text = browser.execute_script(SMALLEST_TEXT)
            assert size >= 48 * height / 1080, f"{view}: {text!r} is {size} px at {width}x{height}"
            if view == "city":  # plotly redraws the scale after the wall sizes it: wait for the redraw to land
                settle = time.monotonic() + LOADED_MACHINE_WAIT_S
                while (scale := browser.execute_script(SCALE_CROWDED)) and scale[1] and time.monotonic() < settle:
                    time.sleep(0.1)
                assert scale[0] >= 5 and scale[1] == [], f"the risk scale at {width}x{height}: {scale}"
            browser.save_screenshot(str(SCREENSHOTS / f"wall-{width}x{height}-{view}.png"))
        time.sleep(0.2)
    assert seen == {"city", "districts", "river", "fire_grid", "alarms"}, seen
    # The city fills the screen at 4K as at 1080p: every district inside the map, and the map filled one way.
    corners, box = browser.execute_script(FITTED)
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    assert min(xs) >= 0 and max(xs) <= box[0] and min(ys) >= 0 and max(ys) <= box[1], (corners, box)
    assert max((max(xs) - min(xs)) / box[0], (max(ys) - min(ys)) / box[1]) > 0.85, (corners, box, zoom, center)


def test_the_wall_rotates_by_itself_and_a_flood_alarm_stops_it_on_the_gauge_until_acknowledged(
    kafka_settings: Settings,
    kafka_transport: Transport,
    pack: CityPack,
    producer: KafkaProducer,
    view: StateView,
    runner_thread: ConsumerRunner,
    wall_web: str,
    browser: webdriver.Chrome,
) -> None:
    screen(browser, 1920, 1080)
    browser.get(f"{wall_web}/wall?playlist=quick")
    wait_for(browser, MAP_READY, "the wall's map should load")
    order = []
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while len(order) < 4 and time.monotonic() < deadline:
        shown = str(browser.execute_script(VIEW)).split("view-")[-1].split()[0]
        if not order or order[-1] != shown:
            order.append(shown)
        time.sleep(0.1)
    assert order[:4] in (["city", "river", "alarms", "city"], ["river", "alarms", "city", "river"]), order

    frame_before = browser.execute_script(FRAME)
    gauge = pack.sensors["NM-01"]
    now = datetime.now(UTC).replace(microsecond=0)
    for minutes_ago, stage in ((10, 1.2), (5, 4.6)):  # over its flood_danger stage of 4.2 m: an alarm
        at = now - timedelta(minutes=minutes_ago)
        reading = Reading(gauge.type, gauge.id, gauge.district, at, {"stage_m": stage, "rain_mm_h": 0.0})
        producer.send(kafka_settings.topics.river, key=gauge.district.encode(), value=reading.encode())
    producer.flush(timeout=30)

    def flood_alarm(_: object) -> bool:
        return any(
            a["entity"] == "sensor:NM-01" and a.get("severity") == "alarm"
            for a in view.snapshot.of_kind("alarm").values()
        )

    assert view.wait_until(flood_alarm, LOADED_MACHINE_WAIT_S), "the flood raised no alarm"
    produced = time.monotonic()
    wait_for(browser, "return document.getElementById('wall-main').className.includes('holding');", "alarm holds")
    print(f"alarm shown on the wall {time.monotonic() - produced:.2f} s after the consumer raised it")
    center = wait_for(
        browser,
        "const gd = document.querySelector('#wall-graph .js-plotly-plot');"
        "return gd && parseFloat(gd.dataset.wallZoom) > 12 ? gd.dataset.wallCenter : null;",
        "the map should zoom to the gauge",
    )
    lon, lat = (float(x) for x in center.split(","))
    assert abs(lon - gauge.lon) < 1e-3 and abs(lat - gauge.lat) < 1e-3, center
    alert = browser.find_element("id", "wall-alert-text").text
    assert "NM-01" in alert, alert
    assert "wall-pulsing" in str(browser.execute_script("return document.querySelector('.wall-page').className"))
    assert browser.execute_script(FRAME) == frame_before, "the alarm moved the wall's layout"
    png = browser.get_screenshot_as_png()
    (SCREENSHOTS / "wall-1920x1080-alarm.png").write_bytes(png)
    # Through a deuteranope's eyes the alarm banner still stands out from the dark background (AA for large text).
    seen = deuteranopia_image(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))
    Image.fromarray(seen).save(SCREENSHOTS / "wall-1920x1080-alarm-deuteranopia.png")
    box = browser.find_element("id", "wall-alert").rect
    r, g, b = seen[int(box["y"] + box["height"] / 2), int(box["x"] + box["width"] - 12)]
    assert contrast_ratio(f"#{r:02x}{g:02x}{b:02x}", BACKGROUND) >= 3.0, (r, g, b)
    # The rotation stays stopped on the alarm's place for longer than three of its periods.
    held_since = time.monotonic()
    while time.monotonic() - held_since < 16:
        assert "view-city holding" in str(browser.execute_script(VIEW))
        time.sleep(0.5)

    alarm = next(a for a in view.snapshot.of_kind("alarm").values() if a["entity"] == "sensor:NM-01")
    ack_alarm(kafka_settings, kafka_transport, str(alarm["id"]))
    wait_for(browser, "return !document.getElementById('wall-main').className.includes('holding');", "ack resumes")
    wait_for(browser, "return !document.getElementById('wall-main').className.includes('view-city');", "rotates on")
    assert "wall-pulsing" not in str(browser.execute_script("return document.querySelector('.wall-page').className"))


def ack_alarm(settings: Settings, kafka_transport: Transport, alarm_id: str) -> None:
    """An operator's acknowledgement, written to ``city.actions`` by the web tier's own sink."""
    action = Action(
        "ack", alarm_id, uuid.uuid4().hex, "mei.operator", "operator", "test", datetime.now(UTC).isoformat(), "on it"
    )
    ActionSink(settings, kafka_transport).send(action)


def test_unknown_paths_answer_a_real_404(wall_web: str) -> None:
    import urllib.error
    import urllib.request

    for path in ("/wal", "/wall/extra", "/demo/nowhere", "/no-such-page"):
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"{wall_web}{path}", timeout=30)
        assert answer.value.code == 404, path
    with urllib.request.urlopen(f"{wall_web}/wall", timeout=30) as ok:
        assert ok.status == 200


def test_the_wall_says_when_it_cannot_reach_the_server_and_carries_on_by_itself_when_it_is_back(
    kafka_settings: Settings, kafka_transport: object, browser: webdriver.Chrome
) -> None:
    port = free_port()
    url, server = start_dashboard(wall_env(kafka_settings, port), SCREENSHOTS / "wall-web-1.log", new_session=True)
    screen(browser, 1920, 1080)
    browser.get(f"{url}/wall?views=city,river&period=5")
    wait_for(browser, MAP_READY, "the wall's map should load")
    wait_for(browser, "return !document.getElementById('wall-freshness').innerText.includes('…');", "a status")
    os.killpg(server.pid, signal.SIGKILL)  # the server is gone at once, as in a crash or a pulled cable
    server.wait(timeout=30)
    wait_for(
        browser,
        "return document.getElementById('wall-lost').innerText.startsWith('NO CONNECTION TO SERVER')"
        " && document.getElementById('wall-freshness').innerText === 'OFFLINE';",
        "the wall should say it cannot reach the server",
    )
    browser.save_screenshot(str(SCREENSHOTS / "wall-1920x1080-no-connection.png"))
    url, server = start_dashboard(wall_env(kafka_settings, port), SCREENSHOTS / "wall-web-2.log", new_session=True)
    try:
        wait_for(
            browser,
            "return document.getElementById('wall-freshness').innerText !== 'OFFLINE'"
            " && !document.getElementById('wall-lost').innerText;",
            "the wall should find the server again by itself",
        )
        first = str(browser.execute_script(VIEW))
        wait_for(browser, "return document.getElementById('wall-main').className !== arguments[0];", "rotates", first)
    finally:
        server.terminate()
        server.wait(timeout=30)
