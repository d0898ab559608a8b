"""The Procfile deployment: web (gunicorn, several workers), consumers and simulator as separate processes
on the real broker, started by a Procfile runner exactly as the README says."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from consumers.citypack import CityPack
from consumers.settings import Settings

pytestmark = pytest.mark.kafka
REPO = Path(__file__).resolve().parent.parent


def get(url: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_honcho_runs_web_consumers_flood_and_simulator_as_one_product(kafka_settings: Settings, pack: CityPack) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "KAFKA_BOOTSTRAP_SERVERS": str(kafka_settings.kafka_bootstrap_servers),
        "CITYOPS_TOPIC_PREFIX": kafka_settings.topics.prefix,
        "CITYOPS_CONSUMER_GROUP": kafka_settings.consumer_group,
        "CITYOPS_CLOCK": "simulated",  # the simulator runs at 60x, as the README's command says
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
    }
    log_path = Path(tempfile.mkdtemp(prefix="cityops-honcho-")) / "honcho.log"
    env["CITYOPS_USERS_DB"] = str(log_path.parent / "users.sqlite")
    # Not demo mode: the API answers a token an admin made (as a script reading it would), and nobody else.
    token = subprocess.run(
        [sys.executable, "-m", "dashboard.auth", "api-token", "procfile test"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with open(log_path, "wb") as log:
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-p", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        health: Any = None
        while time.monotonic() < deadline:
            try:
                status, health = get(f"http://127.0.0.1:{port}/health")
                districts = get(f"http://127.0.0.1:{port}/api/v1/districts", token)[1]["districts"]
                if status == 200 and health["status"] == "ok" and all(d["risk"] is not None for d in districts):
                    break
            except OSError:
                pass
            time.sleep(1)
        else:
            pytest.fail(f"no healthy picture within 120 s: {health}\n{log_path.read_text()[-3000:]}")
        assert sum(health["records_consumed"].values()) > 0
        assert [c["state"] for c in health["consumers"]] == ["running"]
        assert health["clock"] == {"mode": "simulated", "simulated_speed": 60.0}
        assert len(districts) == len(pack.districts)
        assert get(f"http://127.0.0.1:{port}/api/v1/districts")[0] == 401  # anonymous, outside demo mode
        # Every gunicorn worker tails the state on its own; all of them answer with live data.
        answers = [get(f"http://127.0.0.1:{port}/health", token)[1]["view"]["entities"] for _ in range(6)]
        assert min(answers) > len(pack.districts)
        # The flood process reads every gauge's view from city.state and publishes its picture back: a calm city
        # has every gauge in it and nobody to move.
        gauge_ids = {s.id for s in pack.sensors_of_type("river.gauge")}
        flood: Any = None
        while time.monotonic() < deadline + 60:
            status, flood = get(f"http://127.0.0.1:{port}/api/v1/flood", token)
            if status == 200 and set(flood["gauges"]) == gauge_ids:
                break
            time.sleep(1)
        else:
            pytest.fail(f"no flood picture of every gauge: {flood}\n{log_path.read_text()[-3000:]}")
        assert flood["closed_roads"] == [] and flood["totals"]["city"]["people"] == 0
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(timeout=60)
