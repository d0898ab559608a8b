"""From an acknowledgement clicked in one browser to the alarm shown acknowledged by another web worker (issue 10).

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 python -m bench.alarm_latency [--alarms 20]

On the real broker, with topics of their own: a consumer-group member on a thread, two web processes
(``python -m dashboard``, sign-in required, the default 1-second page refresh) and two headless Chromiums, one on
each, an operator signed in on A and a viewer on B.
``--alarms`` hydrants report a pressure below the minimum, which raises an alarm each. Then, one alarm after the
other, browser A opens it and clicks "Acknowledge"; the clock runs from the click to the moment browser B's list
shows the row acknowledged (B's page polled every 50 ms), and, as the floor the browsers add to, to the moment a
state view in this process (a third reader of ``city.alarms``) has the acknowledgement. Printed: p50 and p95 of
each, and their ratio. Checked: every alarm was acknowledged, by the operator, once.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from consumers.citypack import load_city_pack
from consumers.clock import SystemClock
from consumers.contract import Reading
from consumers.runner import ConsumerRunner
from consumers.settings import Settings, Topics
from consumers.transport import open_transport, topic_specs
from dashboard.auth.store import AccountStore
from dashboard.state_view import StateView

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")
WAIT_S = 90.0


def chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1920,1080"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='cityops-bench-')}")
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)


OPERATOR, PASSWORD = "bench.operator", "bench password 1"


def web(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": str(settings.kafka_bootstrap_servers),
        "CITYOPS_TOPIC_PREFIX": settings.topics.prefix,
        "CITYOPS_DEMO_MODE": "0",
        "CITYOPS_USERS_DB": str(log.parent / "users.sqlite"),  # both workers share one deployment's accounts
    }
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "dashboard"], cwd=REPO, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return server
        except urllib.error.HTTPError:
            return server  # 503: up, the picture not yet fresh
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"web server on {port} did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)


def until(test: Callable[[], T], what: str, every_s: float = 0.05) -> T:
    deadline = time.monotonic() + WAIT_S
    while True:
        found = test()
        if found:
            return found
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting: {what}")
        time.sleep(every_s)


ROW_ACKED = """
const rows = [...document.querySelectorAll('#alarms-active tr.alarms-row')];
const row = rows.find((r) => r.querySelector('small')?.innerText === arguments[0]);
return Boolean(row && row.classList.contains('alarms-row-acknowledged'));
"""


def click_row(driver: webdriver.Chrome, alarm_id: str) -> None:
    def clicked() -> bool:
        try:
            driver.find_element(By.XPATH, f"//tr[contains(@class,'alarms-row')][.//small[text()='{alarm_id}']]").click()
            return True
        except StaleElementReferenceException:
            return False

    until(clicked, f"a click on {alarm_id}'s row")
    until(
        lambda: driver.execute_script(
            "return document.querySelector('#alarms-detail .alarms-detail-head')?.innerText.includes(arguments[0]);",
            alarm_id,
        ),
        f"{alarm_id}'s detail",
    )


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alarms", type=int, default=20)
    args = parser.parse_args()
    base = Settings.from_env()
    if base.embedded:
        raise SystemExit("set KAFKA_BOOTSTRAP_SERVERS: this measures the path through a real broker")
    tag = uuid.uuid4().hex[:8]
    settings = replace(base, topics=Topics(f"bench{tag}"), consumer_group=f"bench{tag}")
    pack = load_city_pack(settings.city_dir)
    transport = open_transport(settings)
    transport.ensure_topics(topic_specs(settings))
    runner = ConsumerRunner(settings, transport, pack, SystemClock(), client_id="bench-alarms")
    stop = threading.Event()
    threading.Thread(target=runner.run, args=(stop,), daemon=True).start()
    view = StateView(settings, transport).start()
    logs = Path(tempfile.mkdtemp(prefix="cityops-bench-web-"))
    accounts = AccountStore(logs / "users.sqlite")
    accounts.add_user(OPERATOR, "operator", PASSWORD, by="bench")
    accounts.add_user("bench.viewer", "viewer", PASSWORD, by="bench")
    servers = [web(settings, 18761 + i, logs / f"web-{i}.log") for i in range(2)]
    browsers = [chromium(), chromium()]
    try:
        hydrants = [s for s in pack.sensors.values() if s.type == "fire.hydrant"][: args.alarms]
        producer = transport.producer()
        now = datetime.now(UTC).replace(microsecond=0)
        for h in hydrants:
            reading = Reading(h.type, h.id, h.district, now, {"pressure_mpa": 0.05})
            producer.send(settings.topics.fire, reading.encode(), key=h.district.encode())
        producer.flush()
        wanted = {f"sensor:{h.id}" for h in hydrants}

        def raised() -> dict[str, str]:
            found = {a["entity"]: str(a["id"]) for a in view.snapshot.of_kind("alarm").values()}
            return {e: i for e, i in found.items() if e in wanted} if wanted <= set(found) else {}

        alarm_ids = sorted(until(raised, f"{args.alarms} alarms raised").values())
        a, b = browsers
        for driver, port, name in ((a, 18761, OPERATOR), (b, 18762, "bench.viewer")):
            driver.get(f"http://127.0.0.1:{port}/auth/login?next=/alarms")
            driver.find_element(By.ID, "auth-name").send_keys(name)
            driver.find_element(By.ID, "auth-password").send_keys(PASSWORD)
            driver.find_element(By.ID, "auth-submit").click()

            def signed_in(d: webdriver.Chrome = driver) -> bool:
                return "/alarms" in d.current_url and "/auth/" not in d.current_url

            until(signed_in, f"{name} signed in")
        until(lambda: b.execute_script("return document.querySelectorAll('#alarms-active tr.alarms-row').length"), "B")
        to_browser: list[float] = []
        to_view: list[float] = []
        for alarm_id in alarm_ids:
            click_row(a, alarm_id)
            clicked = time.monotonic()
            a.find_element(By.ID, "alarms-ack").click()
            seen_view: list[float] = []

            def in_view(alarm_id: str = alarm_id, seen: list[float] = seen_view) -> bool:
                if not seen and (view.snapshot.entities.get(f"alarm:{alarm_id}") or {}).get("ack"):
                    seen.append(time.monotonic())
                return bool(b.execute_script(ROW_ACKED, alarm_id))

            until(in_view, f"{alarm_id} acknowledged in browser B")
            to_browser.append(time.monotonic() - clicked)
            until(lambda: bool(seen_view) or in_view(), "the state view")  # noqa: B023 - called right here
            to_view.append(seen_view[0] - clicked)
        acked = [view.snapshot.entities[f"alarm:{i}"] for i in alarm_ids]
        assert all(x["ack"]["by"] == OPERATOR for x in acked)
        assert all([e["what"] for e in x["trail"]].count("ack") == 1 for x in acked)
    finally:
        for driver in browsers:
            driver.quit()
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        view.stop()
        stop.set()

    print(f"{len(alarm_ids)} acknowledgements, one after the other, clicked in browser A (web worker 1)")
    print(f"  to another reader of city.alarms: p50 {statistics.median(to_view):.2f} s, p95 {p95(to_view):.2f} s")
    print(f"  to browser B (web worker 2):      p50 {statistics.median(to_browser):.2f} s, p95 {p95(to_browser):.2f} s")
    print(f"  ratio, browser to reader (p50): {statistics.median(to_browser) / statistics.median(to_view):.1f}")


if __name__ == "__main__":
    main()
