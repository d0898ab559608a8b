"""The product's web process as the browser and security tests start it: a free port, ``python -m dashboard``,
and a wait until it answers ``/health`` at all (a 503 only says the picture is stale; the server is up)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_dashboard(
    env: dict[str, str], log: Path, *, new_session: bool = False, timeout_s: float = 60
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``python -m dashboard`` on ``env["PORT"]``, writing ``log``; return its address once it answers.

    ``new_session`` puts it in a process group of its own, so that a test can signal gunicorn's worker too. Its
    accounts file is beside ``log`` unless ``env`` names one: never the repository's own."""
    env = {"CITYOPS_USERS_DB": str(log.parent / "users.sqlite"), **env}
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "dashboard"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=new_session,
        )
    url = f"http://127.0.0.1:{env['PORT']}"
    deadline = time.monotonic() + timeout_s
    while not answers(f"{url}/health"):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("the web server did not start: " + log.read_text()[-2000:])
        time.sleep(0.3)
    return url, server


def answers(url: str) -> bool:
    """Whether anything answers HTTP at ``url``, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
