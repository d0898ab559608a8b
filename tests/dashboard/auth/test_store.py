"""The accounts file: passwords, sessions, tokens and the rules that keep a deployment administrable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from dashboard.auth import store as store_module
from dashboard.auth.store import AccountError, AccountStore

PASSWORD = "correct horse battery"
QUICK = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
"""Argon2id with small parameters, so that the many sign-ins here take milliseconds; one test uses the defaults."""


@pytest.fixture
def accounts(tmp_path: Path) -> AccountStore:
    return AccountStore(tmp_path / "users.sqlite", QUICK)


def test_a_password_is_stored_as_an_argon2id_hash_and_signs_in(tmp_path: Path) -> None:
    accounts = AccountStore(tmp_path / "users.sqlite")  # the library's default parameters
    accounts.add_user("mei", "operator", PASSWORD, by="test")
    stored = sqlite3.connect(tmp_path / "users.sqlite").execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    principal = accounts.sign_in("mei", PASSWORD, 3600)
    assert (principal.name, principal.role, principal.kind) == ("mei", "operator", "user")
    assert accounts.session(str(principal.session_id)) == principal
    assert oct((tmp_path / "users.sqlite").stat().st_mode)[-3:] == "600"


def test_a_wrong_password_and_an_unknown_name_get_the_same_refusal(accounts: AccountStore) -> None:
    accounts.add_user("mei", "operator", PASSWORD, by="test")
    with pytest.raises(AccountError) as wrong:
        accounts.sign_in("mei", "not the password", 3600)
    with pytest.raises(AccountError) as unknown:
        accounts.sign_in("nobody", PASSWORD, 3600)
    assert str(wrong.value) == str(unknown.value)


def test_a_name_is_locked_after_five_wrong_passwords_even_for_the_right_one(
    accounts: AccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add_user("mei", "operator", PASSWORD, by="test")
    for _ in range(store_module.LOCKOUT_FAILURES):
        with pytest.raises(AccountError):
            accounts.sign_in("mei", "guess", 3600)
    with pytest.raises(AccountError):
        accounts.sign_in("mei", PASSWORD, 3600)
    assert [u.locked for u in accounts.users()] == [True]
    accounts.set_password("mei", "a brand new password", by="admin", source="test")  # an admin unlocks it
    assert accounts.sign_in("mei", "a brand new password", 3600).name == "mei"


def test_a_session_ends_when_it_expires_is_signed_out_or_its_user_is_disabled(accounts: AccountStore) -> None:
    accounts.add_user("root", "admin", PASSWORD, by="test")
    accounts.add_user("mei", "operator", PASSWORD, by="test")
    expired = accounts.sign_in("mei", PASSWORD, -1)
    assert accounts.session(str(expired.session_id)) is None
    signed_out = accounts.sign_in("mei", PASSWORD, 3600)
    accounts.end_session(str(signed_out.session_id))
    assert accounts.session(str(signed_out.session_id)) is None
    live = accounts.sign_in("mei", PASSWORD, 3600)
    accounts.set_disabled("mei", True, by="root", source="test")
    assert accounts.session(str(live.session_id)) is None
    with pytest.raises(AccountError):
        accounts.sign_in("mei", PASSWORD, 3600)


def test_a_new_role_ends_the_users_sessions_so_it_applies_everywhere_at_once(accounts: AccountStore) -> None:
    accounts.add_user("root", "admin", PASSWORD, by="test")
    accounts.add_user("mei", "operator", PASSWORD, by="test")
    session = accounts.sign_in("mei", PASSWORD, 3600)
    accounts.set_role("mei", "viewer", by="root", source="test")
    assert accounts.session(str(session.session_id)) is None
    assert accounts.sign_in("mei", PASSWORD, 3600).role == "viewer"


def test_the_last_admin_cannot_be_disabled_or_demoted(accounts: AccountStore) -> None:
    accounts.add_user("root", "admin", PASSWORD, by="test")
    with pytest.raises(AccountError, match="last admin"):
        accounts.set_disabled("root", True, by="root", source="test")
    with pytest.raises(AccountError, match="last admin"):
        accounts.set_role("root", "operator", by="root", source="test")
    accounts.add_user("second", "admin", PASSWORD, by="root")
    accounts.set_role("root", "operator", by="second", source="test")
    assert accounts.has_admin()


def test_bad_names_roles_and_passwords_are_refused_with_the_rule(accounts: AccountStore) -> None:
    with pytest.raises(AccountError, match="password is 10"):
        accounts.add_user("mei", "operator", "short", by="test")
    with pytest.raises(AccountError, match="role 'boss'"):
        accounts.add_user("mei", "boss", PASSWORD, by="test")
    with pytest.raises(AccountError, match="user name"):
        accounts.add_user("x" * 65, "viewer", PASSWORD, by="test")
    accounts.add_user("mei", "viewer", PASSWORD, by="test")
    with pytest.raises(AccountError, match="exists already"):
        accounts.add_user("mei", "viewer", PASSWORD, by="test")


def test_a_wall_token_opens_a_read_only_session_that_its_revocation_ends(accounts: AccountStore) -> None:
    token = accounts.create_token("wall", "control room wall 2", by="root")
    assert token.startswith("cow_")
    stored = sqlite3.connect(accounts.path).execute("SELECT secret_sha256 FROM tokens").fetchone()[0]
    assert token.rsplit("_", 1)[1] not in stored  # only its hash is kept
    wall = accounts.wall_session(token)
    assert wall is not None and (wall.name, wall.role, wall.kind) == ("control room wall 2", "viewer", "wall")
    assert accounts.session(str(wall.session_id)) == wall
    accounts.revoke_token(str(wall.token_id), by="root", source="test")
    assert accounts.session(str(wall.session_id)) is None
    assert accounts.wall_session(token) is None
    with pytest.raises(AccountError, match="revoked already"):
        accounts.revoke_token(str(wall.token_id), by="root", source="test")


def test_a_token_opens_only_what_it_was_made_for(accounts: AccountStore) -> None:
    wall = accounts.create_token("wall", "wall", by="root")
    api = accounts.create_token("api", "script", by="root")
    assert accounts.api_principal(wall) is None and accounts.wall_session(api) is None
    assert accounts.api_principal(api) is not None
    forged = api[:-4] + ("AAAA" if not api.endswith("AAAA") else "BBBB")
    assert accounts.api_principal(forged) is None
    assert accounts.api_principal("coa_nothing") is None and accounts.api_principal("") is None


def test_every_change_an_admin_makes_is_logged_with_who_and_from_where(accounts: AccountStore) -> None:
    accounts.add_user("root", "admin", PASSWORD, by="cli:ops")
    accounts.add_user("mei", "operator", PASSWORD, by="root", source="10.0.0.7")
    token_id = accounts.create_token("wall", "lobby", by="root", source="10.0.0.7").split("_")[1]
    accounts.revoke_token(token_id, by="root", source="10.0.0.7")
    log = [(by, what, subject, source) for _, by, what, subject, source in reversed(accounts.admin_log())]
    assert log == [
        ("cli:ops", "add user (admin)", "root", "cli"),
        ("root", "add user (operator)", "mei", "10.0.0.7"),
        ("root", "create wall token", f"lobby ({token_id})", "10.0.0.7"),
        ("root", "revoke token", f"lobby ({token_id})", "10.0.0.7"),
    ]


def test_every_worker_opening_the_file_signs_cookies_with_the_same_key(tmp_path: Path) -> None:
    first = AccountStore(tmp_path / "users.sqlite", QUICK)
    second = AccountStore(tmp_path / "users.sqlite", QUICK)
    assert first.secret_key() == second.secret_key() and len(first.secret_key()) == 64
    assert AccountStore(tmp_path / "other.sqlite", QUICK).secret_key() != first.secret_key()


def test_a_tokens_last_use_is_recorded_once_a_minute_not_at_every_request(accounts: AccountStore) -> None:
    token = accounts.create_token("api", "poller", by="root")
    assert accounts.api_principal(token) is not None
    first = accounts.tokens()[0].last_used_at
    assert first is not None
    assert accounts.api_principal(token) is not None
    assert accounts.tokens()[0].last_used_at == first  # a second request within the minute writes nothing
