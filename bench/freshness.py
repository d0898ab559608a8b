"""How long a reading takes from the producer to ``/api/v1`` and to the page a person looks at.

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 python -m bench.freshness [--rounds 3] [--changes 12]

Starts the Procfile's processes (``bench.web_load.Stack``: web, consumers and the 60x simulator, topics of
their own). One sensor is the bench's: the fire alarm panel of Kaiyang County People's Hospital (``B-14-PANEL``),
left out of the simulator's copy of the pack (with its building) so that only the bench reports it, as a real
panel would. Each change
is one reading sent with a plain kafka-python producer: ``alarm`` turns Kaiyang red, ``normal`` turns it back,
alternately, at a random moment (the phase of the consumers' flush and of the page's refresh varies).

* **API, simulator running**: from the send to the first ``GET /api/v1/districts/520121`` (a new connection each
  time, so any web worker may answer) that shows the district's new level;
* **page, 50 browsers**: the same, with ``bench.web_load``'s 50 simulated browsers on the server and a real
  headless Chromium showing the map: from the send to the moment the page's own DOM shows the district's row
  at the new level (checked in the page every 20 ms, stamped with the page's clock; same machine, same clock).

Rounds of ``--changes`` changes each; the figures are medians of the rounds' p50 and p95, and every change must
have been seen (a change not visible within 60 s fails the bench).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kafka.producer import KafkaProducer

from bench.web_load import REPO, Stack, chromium, percentile, print_table, start_browsers
from consumers.contract import Reading

PANEL = "B-14-PANEL"
DISTRICT = "520121"  # Kaiyang
TIMEOUT_S = 60.0

DOM_WATCH_JS = """
const code = arguments[0];
window.cityopsBench = {want: null, seenMs: null};
setInterval(function () {
    const w = window.cityopsBench;
    if (w.want === null || w.seenMs !== null) { return; }
    const row = [...document.querySelectorAll('.map-district-row')].find((r) => r.id.includes('"' + code + '"'));
    const alarm = Boolean(row && row.classList.contains('level-alarm'));
    if (alarm === w.want) { w.seenMs = Date.now(); }
}, 20);
"""


def simulator_pack(without: str) -> Path:
    """A copy of the assets without the building of one device: for the simulator only."""
    root = Path(tempfile.mkdtemp(prefix="cityops-bench-pack-"))
    shutil.copytree(REPO / "assets", root / "assets", ignore=shutil.ignore_patterns("*.png"))
    path = root / "assets" / "city" / "guiyang" / "buildings.json"
    buildings = json.loads(path.read_text())
    # The pack wants every fire device type in every building: the building goes, with all its devices.
    path.write_text(json.dumps([b for b in buildings if all(d["id"] != without for d in b["devices"])]))
    return root / "assets"


def get_json(port: int, path: str) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return json.loads(response.read())
    finally:
        conn.close()


def district_alarm(port: int) -> bool:
    return bool(get_json(port, f"/api/v1/districts/{DISTRICT}")["level"] == "alarm")


def newest_event_time(port: int) -> datetime:
    """The newest event time in the view: about the simulator's clock (the panel's readings must not go stale)."""
    times = [d["event_time"] for d in get_json(port, "/api/v1/districts")["districts"] if d["event_time"]]
    return max(datetime.fromisoformat(t) for t in times)


@dataclass
class Change:
    api_s: float
    page_s: float | None


class Panel:
    """The bench's own sensor: readings in event-time order, each at least the view's newest event time."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.producer = KafkaProducer(bootstrap_servers=stack.bootstrap, linger_ms=0)
        self.topic = f"{stack.env()['CITYOPS_TOPIC_PREFIX']}.fire"
        self.last: datetime | None = None
        self.alarm = False

    def flip(self) -> tuple[bool, float]:
        """Send the other state; (the state sent, wall time just before the send)."""
        at = newest_event_time(self.stack.port)
        if self.last is not None:
            at = max(at, self.last + timedelta(seconds=1))
        self.last = at
        self.alarm = not self.alarm
        reading = Reading("fire.alarm_panel", PANEL, DISTRICT, at, {"status": "alarm" if self.alarm else "normal"})
        sent = time.time()
        self.producer.send(self.topic, key=DISTRICT.encode(), value=reading.encode()).get(timeout=30)
        return self.alarm, sent

    def close(self) -> None:
        self.producer.close()


def wait_api(port: int, want: bool, sent: float) -> float:
    while time.time() - sent < TIMEOUT_S:
        try:
            if district_alarm(port) == want:
                return time.time() - sent
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"district {DISTRICT} did not show alarm={want} in /api/v1 within {TIMEOUT_S:.0f} s")


def settle(panel: Panel, port: int) -> None:
    """Start each round from a calm Kaiyang, seen by the API."""
    if district_alarm(port) or panel.alarm:
        panel.alarm = True
        want, sent = panel.flip()
        wait_api(port, want, sent)


def api_round(stack: Stack, panel: Panel, changes: int) -> list[Change]:
    out = []
    settle(panel, stack.port)
    for _ in range(changes):
        time.sleep(random.uniform(0.3, 1.3))
        want, sent = panel.flip()
        out.append(Change(wait_api(stack.port, want, sent), None))
    return out


def page_round(stack: Stack, panel: Panel, driver: Any, changes: int) -> list[Change]:
    out = []
    settle(panel, stack.port)
    for _ in range(changes):
        time.sleep(random.uniform(0.3, 1.3))
        driver.execute_script(
            "window.cityopsBench.want = arguments[0]; window.cityopsBench.seenMs = null;", not panel.alarm
        )
        want, sent = panel.flip()
        api = wait_api(stack.port, want, sent)
        while (seen := driver.execute_script("return window.cityopsBench.seenMs")) is None:
            if time.time() - sent > TIMEOUT_S:
                raise RuntimeError(
                    f"the page did not show district {DISTRICT} at alarm={want} within {TIMEOUT_S:.0f} s"
                )
            time.sleep(0.05)
        out.append(Change(api, seen / 1000 - sent))
    return out


def open_page(url: str) -> Any:
    driver = chromium()
    driver.get(url)
    deadline = time.monotonic() + 120
    while not driver.execute_script("return Boolean(document.querySelector('.map-district-row'))"):
        if time.monotonic() > deadline:
            driver.quit()
            raise RuntimeError("the map page did not load")
        time.sleep(0.2)
    driver.execute_script(DOM_WATCH_JS, DISTRICT)
    return driver


def run(
    bootstrap: str, rounds: int = 3, changes: int = 12, browsers: int = 50, flush_interval_s: float | None = None
) -> list[tuple[str, str, str]]:
    """Start the Procfile's processes, measure, stop them; (measure, figure, target) rows."""
    extra = {} if flush_interval_s is None else {"CITYOPS_FLUSH_INTERVAL_S": f"{flush_interval_s:g}"}
    stack = Stack(
        bootstrap, env_extra=extra, per_process={"simulator": {"CITYOPS_ASSETS_DIR": str(simulator_pack(PANEL))}}
    )
    stack.start()
    panel = Panel(stack)
    try:
        api_rounds = [api_round(stack, panel, changes) for _ in range(rounds)]
        stop = threading.Event()
        lock = threading.Lock()
        samples: list[Any] = []
        threads = start_browsers(stack, browsers, samples, lock, stop, float("inf"))
        driver = open_page(stack.url)
        try:
            page_rounds = [page_round(stack, panel, driver, changes) for _ in range(rounds)]
        finally:
            driver.quit()
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        errors = sum(1 for s in samples if s.status != 200)
    finally:
        panel.close()
        stack.stop()
    return report(api_rounds, page_rounds, browsers, errors, flush_interval_s)


def report(
    api_rounds: list[list[Change]],
    page_rounds: list[list[Change]],
    browsers: int,
    errors: int,
    flush_interval_s: float | None,
) -> list[tuple[str, str, str]]:
    def figure(values_per_round: list[list[float]], q: float) -> str:
        per_round = [percentile(v, q) for v in values_per_round]
        return f"{statistics.median(per_round):.2f} s ({', '.join(f'{v:.2f}' for v in per_round)})"

    idle_api = [[c.api_s for c in r] for r in api_rounds]
    busy_api = [[c.api_s for c in r] for r in page_rounds]
    page = [[c.page_s for c in r if c.page_s is not None] for r in page_rounds]
    everything = [v for r in page for v in r]
    flush = "default" if flush_interval_s is None else f"{flush_interval_s:g} s"
    return [
        (f"produce -> /api/v1, simulator running, p50 (flush {flush})", figure(idle_api, 50), ""),
        (f"produce -> /api/v1, simulator running, p95 (flush {flush})", figure(idle_api, 95), "< 1 s"),
        (f"produce -> /api/v1, + {browsers} browsers, p50", figure(busy_api, 50), ""),
        (f"produce -> /api/v1, + {browsers} browsers, p95", figure(busy_api, 95), "< 1 s"),
        (f"produce -> page DOM (Chromium), {browsers} browsers, p50", figure(page, 50), ""),
        (f"produce -> page DOM (Chromium), {browsers} browsers, p95", figure(page, 95), "< 2 s"),
        ("produce -> page DOM, slowest of all changes", f"{max(everything):.2f} s of {len(everything)}", ""),
        (f"{browsers} browsers' request errors meanwhile", str(errors), "0"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changes", type=int, default=12)
    parser.add_argument("--browsers", type=int, default=50)
    parser.add_argument("--flush-interval", type=float, default=None, help="CITYOPS_FLUSH_INTERVAL_S for the run")
    args = parser.parse_args(argv)
    if not args.bootstrap:
        parser.error("set KAFKA_BOOTSTRAP_SERVERS or --bootstrap")
    rows = run(args.bootstrap, args.rounds, args.changes, args.browsers, args.flush_interval)
    print_table(f"freshness: Procfile processes, {args.rounds} rounds of {args.changes} changes", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
