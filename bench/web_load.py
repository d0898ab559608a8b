"""The web tier under 50 browsers, and what a first page load costs over the wire.

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 python -m bench.web_load [--browsers 50] [--seconds 30] [--rounds 3]

Starts the product as the Procfile runs it (its ``web``, ``consumers`` and ``simulator`` lines, each command
as written, with topics of its own), then:

* **first load**: every request a real headless Chromium makes to draw the map page (read from its own network
  log), fetched again with ``Accept-Encoding: gzip, deflate, br`` as Chromium sends it: bytes over the wire,
  and what a second visit fetches again (what the caching headers do not spare);
* **50 browsers**: threads, each doing per second what the page does (read from the same log): the map
  refresh POST (``map-pull``), the gauge-panel callback POST that follows each changed refresh (``map-seen``),
  and ``GET /api/v1/status`` (``assets/freshness.js``), on kept-alive connections. Latency of every request,
  errors, bytes per changed update, and the web processes' CPU. Rounds of ``--seconds`` each; medians.

It checks it did the work it timed: every simulated browser must have received changed updates (the
simulator runs), and a round with fewer answered requests than asked is reported as such.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PROCFILE = REPO / "Procfile"


def procfile(path: Path = PROCFILE) -> dict[str, str]:
    """The Procfile's processes: name -> command line, as written."""
    out = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            out[name.strip()] = command.strip()
    return out


def free_port(low: int = 18100, high: int = 18199) -> int:
    """A free port in the range given to this bench (so that parallel runs of other work do not collide)."""
    import socket

    for port in range(low, high + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high}")


def cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in a process group (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:  # fields[2] is the process group; utime, stime are fields 11, 12
            total += int(fields[11]) + int(fields[12])
    return total / tick


@dataclass
class Stack:
    """The Procfile's processes against one broker, with topics and a consumer group of their own."""

    bootstrap: str
    processes: Sequence[str] = ("web", "consumers", "simulator")
    env_extra: dict[str, str] = field(default_factory=dict)
    per_process: dict[str, dict[str, str]] = field(default_factory=dict)
    """Variables for one process only (the freshness bench gives the simulator a pack of its own)."""
    port: int = 0
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cityops-bench-web-")))
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        venv_bin = str(Path(sys.executable).parent)
        return {
            **os.environ,
            "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "CITYOPS_TOPIC_PREFIX": f"bweb{self.tag}",
            "CITYOPS_CONSUMER_GROUP": f"bweb{self.tag}",
            "CITYOPS_CLOCK": "simulated",  # the simulator runs at 60x, as README's `make kafka-demo`
            "CITYOPS_DEMO_MODE": "1",  # anonymous viewers, as at an exhibition: the load is the map's, not sign-in's
            "CITYOPS_USERS_DB": f"/tmp/bweb{self.tag}.sqlite",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            **self.env_extra,
        }

    def start(self, timeout_s: float = 180) -> Stack:
        self.port = self.port or free_port()
        commands = procfile()
        for name in self.processes:
            env = {**self.env(), **self.per_process.get(name, {})}
            with open(self.logs / f"{name}.log", "wb") as log:
                self.procs[name] = subprocess.Popen(
                    ["bash", "-c", "exec " + commands[name]],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # a process group each: the web's CPU is measured per group
                )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs.values()):
                break
            if self.healthy():
                return self
            time.sleep(1)
        self.stop()
        tails = {n: (self.logs / f"{n}.log").read_text()[-1500:] for n in self.processes}
        raise RuntimeError(f"the stack did not become healthy: {tails}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=3) as r:
                if json.load(r)["status"] != "ok":
                    return False
            if "simulator" not in self.processes:
                return True
            with urllib.request.urlopen(f"{self.url}/api/v1/districts", timeout=5) as r:
                return all(d["risk"] is not None for d in json.load(r)["districts"])
        except (OSError, ValueError, KeyError):
            return False

    def web_cpu(self) -> float:
        return cpu_seconds(self.procs["web"].pid)

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs.clear()


@contextlib.contextmanager
def running(bootstrap: str, **kwargs: Any) -> Iterator[Stack]:
    stack = Stack(bootstrap, **kwargs).start()
    try:
        yield stack
    finally:
        stack.stop()


def chromium(extra: Sequence[str] = ()) -> Any:
    """Debian's headless Chromium with the options of tests/conftest.py, and its network log kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.chromium import CHROMEDRIVER, chromium_options

    options = chromium_options(tempfile.mkdtemp(prefix="cityops-bench-chromium-"), *extra)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


# --- what a page asks for, per update (as Chromium's network log shows it) -------------------------------------

ACCEPT_ENCODING = "gzip, deflate, br, zstd"
"""What Chromium sends: the simulated browsers accept (and decode) the same."""
REFRESH_OUTPUTS: tuple[str, ...] = ("map-graph.figure", "map-alarms.children", "map-districts.children")
REFRESH_OUTPUTS += (
    "map-summary.children",
    "map-river-banner.children",
    "map-incidents.children",
    "map-faults.children",
    "map-seen.data",
    "map-done.data",
)
GAUGE_OUTPUTS: tuple[str, ...] = ("map-detail-panel.hidden", "map-detail-graph.figure", "map-detail-status.children")
GAUGE_OUTPUTS += ("map-detail-seen.data",)


def _outputs(names: Sequence[str]) -> tuple[str, list[dict[str, str]]]:
    pairs = [n.rsplit(".", 1) for n in names]
    return ".." + "...".join(names) + "..", [{"id": i, "property": p} for i, p in pairs]


def refresh_body(pull: int, seen: str | None, lang: str = "en") -> bytes:
    """The map refresh POST of ``dashboard/pages/map.py`` (``map-pull`` changed), as the page sends it."""
    output, outputs = _outputs(REFRESH_OUTPUTS)
    return json.dumps(
        {
            "output": output,
            "outputs": outputs,
            "inputs": [{"id": "map-pull", "property": "data", "value": pull}],
            "changedPropIds": ["map-pull.data"],
            "parsedChangedPropsIds": ["map-pull.data"],
            "state": [
                {"id": "map-seen", "property": "data", "value": seen},
                {"id": "map-lang", "property": "data", "value": lang},
                {"id": "map-lookback-at", "property": "data", "value": None},
            ],
        }
    ).encode()


def gauge_body(seen: str, lang: str = "en") -> bytes:
    """The gauge panel's POST that follows every changed refresh while no gauge is open (``map-seen`` changed)."""
    output, outputs = _outputs(GAUGE_OUTPUTS)
    return json.dumps(
        {
            "output": output,
            "outputs": outputs,
            "inputs": [{"id": "map-detail", "property": "data"}, {"id": "map-seen", "property": "data", "value": seen}],
            "changedPropIds": ["map-seen.data"],
            "parsedChangedPropsIds": ["map-seen.data"],
            "state": [
                {"id": "map-detail-seen", "property": "data"},
                {"id": "map-lang", "property": "data", "value": lang},
            ],
        }
    ).encode()


def decode(body: bytes, encoding: str | None) -> bytes:
    if not encoding or encoding == "identity":
        return body
    if encoding == "gzip":
        import gzip

        return gzip.decompress(body)
    if encoding == "deflate":
        import zlib

        return zlib.decompress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-untyped,unused-ignore]

        return bytes(brotli.decompress(body))
    if encoding == "zstd":
        from backports import zstd  # type: ignore[import-untyped,unused-ignore]  # flask-compress's, until 3.14

        return bytes(zstd.decompress(body))
    raise ValueError(f"unknown Content-Encoding {encoding}")


@dataclass
class Sample:
    kind: str  # "refresh", "gauge", "status"
    started: float
    seconds: float
    status: int  # 0: no answer (connection error or timeout)
    wire_bytes: int = 0
    changed: bool = False
    error: str = ""


class Client:
    """One kept-alive HTTP/1.1 connection, reopened after an error, as a browser's connection pool would; with the
    browser's cookies, and on a POST the CSRF token that dash-renderer copies from its cookie."""

    def __init__(self, host: str, port: int, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, int, str | None]:
        """(status, decoded body, bytes received: status line + headers + body as sent, Content-Encoding)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        headers = {"Accept-Encoding": ACCEPT_ENCODING, "Accept": "application/json"}
        if method == "POST" and "_csrf_token" not in self.cookies:
            self.request("GET", "/")  # the page load that sets the session and CSRF cookies
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies["_csrf_token"]
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";")[0].partition("=")
            self.cookies[name.strip()] = value
        head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + sum(
            len(k) + len(v) + 4 for k, v in response.getheaders()
        )
        encoding = response.getheader("Content-Encoding")
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, decode(raw, encoding), head + 2 + len(raw), encoding

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class SimulatedBrowser:
    """What one open map page asks of the server, per second (see the module doc), on its own threads."""

    def __init__(
        self, host: str, port: int, samples: list[Sample], lock: threading.Lock, gauge_posts: bool, lang: str = "en"
    ) -> None:
        self.host, self.port, self.samples, self.lock, self.lang = host, port, samples, lock, lang
        self.gauge_posts = gauge_posts
        self.seen: str | None = None
        self.pull = 0

    def _timed(self, client: Client, kind: str, method: str, path: str, body: bytes | None = None) -> bytes | None:
        started = time.time()
        t0 = time.perf_counter()
        try:
            status, data, wire, _ = client.request(method, path, body)
            error = "" if status == 200 else f"HTTP {status}"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            status, data, wire, error = 0, b"", 0, type(exc).__name__
        elapsed = time.perf_counter() - t0
        changed = False
        if status == 200 and kind == "refresh":
            try:
                answer = json.loads(data)["response"]
            except (ValueError, KeyError):
                error, status = "unreadable answer", 0
                answer = {}
            seen = answer.get("map-seen", {}).get("data")
            if seen is not None:
                self.seen, changed = seen, True
        with self.lock:
            self.samples.append(Sample(kind, started, elapsed, status, wire, changed, error))
        return data if status == 200 else None

    def updates(self, stop_at: float, stop: threading.Event) -> None:
        """The map's pull chain: a refresh a second (the next only after the last answered), and the gauge
        panel's callback after every refresh that changed ``map-seen``."""
        client = Client(self.host, self.port)
        tick = time.monotonic()
        while not stop.is_set() and time.monotonic() < stop_at:
            self.pull += 1
            before = self.seen
            self._timed(
                client, "refresh", "POST", "/_dash-update-component", refresh_body(self.pull, before, self.lang)
            )
            if self.gauge_posts and self.seen is not None and self.seen != before:
                self._timed(client, "gauge", "POST", "/_dash-update-component", gauge_body(self.seen, self.lang))
            tick += 1.0
            stop.wait(max(0.0, tick - time.monotonic()))
        client.close()

    def clock(self, stop_at: float, stop: threading.Event) -> None:
        """``assets/freshness.js``: ``GET /api/v1/status`` once a second, one at a time."""
        client = Client(self.host, self.port)
        path = "/api/v1/status" + ("" if self.lang == "en" else f"?lang={self.lang}")
        tick = time.monotonic()
        while not stop.is_set() and time.monotonic() < stop_at:
            self._timed(client, "status", "GET", path)
            tick += 1.0
            stop.wait(max(0.0, tick - time.monotonic()))
        client.close()


def gauge_follows_refresh(url: str) -> bool:
    """Whether the page POSTs the gauge panel's callback after every changed refresh with no gauge open: it does
    if a server-side callback takes ``map-seen`` as an input (read from the page's own ``/_dash-dependencies``)."""
    with urllib.request.urlopen(f"{url}/_dash-dependencies", timeout=30) as response:
        callbacks = json.loads(decode(response.read(), response.headers.get("Content-Encoding")))
    return any(
        cb.get("clientside_function") is None and any(i["id"] == "map-seen" for i in cb["inputs"]) for cb in callbacks
    )


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class LoadRound:
    browsers: int
    seconds: float
    samples: list[Sample]
    web_cores: float

    def timed(self, kind: str | None = None) -> list[Sample]:
        return [s for s in self.samples if kind is None or s.kind == kind]

    def latency_ms(self, q: float, kind: str | None = None) -> float:
        return 1000 * percentile([s.seconds for s in self.timed(kind)], q)

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.status != 200]

    def changed_bytes(self) -> float:
        """Bytes received for one changed update: the refresh that changed and the gauge callback it triggers."""
        refresh = [s.wire_bytes for s in self.samples if s.kind == "refresh" and s.changed and s.status == 200]
        gauge = [s.wire_bytes for s in self.samples if s.kind == "gauge" and s.status == 200]
        return statistics.median(refresh) + (statistics.median(gauge) if gauge else 0.0) if refresh else float("nan")

    def unchanged_bytes(self) -> float:
        same = [s.wire_bytes for s in self.samples if s.kind == "refresh" and not s.changed and s.status == 200]
        return statistics.median(same) if same else float("nan")

    def status_bytes(self) -> float:
        polls = [s.wire_bytes for s in self.samples if s.kind == "status" and s.status == 200]
        return statistics.median(polls) if polls else float("nan")

    def expected_requests(self) -> int:
        """Refreshes and status polls the browsers were to make in the measured window (one each a second)."""
        return int(2 * self.browsers * self.seconds)


def start_browsers(
    stack: Stack,
    browsers: int,
    samples: list[Sample],
    lock: threading.Lock,
    stop: threading.Event,
    stop_at: float,
    seed: int = 1,
) -> list[threading.Thread]:
    """``browsers`` simulated pages, each with its refresh chain and its clock on threads of their own, opened at
    random moments of one second (seeded), as people open pages, and their clocks at random moments of theirs."""
    gauge_posts = gauge_follows_refresh(stack.url)
    rng = random.Random(seed)
    threads = []
    for i in range(browsers):
        page = SimulatedBrowser("127.0.0.1", stack.port, samples, lock, gauge_posts)
        for target in (page.updates, page.clock):
            offset = rng.random()
            thread = threading.Thread(
                target=lambda f=target, o=offset: (stop.wait(o), f(stop_at, stop)), daemon=True, name=f"page-{i}"
            )
            threads.append(thread)
            thread.start()
    return threads


def load_round(stack: Stack, browsers: int, seconds: float, warmup_s: float = 5.0) -> LoadRound:
    """``browsers`` simulated pages for ``warmup_s + seconds``; only the last ``seconds`` are kept."""
    samples: list[Sample] = []
    lock = threading.Lock()
    stop = threading.Event()
    start = time.monotonic()
    stop_at = start + warmup_s + seconds
    threads = start_browsers(stack, browsers, samples, lock, stop, stop_at)
    stop.wait(max(0.0, start + warmup_s - time.monotonic()))
    measured_from = time.time()
    cpu0, wall0 = stack.web_cpu(), time.monotonic()
    stop.wait(max(0.0, stop_at - time.monotonic()))
    cpu1, wall1 = stack.web_cpu(), time.monotonic()
    for thread in threads:
        thread.join(timeout=30)
    stop.set()
    with lock:
        kept = [s for s in samples if s.started >= measured_from]
    return LoadRound(browsers, seconds, kept, (cpu1 - cpu0) / (wall1 - wall0))


# --- first load, as Chromium fetches it -------------------------------------------------------------------------

MAP_READY_JS = """
const gd = document.querySelector('#map-graph .js-plotly-plot');
const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
return Boolean(map && map.loaded() && document.querySelector('.map-district-row'));
"""


@dataclass
class Fetched:
    method: str
    url: str
    kind: str
    status: int
    wire_bytes: int
    encoding: str
    cache_control: str


def network_log(driver: Any, base: str) -> list[Fetched]:
    """Requests to ``base`` in Chromium's performance log since the last call, with the bytes each took on the
    wire (``encodedDataLength``: headers and body as received; 0 for what came from the browser's cache)."""
    requests: dict[str, dict[str, Any]] = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        rid = params.get("requestId")
        if message["method"] == "Network.requestWillBeSent" and params["request"]["url"].startswith(base):
            request = params["request"]
            kind = request["url"][len(base) :].split("?")[0]
            if request.get("postData"):
                kind = "POST " + json.loads(request["postData"])["output"]
            requests[rid] = {"method": request["method"], "url": request["url"], "kind": kind, "bytes": 0}
        elif rid in requests and message["method"] == "Network.responseReceived":
            headers = {k.lower(): v for k, v in params["response"]["headers"].items()}
            requests[rid]["status"] = params["response"]["status"]
            requests[rid]["encoding"] = headers.get("content-encoding", "")
            requests[rid]["cache"] = headers.get("cache-control", "")
        elif rid in requests and message["method"] == "Network.loadingFinished":
            requests[rid]["bytes"] = int(params["encodedDataLength"])
    return [
        Fetched(
            r["method"],
            r["url"],
            r["kind"],
            int(r.get("status", 0)),
            r["bytes"],
            r.get("encoding", ""),
            r.get("cache", ""),
        )
        for r in requests.values()
    ]


def page_load(driver: Any, url: str, timeout_s: float = 120) -> tuple[float, list[Fetched]]:
    """Open the map, wait until it is drawn; (seconds, the requests of the load: periodic ones only once)."""
    driver.get_log("performance")  # drop what came before
    t0 = time.perf_counter()
    driver.get(url)
    deadline = time.monotonic() + timeout_s
    while not driver.execute_script(MAP_READY_JS):
        if time.monotonic() > deadline:
            raise RuntimeError("the map page did not finish loading")
        time.sleep(0.1)
    elapsed = time.perf_counter() - t0
    time.sleep(1.5)  # the first refresh and status poll after the map is drawn belong to the load too
    fetched, kinds = [], set()
    for f in network_log(driver, url.rstrip("/")):
        periodic = f.kind.startswith(("POST ..map-graph", "POST ..map-detail")) or f.kind == "/api/v1/status"
        if periodic and f.kind in kinds:
            continue
        kinds.add(f.kind)
        fetched.append(f)
    return elapsed, fetched


@dataclass
class FirstLoad:
    seconds: float
    fetched: list[Fetched]
    repeat_seconds: float
    repeat: list[Fetched]

    @property
    def wire_bytes(self) -> int:
        return sum(f.wire_bytes for f in self.fetched)

    @property
    def repeat_bytes(self) -> int:
        return sum(f.wire_bytes for f in self.repeat)


def first_load(url: str) -> FirstLoad:
    """A fresh profile's first visit, then a second visit with its cache (a wall reloading, a manager coming back)."""
    driver = chromium()
    try:
        seconds, fetched = page_load(driver, url)
        driver.get("about:blank")
        repeat_seconds, repeat = page_load(driver, url)
    finally:
        driver.quit()
    return FirstLoad(seconds, fetched, repeat_seconds, repeat)


# --- the bench ---------------------------------------------------------------------------------------------------

TARGET_P95_MS = 150.0
TARGET_FIRST_LOAD_BYTES = 2_000_000


def kib(n: float) -> str:
    return f"{n / 1024:.1f} KiB"


def optional_kib(values: Sequence[float], absent: str) -> str:
    """The median of the rounds that saw any (NaN: a round saw none), or ``absent`` when none did: with the
    simulator running every refresh may change something, and "nan" read like a failure."""
    seen = [v for v in values if not math.isnan(v)]
    return kib(statistics.median(seen)) if seen else absent


def run(bootstrap: str, browsers: int = 50, seconds: float = 30.0, rounds: int = 3) -> list[tuple[str, str, str]]:
    """Start the Procfile's processes, measure, stop them; (measure, figure, target) rows."""
    with running(bootstrap) as stack:
        loads = [first_load(stack.url) for _ in range(rounds)]
        results = [load_round(stack, browsers, seconds) for _ in range(rounds)]
    return report(loads, results, browsers)


def report(loads: list[FirstLoad], results: list[LoadRound], browsers: int) -> list[tuple[str, str, str]]:
    def med(values: Sequence[float]) -> float:
        return statistics.median(values)

    def each(values: Sequence[float], fmt: str) -> str:
        return ", ".join(fmt.format(v) for v in values)

    for r in results:
        changed = sum(1 for s in r.samples if s.kind == "refresh" and s.changed)
        if changed < r.browsers:  # the simulator runs: every page must have had changed updates to time
            raise RuntimeError(f"only {changed} changed updates for {r.browsers} browsers: nothing was timed")
    first = [load.wire_bytes for load in loads]
    repeat = [load.repeat_bytes for load in loads]
    p50 = [r.latency_ms(50) for r in results]
    p95 = [r.latency_ms(95) for r in results]
    p99 = [r.latency_ms(99) for r in results]
    errors = [len(r.errors) for r in results]
    answered = [len(r.timed("refresh")) + len(r.timed("status")) for r in results]
    expected = [r.expected_requests() for r in results]
    biggest = sorted(loads[0].fetched, key=lambda f: -f.wire_bytes)[:3]
    again = sorted(loads[0].repeat, key=lambda f: -f.wire_bytes)[:3]
    rows = [
        ("first page load over the wire", f"{med(first) / 1e6:.2f} MB ({each(first, '{:.0f}')} B)", "< 2 MB"),
        ("  largest: " + ", ".join(f"{f.kind[-40:]} {kib(f.wire_bytes)}" for f in biggest), "", ""),
        ("second visit, cache warm", f"{kib(med(repeat))} ({each(repeat, '{:.0f}')} B)", ""),
        ("  largest: " + ", ".join(f"{f.kind[-40:]} {kib(f.wire_bytes)}" for f in again), "", ""),
        ("first load until the map is drawn", f"{med([x.seconds for x in loads]):.1f} s", ""),
        (f"{browsers} browsers, all requests p50", f"{med(p50):.0f} ms ({each(p50, '{:.0f}')})", ""),
        (f"{browsers} browsers, all requests p95", f"{med(p95):.0f} ms ({each(p95, '{:.0f}')})", "< 150 ms"),
        (f"{browsers} browsers, all requests p99", f"{med(p99):.0f} ms ({each(p99, '{:.0f}')})", ""),
    ]
    for kind in ("refresh", "gauge", "status"):
        if not any(r.timed(kind) for r in results):  # the page makes none of these (no gauge POST, say)
            rows.append((f"  {kind} p50 / p95", "none made", ""))
            continue
        kp95 = [r.latency_ms(95, kind) for r in results]
        rows.append(
            (f"  {kind} p50 / p95", f"{med([r.latency_ms(50, kind) for r in results]):.0f} / {med(kp95):.0f} ms", "")
        )
    rows += [
        ("errors (non-200 or no answer)", f"{sum(errors)} ({each(errors, '{:.0f}')})", "0"),
        ("requests answered / asked (refresh + status)", f"{sum(answered)} / {sum(expected)}", ""),
        ("bytes per changed update (refresh + gauge)", kib(med([r.changed_bytes() for r in results])), "reported"),
        ("bytes per unchanged refresh", optional_kib([r.unchanged_bytes() for r in results], "none seen"), ""),
        ("bytes per status poll", kib(med([r.status_bytes() for r in results])), ""),
        ("web processes' CPU under load", f"{med([r.web_cores for r in results]):.2f} cores", ""),
    ]
    return rows


def print_table(title: str, rows: Sequence[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    fig = max(len(r[1]) for r in rows)
    print(f"\n{title}\n")
    print(f"{'measure'.ljust(width)}  {'figure'.ljust(fig)}  target")
    for measure, figure, target in rows:
        print(f"{measure.ljust(width)}  {figure.ljust(fig)}  {target}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--browsers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.bootstrap:
        parser.error("set KAFKA_BOOTSTRAP_SERVERS or --bootstrap")
    rows = run(args.bootstrap, args.browsers, args.seconds, args.rounds)
    print_table(f"web tier: Procfile web process, {args.browsers} browsers, {args.rounds} rounds", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
