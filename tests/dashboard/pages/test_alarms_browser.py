"""The alarm list in real Chromium, two web workers and a consumer on the real broker: an operator signed in on one
worker acknowledges a flood alarm, a viewer's browser on another worker shows it acknowledged (and offers the viewer
nothing to act with), and a consumer restarted from the changelog keeps the acknowledgement and takes the next
action."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kafka.producer import KafkaProducer
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from consumers.citypack import CityPack
from consumers.clock import SystemClock
from consumers.contract import Reading
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import Transport
from dashboard.auth.store import AccountStore
from dashboard.state_view import StateView
from tests.dashboard.auth.signing_in import sign_in
from tests.dashboard.pages.test_map_browser import LOADED_MACHINE_WAIT_S, SCREENSHOTS
from tests.web_server import free_port, start_dashboard

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


OPERATOR, VIEWER, PASSWORD = "mei.operator", "li.viewer", "correct horse battery"


def start_web(settings: Settings, users_db: Path, name: str) -> tuple[str, subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "KAFKA_BOOTSTRAP_SERVERS": str(settings.kafka_bootstrap_servers),
        "CITYOPS_TOPIC_PREFIX": settings.topics.prefix,
        "CITYOPS_UI_REFRESH_MS": "500",
        "CITYOPS_CLOCK": "simulated",
        "CITYOPS_DEMO_MODE": "0",
        "CITYOPS_USERS_DB": str(users_db),  # one deployment: both workers share its accounts
    }
    return start_dashboard(env, SCREENSHOTS / f"{name}.log", new_session=True)


@pytest.fixture
def two_workers(kafka_settings: Settings, kafka_transport: Transport, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two web processes of one deployment (not in demo mode), with an operator and a viewer among its users."""
    users_db = tmp_path / "users.sqlite"
    accounts = AccountStore(users_db)
    accounts.add_user(OPERATOR, "operator", PASSWORD, by="test")
    accounts.add_user(VIEWER, "viewer", PASSWORD, by="test")
    first, first_server = start_web(kafka_settings, users_db, "web-first")
    second, second_server = start_web(kafka_settings, users_db, "web-second")
    yield first, second
    for server in (first_server, second_server):
        server.terminate()
        server.wait(timeout=30)


class Member:
    """A consumer group member on a thread of its own, which the test can stop and replace."""

    def __init__(self, settings: Settings, transport: Transport, pack: CityPack, name: str) -> None:
        self.runner = ConsumerRunner(settings, transport, pack, SystemClock(), client_id=name)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.runner.run, args=(self.stop_event,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()


def wait_for(driver: webdriver.Chrome, script: str, what: str, *args: object) -> object:
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while True:
        found = driver.execute_script(script, *args)
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: {driver.execute_script(ROW_TEXT, *args)}"
        time.sleep(0.1)


ROW_TEXT = """
const id = arguments[0];  // the row whose id line is exactly this one (520111-1 is not 520111-12)
const rows = [...document.querySelectorAll('#alarms-active tr.alarms-row')];
const row = rows.find((r) => r.querySelector('small')?.innerText === id);
return row ? row.innerText : document.body.innerText.slice(0, 400);
"""
ROW_STATE = """
const [id, state] = [arguments[0], arguments[1]];
const rows = [...document.querySelectorAll('#alarms-active tr.alarms-row')];
const row = rows.find((r) => r.querySelector('small')?.innerText === id);
return row && row.classList.contains('alarms-row-' + state) ? row.innerText : null;
"""
RESULT = """
const r = document.getElementById('alarms-result');
return r && r.innerText.startsWith(arguments[0]) ? r.innerText : null;
"""


def click(driver: webdriver.Chrome, css: str) -> None:
    """Click what ``css`` finds, again if the page drew it anew in between (its tables refresh)."""
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while True:
        try:
            driver.find_element(By.CSS_SELECTOR, css).click()
            return
        except StaleElementReferenceException:
            assert time.monotonic() < deadline, f"{css} never stayed long enough to be clicked"


def open_alarm(driver: webdriver.Chrome, alarm_id: str) -> None:
    """Click the alarm's row, as a person would; again if the list was drawn anew under the pointer (it is, when an
    alarm changes)."""
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while True:
        try:
            driver.find_element(By.XPATH, f"//tr[contains(@class,'alarms-row')][.//small[text()='{alarm_id}']]").click()
            break
        except StaleElementReferenceException:
            assert time.monotonic() < deadline, f"the row of {alarm_id} never stayed long enough to be clicked"
    wait_for(
        driver,
        "return document.querySelector('#alarms-detail .alarms-detail-head')?.innerText.includes(arguments[0]);",
        "the alarm's detail should open",
        alarm_id,
    )


def test_an_operator_acknowledges_a_flood_on_one_worker_another_shows_it_and_a_restarted_consumer_keeps_it(
    kafka_settings: Settings,
    kafka_transport: Transport,
    pack: CityPack,
    producer: KafkaProducer,
    view: StateView,
    two_workers: tuple[str, str],
    browser: webdriver.Chrome,
    second_browser: webdriver.Chrome,
) -> None:
    demo, read_only = two_workers
    sign_in(browser, demo, OPERATOR, PASSWORD)
    sign_in(second_browser, read_only, VIEWER, PASSWORD)
    member = Member(kafka_settings, kafka_transport, pack, "alarms-first")
    gauge = pack.sensors["NM-01"]
    now = datetime.now(UTC).replace(microsecond=0)
    for minutes_ago, stage in ((10, 1.2), (5, 3.5)):
        at = now - timedelta(minutes=minutes_ago)
        reading = Reading(gauge.type, gauge.id, gauge.district, at, {"stage_m": stage, "rain_mm_h": 0.0})
        producer.send(kafka_settings.topics.river, key=gauge.district.encode(), value=reading.encode())
    producer.flush(timeout=30)

    def flood_alarm(snapshot: object) -> str | None:
        found = [a for a in view.snapshot.of_kind("alarm").values() if a["entity"] == "sensor:NM-01"]
        return str(found[0]["id"]) if found else None

    assert view.wait_until(flood_alarm, LOADED_MACHINE_WAIT_S), "the flood raised no alarm"
    alarm_id = flood_alarm(None)
    assert alarm_id is not None

    browser.get(f"{demo}/alarms")
    second_browser.get(f"{read_only}/alarms")
    for driver in (browser, second_browser):
        wait_for(driver, ROW_STATE, "both workers should list the alarm unacknowledged", alarm_id, "unacknowledged")
    header = browser.find_element(By.ID, "alarms-waiting").text
    assert "1 warning" in header and "1 unacknowledged" in header, header

    open_alarm(browser, alarm_id)
    browser.find_element(By.ID, "alarms-comment").send_keys("crew sent to the Nanming bridge")
    browser.find_element(By.ID, "alarms-ack").click()
    clicked = time.monotonic()
    wait_for(browser, RESULT, "the consumer should apply the acknowledgement", "Done: acknowledged")
    row = wait_for(second_browser, ROW_STATE, "the other worker should show it acknowledged", alarm_id, "acknowledged")
    print(f"acknowledged in one browser, shown by the other worker after {time.monotonic() - clicked:.2f} s")
    assert OPERATOR in str(row)
    browser.save_screenshot(str(SCREENSHOTS / "alarms-acknowledged.png"))

    # The read-only worker shows the trail, with the comment, and offers nothing to click.
    open_alarm(second_browser, alarm_id)
    trail = second_browser.find_element(By.CSS_SELECTOR, "#alarms-detail .alarms-trail").text
    assert "acknowledged" in trail and "crew sent to the Nanming bridge" in trail and OPERATOR in trail, trail
    assert not second_browser.find_element(By.ID, "alarms-controls").is_displayed()
    assert "Read only" in second_browser.find_element(By.CLASS_NAME, "alarms-mode").text
    second_browser.save_screenshot(str(SCREENSHOTS / "alarms-read-only.png"))

    # A second acknowledgement is refused at once, with who did the first.
    browser.find_element(By.ID, "alarms-ack").click()
    wait_for(browser, RESULT, "a second acknowledgement should be refused", f"Already acknowledged by {OPERATOR}")

    # A new member rebuilt from the changelog keeps the acknowledgement and applies the next action.
    member.stop()
    member = Member(kafka_settings, kafka_transport, pack, "alarms-second")
    try:
        assert member.runner.ready.wait(LOADED_MACHINE_WAIT_S), "the new member did not take its partitions"
        browser.find_element(By.ID, "alarms-comment").send_keys("pumps running at the bridge")
        browser.find_element(By.ID, "alarms-add-comment").click()
        wait_for(browser, RESULT, "the restarted consumer should take the comment", "Done: comment")
        alarm = view.snapshot.entities[f"alarm:{alarm_id}"]
        assert alarm["ack"]["by"] == OPERATOR and alarm["ack"]["comment"] == "crew sent to the Nanming bridge"
        assert [e["what"] for e in alarm["trail"]] == ["raised", "ack", "comment"], alarm["trail"]
        assert member.runner.restores, "the second member should have rebuilt its partitions from the changelog"
    finally:
        member.stop()

    # What the page offers to take away downloads: the trail as CSV, and the situation report.
    downloads = Path(tempfile.mkdtemp(prefix="cityops-downloads-"))
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    browser.find_element(By.ID, "alarms-trail-csv").click()
    browser.find_element(By.ID, "alarms-report").click()

    def downloaded() -> list[Path]:
        done = [p for p in downloads.iterdir() if not p.name.endswith(".crdownload")]
        return done if len(done) == 2 else []

    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while not downloaded():
        assert time.monotonic() < deadline, f"downloads: {list(downloads.iterdir())}"
        time.sleep(0.2)
    trail = next(p for p in downloaded() if p.suffix == ".csv")
    rows = list(csv.DictReader(io.StringIO(trail.read_text(encoding="utf-8"))))
    assert [(r["alarm"], r["what"]) for r in rows] == [(alarm_id, "raised"), (alarm_id, "ack"), (alarm_id, "comment")]
    report = next(p for p in downloaded() if p.suffix == ".html")
    assert report.name.startswith("situation-") and alarm_id in report.read_text(encoding="utf-8")

    # From the alarm to its district's page (the day's risk, its sensors worst first, its alarms), and on to the
    # sensor's page (its river chart and the alarm's trail).
    browser.get(f"{demo}/alarms?alarm={alarm_id}")
    wait_for(
        browser,
        "return document.querySelector('#alarms-detail .alarms-detail-links a')?.href.includes('/district/');",
        "the alarm's detail should link its district",
    )
    click(browser, "#alarms-detail .alarms-detail-links a")
    first_sensor = wait_for(
        browser,
        "return document.querySelector('#district-sensors tr td b')?.innerText;",
        "the district page should list its sensors",
    )
    assert first_sensor == gauge.id  # the gauge in flood warning heads the district's sensors
    assert alarm_id in browser.find_element(By.ID, "district-alarms").text
    assert wait_for(
        browser,
        "return document.querySelectorAll('#district-history .scatterlayer .trace').length >= 1;",
        "the district's risk chart should draw",
    )
    browser.save_screenshot(str(SCREENSHOTS / "district-page.png"))
    click(browser, "#district-sensors tr td a")
    wait_for(
        browser,
        "return document.querySelectorAll('#sensor-chart .scatterlayer .trace').length >= 1;",
        "the sensor page should draw the gauge's chart",
    )
    trail = wait_for(
        browser,
        "return document.querySelector('#sensor-alarms details')?.innerText;",
        "the sensor page should list its alarm",
    )
    assert alarm_id in str(trail)
    browser.save_screenshot(str(SCREENSHOTS / "sensor-page.png"))
