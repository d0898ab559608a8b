"""Browser memory of the control-room wall over a long run in Chromium: does it stay flat?

    python -m bench.wall_memory [--minutes 30] [--every-s 30] [--period-s 10] [--hold-s 10]

Starts the embedded product (``python -m dashboard``, no ``KAFKA_*``: simulator, consumer and web app in one
process) on the ``demo`` scenario (a fire, a sprinkler fault, a heat wave and a flood, so alarms come and go) at
``CITYOPS_SIM_SPEED=600`` (hours of city time pass) with the wall's pull once a second, and opens the wall
(``/wall?period=10&hold=10``: every view comes round many times; a new critical alarm holds the wall on its place
for 10 s, not the default 2 minutes, or the demo's alarms would keep it on the map) in headless Chromium at
1920x1080. Every ``--every-s`` seconds it forces a garbage collection in the page (``HeapProfiler.collectGarbage``),
so that the figures are live memory and not garbage not yet collected, then reads Chromium's own counters
(``Performance.getMetrics``: the JS heap in use, DOM nodes including detached ones, event listeners, documents), the
elements in the document, the resident memory of the page's renderer process (``/proc``) and the length of
dash-renderer's undo history (its store's ``history.past``, which gains an entry at every tick of the wall's
``dcc.Interval``). Between samples it
reads, once a second, which view the wall shows (``#wall-main``'s class) and the digests of the content it last
received (the ``wall-seen`` store).

On a machine without a GPU the map is drawn in software: while the city view shows, the page's main thread is busy
and the wall's pulls (and this bench's reads) slow down; the boards are cheap.

Printed: a line per sample, then the growth of each figure from the end of the warm-up (the first quarter of the run:
the map's tiles, fonts and plotly's caches fill there) to the end, in percent, and the heap's slope after the
warm-up. The bench measures: it sets no memory budget. It fails (exit 1) only when it did not measure what it should
have: the wall never moved on to another view (``--min-rotations``) or never received new content.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from bench.web_load import free_port
from tests.chromium import CHROMEDRIVER, chromium_options

Row = tuple[str, str, str]
REPO = Path(__file__).resolve().parent.parent
START_WAIT_S = 180.0
"""How long the embedded product may take to answer ``/health`` and the wall to draw (a loaded 2-core machine)."""
WIDTH, HEIGHT = 1920, 1080

WALL = """
// Which view the wall shows, the digest of the content it last received (the wall-seen store, read from Dash's
// store), how many pulls it has had answered (wall-done), how many elements the document holds, and how many entries
// Dash's undo history holds (dash-renderer appends one for every change of a callback's input made in the browser).
const main = document.getElementById('wall-main');
function history() {
  const store = (window.dash_stores || [])[0];
  const h = store && store.getState().history;
  return h && h.past ? h.past.length : null;
}
function stored(id) {
  const stores = window.dash_stores || [];
  for (const store of stores) {
    const state = store.getState();
    const path = state.paths && state.paths.strs && state.paths.strs[id];
    if (!path) { continue; }
    let node = state.layout;
    for (const key of path) { node = node && node[key]; }
    return node && node.props ? node.props.data : null;
  }
  return null;
}
// Each time plotly finishes drawing the wall's map (a whole redraw: in software, frames of ~180 ms): counted by a
// listener put on the graph once.
const gd = document.querySelector('#wall-graph .js-plotly-plot');
if (gd && gd.on && !gd.__benchCounted) {
  gd.__benchCounted = true;
  window.__benchRedraws = 0;
  gd.on('plotly_afterplot', () => { window.__benchRedraws += 1; });
}
return {
  view: main ? main.className : null,
  redraws: window.__benchRedraws === undefined ? null : window.__benchRedraws,
  seen: stored('wall-seen'),
  done: stored('wall-done'),
  elements: document.getElementsByTagName('*').length,
  history: history(),
  ready: Boolean(window.cityopsWall && window.cityopsWall.state),
};
"""
METRICS = ("JSHeapUsedSize", "JSHeapTotalSize", "Nodes", "JSEventListeners", "Documents")


@dataclass
class Sample:
    """One sample, after a forced garbage collection."""

    t_s: float
    view: str
    metrics: dict[str, float]
    elements: int
    renderer_kib: int | None
    dash_history: int | None
    """Entries in dash-renderer's undo history (``history.past`` of its store)."""
    rotations: int
    updates: int
    pulls: int

    @property
    def heap_mib(self) -> float:
        return self.metrics.get("JSHeapUsedSize", float("nan")) / 2**20


@dataclass
class Run:
    """What the bench saw: the samples and the counts that say the wall did its work meanwhile."""

    samples: list[Sample] = field(default_factory=list)
    rotations: int = 0
    """Changes of the view the wall shows (``#wall-main``'s class)."""
    views: set[str] = field(default_factory=set)
    updates: int = 0
    """Changes of the content digest the wall holds (``wall-seen``): content the server sent and the page drew."""
    seen_readable: bool = False
    redraws: int | None = None
    """Times plotly drew the wall's map again since the bench began to count (``plotly_afterplot``)."""
    status_changes: int = 0
    """Changes of the server's ``/api/v1/status`` ``last_data`` (the data behind the wall moved)."""
    pulls_first: int | None = None
    pulls_last: int | None = None


def server_env(port: int, home: Path, speed: float, refresh_ms: int, scenario: str = "demo") -> dict[str, str]:
    """The embedded product: no ``KAFKA_*`` from this shell, accounts in a directory of the bench's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env.update(
        {
            "PORT": str(port),
            "CITYOPS_USERS_DB": str(home / "users.sqlite"),
            "CITYOPS_SIM_SCENARIO": scenario,
            "CITYOPS_SIM_SPEED": f"{speed:g}",
            "CITYOPS_UI_REFRESH_MS": str(refresh_ms),
        }
    )
    return env


SERVE = "import os, runpy; runpy.run_module(os.environ['WALL_MEMORY_SERVE'], run_name='__main__', alter_sys=True)"
"""``python -m dashboard``, run as ``-m`` runs it, with a command line that does not name it: on a shared machine a
``pkill -f dashboard`` meant for another run's server would otherwise end a half-hour measurement half-way (it did)."""


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``python -m dashboard`` (unbuffered: its log is whole if it dies) in a process group of its own, once it
    answers ``/health`` (a 503 is an answer)."""
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-u", "-c", SERVE],
            cwd=REPO,
            env={**env, "WALL_MEMORY_SERVE": "dashboard"},
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{env['PORT']}"
    deadline = time.monotonic() + START_WAIT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5):
                return server
        except urllib.error.HTTPError:
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop_server(server)
                raise SystemExit(f"the embedded product did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.5)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def chromium(profile: Path) -> webdriver.Chrome:
    """Debian's headless Chromium with a wall's viewport, as the browser tests start it."""
    options = chromium_options(str(profile), width=WIDTH, height=HEIGHT)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    return driver


def _ppids() -> dict[int, int]:
    """pid -> parent pid of every live process (``/proc/<pid>/stat``)."""
    out: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            out[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    return out


def renderer_pids(root: int) -> list[int]:
    """Chromium's renderer processes under ``root`` (chromedriver): ``--type=renderer`` in the command line."""
    ppids = _ppids()
    below: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in ppids.items() if parent in frontier} - below
        below |= frontier
    found = []
    for pid in sorted(below):
        with contextlib.suppress(OSError):
            # Chromium rewrites its children's command lines into one string: look for the flags in the bytes.
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"--type=renderer" in cmd and b"--extension-process" not in cmd and b"--top-chrome-webui" not in cmd:
                found.append(pid)
    return found


def rss_kib(pid: int) -> int | None:
    """``VmRSS`` of a live process, KiB (None when it has gone)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def page_renderer_kib(driver: webdriver.Chrome) -> int | None:
    """The resident memory of the page's renderer: the largest renderer (a spare one, if any, holds no page)."""
    process = getattr(driver.service, "process", None)
    if process is None:
        return None
    sizes = [kib for kib in (rss_kib(pid) for pid in renderer_pids(process.pid)) if kib is not None]
    return max(sizes) if sizes else None


def metrics(driver: webdriver.Chrome) -> dict[str, float]:
    """Live memory after a forced garbage collection: Chromium's counters for the page."""
    driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    doc = driver.execute_cdp_cmd("Performance.getMetrics", {})
    return {m["name"]: float(m["value"]) for m in doc.get("metrics", []) if m["name"] in METRICS}


def last_data(url: str) -> object:
    """The server's ``last_data`` (``/api/v1/status``): changes whenever the data behind the wall move."""
    with contextlib.suppress(OSError, ValueError):
        with urllib.request.urlopen(f"{url}/api/v1/status", timeout=5) as r:
            doc = json.load(r)
        return doc.get("last_data") if isinstance(doc, dict) else None
    return None


def measure(
    minutes: float,
    every_s: float,
    period_s: float,
    hold_s: float,
    speed: float,
    refresh_ms: int,
    scenario: str = "demo",
) -> Run:
    home = Path(tempfile.mkdtemp(prefix="cityops-wall-memory-"))
    port = free_port(19440, 19449)
    url = f"http://127.0.0.1:{port}"
    print(f"embedded product, {scenario} scenario at {speed:g}x, pull every {refresh_ms} ms, on :{port} (log {home})")
    server = start_server(server_env(port, home, speed, refresh_ms, scenario), home / "server.log")
    driver: webdriver.Chrome | None = None
    run = Run()
    try:
        driver = chromium(home / "chromium")
        driver.execute_cdp_cmd("Performance.enable", {})
        driver.get(f"{url}/wall?period={period_s:g}&hold={hold_s:g}")
        deadline = time.monotonic() + START_WAIT_S
        while not (driver.execute_script(WALL) or {}).get("ready"):
            if time.monotonic() > deadline:
                raise SystemExit("the wall did not draw its first state")
            time.sleep(0.5)
        print(
            f"wall drawn at {WIDTH}x{HEIGHT}, rotating every {period_s:g} s, a new alarm holding it {hold_s:g} s; "
            f"a sample every {every_s:g} s"
        )
        print(
            f"{'minute':>6} {'view':>10} {'heap MiB':>9} {'nodes':>7} {'listeners':>9} {'docs':>5} "
            f"{'elements':>8} {'renderer MiB':>12} {'history':>7} {'rotations':>9} {'updates':>7} {'pulls':>6}",
            flush=True,
        )
        began = time.monotonic()
        end = began + minutes * 60
        next_sample = began
        view = seen = status = None
        while True:
            wall = driver.execute_script(WALL) or {}
            if wall.get("view") and wall["view"] != view:
                run.rotations += view is not None
                view = wall["view"]
                run.views.add(view.replace("wall-main", "").strip())
            if wall.get("seen") is not None:
                run.seen_readable = True
                run.updates += seen is not None and wall["seen"] != seen
                seen = wall["seen"]
            if isinstance(wall.get("redraws"), int):
                run.redraws = wall["redraws"]
            if isinstance(wall.get("done"), int):
                run.pulls_first = wall["done"] if run.pulls_first is None else run.pulls_first
                run.pulls_last = wall["done"]
            now = time.monotonic()
            if now >= next_sample or now >= end:
                data = last_data(url)
                run.status_changes += status is not None and data is not None and data != status
                status = data if data is not None else status
                sample = Sample(
                    t_s=now - began,
                    view=(view or "?").replace("wall-main view-", ""),
                    metrics=metrics(driver),
                    elements=int(wall.get("elements") or 0),
                    renderer_kib=page_renderer_kib(driver),
                    dash_history=wall.get("history") if isinstance(wall.get("history"), int) else None,
                    rotations=run.rotations,
                    updates=run.updates,
                    pulls=(run.pulls_last or 0) - (run.pulls_first or 0),
                )
                run.samples.append(sample)
                m = sample.metrics
                rss = f"{sample.renderer_kib / 1024:.1f}" if sample.renderer_kib is not None else "-"
                hist = str(sample.dash_history) if sample.dash_history is not None else "-"
                print(
                    f"{sample.t_s / 60:>6.1f} {sample.view[:10]:>10} {sample.heap_mib:>9.2f} "
                    f"{m.get('Nodes', 0):>7.0f} {m.get('JSEventListeners', 0):>9.0f} {m.get('Documents', 0):>5.0f} "
                    f"{sample.elements:>8} {rss:>12} {hist:>7} "
                    f"{sample.rotations:>9} {sample.updates:>7} {sample.pulls:>6}",
                    flush=True,
                )
                next_sample += every_s
                if now >= end:
                    break
            if server.poll() is not None:
                raise SystemExit(f"the embedded product exited (log {home / 'server.log'})")
            try:
                time.sleep(1.0)
            except KeyboardInterrupt:  # cut short (Ctrl-C): report what was sampled
                print("interrupted: reporting the samples so far", flush=True)
                break
    finally:
        if driver is not None:
            driver.quit()
        stop_server(server)
    return run


def growth_pct(first: float, last: float) -> float:
    return 100.0 * (last - first) / first if first else float("nan")


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per hour."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return 3600.0 * sum((t - mt) * (v - mv) for t, v in points) / var if var else float("nan")


def report(run: Run) -> list[Row]:
    """Print the growth table and return rows (measure, figure, target) for ``python -m bench``."""
    if len(run.samples) < 2:
        print(f"too few samples ({len(run.samples)})")
        return [("wall samples", str(len(run.samples)), "")]
    last = run.samples[-1]
    warm_t = last.t_s / 4
    warm = min(run.samples, key=lambda s: abs(s.t_s - warm_t))
    after = [s for s in run.samples if s.t_s >= warm.t_s]
    figures: list[tuple[str, str, float | None, float | None]] = [
        ("JS heap used", "MiB", warm.heap_mib, last.heap_mib),
        ("DOM nodes", "", warm.metrics.get("Nodes"), last.metrics.get("Nodes")),
        ("event listeners", "", warm.metrics.get("JSEventListeners"), last.metrics.get("JSEventListeners")),
        ("documents", "", warm.metrics.get("Documents"), last.metrics.get("Documents")),
        ("elements in the document", "", float(warm.elements), float(last.elements)),
        (
            "renderer RSS",
            "MiB",
            warm.renderer_kib / 1024 if warm.renderer_kib is not None else None,
            last.renderer_kib / 1024 if last.renderer_kib is not None else None,
        ),
        (
            "Dash undo history entries",
            "",
            float(warm.dash_history) if warm.dash_history is not None else None,
            float(last.dash_history) if last.dash_history is not None else None,
        ),
    ]
    minutes = last.t_s / 60
    print(f"\nafter {minutes:.1f} min: from the end of the warm-up (minute {warm.t_s / 60:.1f}) to the end")
    print("| figure | warm-up end | end | growth |\n|---|---|---|---|")
    rows: list[Row] = []
    for name, unit, a, b in figures:
        if a is None or b is None:
            print(f"| {name} | not measured | | |")
            continue
        fa, fb = (f"{a:.1f} {unit}", f"{b:.1f} {unit}") if unit else (f"{a:.0f}", f"{b:.0f}")
        g = growth_pct(a, b)
        print(f"| {name} | {fa} | {fb} | {g:+.1f} % |")
        rows.append((f"wall {minutes:.0f} min: {name}, warm-up end -> end", f"{fa} -> {fb} ({g:+.1f} %)", ""))
    heap_slope = slope_per_hour([(s.t_s, s.heap_mib) for s in after])
    node_slope = slope_per_hour([(s.t_s, s.metrics.get("Nodes", 0.0)) for s in after])
    print(f"after the warm-up: JS heap {heap_slope:+.2f} MiB/hour, DOM nodes {node_slope:+.0f}/hour (least squares)")
    pulls = last.pulls
    print(
        f"the wall's work: {run.rotations} view changes ({', '.join(sorted(run.views))}), "
        f"{run.updates} content updates received"
        + ("" if run.seen_readable else " (wall-seen not readable)")
        + f", {pulls} pulls answered ({pulls / max(last.t_s, 1):.2f}/s), "
        f"{run.status_changes} changes of the server's last data time between samples"
    )
    rows.append(("wall JS heap slope after the warm-up", f"{heap_slope:+.2f} MiB/hour", ""))
    rows.append(("wall view changes / content updates / pulls", f"{run.rotations} / {run.updates} / {pulls}", ""))
    if run.redraws is not None:
        per_minute = run.redraws / max(last.t_s / 60, 1e-9)
        print(f"the wall's map was drawn again {run.redraws} times ({per_minute:.1f} a minute)")
        rows.append(("wall map redraws", f"{run.redraws} ({per_minute:.1f} a minute)", ""))
    return rows


def problem(run: Run, min_rotations: int) -> str | None:
    """Why the run did not measure a working wall, or None."""
    if run.rotations < min_rotations:
        return f"the wall changed view {run.rotations} times (at least {min_rotations} expected)"
    updated = run.updates > 0 if run.seen_readable else run.status_changes > 0
    if not updated:
        return "the wall's content never changed during the run"
    return None


def run(
    minutes: float = 10.0,
    every_s: float = 30.0,
    period_s: float = 10.0,
    hold_s: float = 10.0,
    speed: float = 600.0,
    refresh_ms: int = 1000,
    min_rotations: int = 3,
) -> list[Row]:
    """Rows (measure, figure, target) for the ``python -m bench`` table; also prints the samples and the growth."""
    result = measure(minutes, every_s, period_s, hold_s, speed, refresh_ms)
    rows = report(result)
    why = problem(result, min_rotations)
    if why:
        rows.append(("FAILED", why, ""))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every-s", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--period-s", type=float, default=10.0, help="the wall's period per view (?period=)")
    parser.add_argument(
        "--hold-s", type=float, default=10.0, help="how long a new critical alarm holds the wall (?hold=)"
    )
    parser.add_argument("--speed", type=float, default=600.0, help="CITYOPS_SIM_SPEED")
    parser.add_argument("--scenario", default="demo", help="CITYOPS_SIM_SCENARIO (calm: a city going about its day)")
    parser.add_argument("--refresh-ms", type=int, default=1000, help="CITYOPS_UI_REFRESH_MS: the wall's pull")
    parser.add_argument("--min-rotations", type=int, default=3, help="fail when the wall changed view fewer times")
    args = parser.parse_args()
    result = measure(args.minutes, args.every_s, args.period_s, args.hold_s, args.speed, args.refresh_ms, args.scenario)
    report(result)
    why = problem(result, args.min_rotations)
    if why:
        print(f"FAILED: {why}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
