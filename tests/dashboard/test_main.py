"""``python -m dashboard`` with no Kafka: the embedded default prints its address and serves a live picture."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from consumers.citypack import CityPack

REPO = Path(__file__).resolve().parents[2]


def test_the_embedded_product_prints_its_address_and_serves_live_state(pack: CityPack) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    env["PORT"] = str(port)
    server = subprocess.Popen(
        [sys.executable, "-m", "dashboard"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        address = f"http://127.0.0.1:{port}"
        assert server.stdout is not None
        printed = ""
        deadline = time.monotonic() + 60
        while f"dashboard: {address}" not in printed and time.monotonic() < deadline:
            printed += server.stdout.readline().decode()
        assert f"dashboard: {address}" in printed, printed
        assert "embedded" in printed

        districts: list = []
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"{address}/api/v1/districts", timeout=5) as response:
                districts = json.load(response)["districts"]
            if all(d["risk"] is not None for d in districts):
                break
            time.sleep(0.5)
        assert len(districts) == len(pack.districts)
        assert all(0 <= d["risk"] <= 100 for d in districts), districts
        with urllib.request.urlopen(f"{address}/health", timeout=5) as response:
            health = json.load(response)
        assert health["status"] == "ok" and health["deadlettered"] == 0
        with urllib.request.urlopen(address, timeout=5) as response:
            page = response.read().decode()
        assert "cdn" not in page.lower() and "https://" not in page  # everything is served locally
    finally:
        server.terminate()
        server.wait(timeout=30)
