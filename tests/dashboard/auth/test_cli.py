"""``python -m dashboard.auth``: the first admin, a new password, tokens, as an operator types them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dashboard.auth.store import AccountStore
from tests.web_server import REPO

PASSWORD = "correct horse battery"


def cli(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_")}
    env["CITYOPS_USERS_DB"] = str(tmp_path / "users.sqlite")
    return subprocess.run(
        [sys.executable, "-m", "dashboard.auth", *args], cwd=REPO, env=env, input=stdin, capture_output=True, text=True
    )


def test_the_first_admin_then_a_new_password_then_a_token_and_its_revocation(tmp_path: Path) -> None:
    assert cli(tmp_path, "create-admin", "root", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    again = cli(tmp_path, "create-admin", "other", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.returncode == 2 and "an admin exists already" in again.stderr
    changed = cli(tmp_path, "set-password", "root", "--password-stdin", stdin="an entirely new one\n")
    assert changed.returncode == 0, changed.stderr
    accounts = AccountStore(tmp_path / "users.sqlite")
    assert accounts.sign_in("root", "an entirely new one", 60).role == "admin"
    short = cli(tmp_path, "set-password", "root", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "a password is 10" in short.stderr
    token = cli(tmp_path, "wall-token", "lobby").stdout.strip()
    assert token.startswith("cow_") and accounts.wall_session(token) is not None
    assert cli(tmp_path, "revoke", token.split("_")[1]).returncode == 0
    assert accounts.wall_session(token) is None
    listed = cli(tmp_path, "list").stdout
    assert "root" in listed and "revoked" in listed
