"""Users, sessions and tokens in one SQLite file that every web worker on the host shares.

Why SQLite: a control room has tens of accounts, not millions, and its web workers run on one host; a file
with transactions (WAL, so readers never wait for a writer) needs no server to install. The file also holds
the key that signs session cookies, made once on first use, so that every worker (and a restarted one)
accepts the same cookies without a secret in the environment.

Passwords: Argon2id (argon2-cffi, its default parameters: 64 MiB, 3 passes), re-hashed on sign-in when the
parameters change. Tokens (wall and API) carry 256 random bits, so a SHA-256 of the token is enough to store:
nothing can be guessed from it, and checking it costs a microsecond on every request of a wall.

Sessions live here too (the cookie carries only a session id, signed): signing out, disabling a user or
revoking a wall token ends the session on every worker at its next request, which a cookie alone cannot do.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dashboard.auth.roles import ROLES, TOKEN_ROLES

TOKEN_PREFIX = {"wall": "cow", "api": "coa"}
"""Tokens look like ``cow_<id>_<secret>`` (wall) or ``coa_<id>_<secret>`` (API): the id finds the row, the
secret is checked against its hash, and the prefix says in a log or a leak report what the token opens."""
NAME_MAX = 64
LABEL_MAX = 120
PASSWORD_MIN = 10
PASSWORD_MAX = 1024
LAST_USED_EVERY_S = 60.0
"""A token's "last used" is written at most this often: an API client asking every second would otherwise take
the file's write lock on every request, and the admin page shows the minute."""
LOCKOUT_FAILURES = 5
LOCKOUT_S = 900.0
"""After this many wrong passwords in a row a name is refused for this long: Argon2 makes each guess cost
64 MiB and ~50 ms, and the lockout bounds how many guesses a name can take."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    disabled_at REAL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    role TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at REAL,
    revoked_by TEXT,
    last_used_at REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    user_name TEXT,
    token_id TEXT,
    created_at REAL NOT NULL,
    expires_at REAL,
    ended_at REAL
);
CREATE TABLE IF NOT EXISTS admin_log (
    at REAL NOT NULL,
    by TEXT NOT NULL,
    what TEXT NOT NULL,
    subject TEXT NOT NULL,
    source TEXT NOT NULL
);
"""


class AccountError(ValueError):
    """A request the store refuses, with a message fit to show the person who made it."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for: a signed-in user, a wall (by its token) or an API client (by its token)."""

    name: str
    role: str
    kind: str
    """``user``, ``wall`` or ``api``."""
    session_id: str | None = None
    token_id: str | None = None


@dataclass(frozen=True, slots=True)
class UserRow:
    """A user as the admin page lists them (never the hash)."""

    name: str
    role: str
    created_at: float
    created_by: str
    disabled: bool
    locked: bool


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A token as the admin page lists it (never the secret, which is shown once, when made)."""

    id: str
    kind: str
    label: str
    role: str
    created_at: float
    created_by: str
    revoked_at: float | None
    revoked_by: str | None
    last_used_at: float | None


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise AccountError(f"a user name is 1 to {NAME_MAX} printable characters")
    return name


def check_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise AccountError(f"a password is {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    return password


def check_role(role: str, allowed: tuple[str, ...] = ROLES) -> str:
    if role not in allowed:
        raise AccountError(f"role {role!r} is not one of {', '.join(allowed)}")
    return role


class AccountStore:
    """The accounts of one deployment. Safe to share between threads; every call is its own transaction."""

    def __init__(self, path: Path, hasher: PasswordHasher | None = None) -> None:
        self.path = path
        self._hasher = hasher or PasswordHasher()
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection().executescript(_SCHEMA)  # its own transaction: executescript commits first
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('secret_key', ?)", (secrets.token_hex(32),))
        path.chmod(0o600)

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def secret_key(self) -> str:
        row = self._connection().execute("SELECT value FROM meta WHERE key='secret_key'").fetchone()
        return str(row[0])

    def _log(self, db: sqlite3.Connection, by: str, what: str, subject: str, source: str) -> None:
        db.execute("INSERT INTO admin_log VALUES (?, ?, ?, ?, ?)", (time.time(), by, what, subject, source))

    # users

    def add_user(self, name: str, role: str, password: str, *, by: str, source: str = "cli") -> None:
        name, role = check_name(name), check_role(role)
        digest = self._hasher.hash(check_password(password))
        with self._tx() as db:
            if db.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone():
                raise AccountError(f"user {name!r} exists already")
            db.execute(
                "INSERT INTO users (name, role, password_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                (name, role, digest, time.time(), by),
            )
            self._log(db, by, f"add user ({role})", name, source)

    def has_admin(self) -> bool:
        row = (
            self._connection()
            .execute("SELECT 1 FROM users WHERE role='admin' AND disabled_at IS NULL LIMIT 1")
            .fetchone()
        )
        return row is not None

    def users(self) -> list[UserRow]:
        now = time.time()
        rows = self._connection().execute(
            "SELECT name, role, created_at, created_by, disabled_at, locked_until FROM users ORDER BY name"
        )
        return [UserRow(n, r, c, b, d is not None, (lk or 0) > now) for n, r, c, b, d, lk in rows]

    def set_role(self, name: str, role: str, *, by: str, source: str) -> None:
        role = check_role(role)
        with self._tx() as db:
            self._require_user(db, name)
            if role != "admin":
                self._keep_an_admin(db, name)
            db.execute("UPDATE users SET role=? WHERE name=?", (role, name))
            self._end_sessions(db, name)  # the new role applies from the next sign-in, everywhere at once
            self._log(db, by, f"set role {role}", name, source)

    def set_disabled(self, name: str, disabled: bool, *, by: str, source: str) -> None:
        with self._tx() as db:
            self._require_user(db, name)
            if disabled:
                self._keep_an_admin(db, name)
                self._end_sessions(db, name)
            db.execute(
                "UPDATE users SET disabled_at=?, failures=0, locked_until=NULL WHERE name=?",
                (time.time() if disabled else None, name),
            )
            self._log(db, by, "disable" if disabled else "enable", name, source)

    def set_password(self, name: str, password: str, *, by: str, source: str) -> None:
        digest = self._hasher.hash(check_password(password))
        with self._tx() as db:
            self._require_user(db, name)
            db.execute("UPDATE users SET password_hash=?, failures=0, locked_until=NULL WHERE name=?", (digest, name))
            self._end_sessions(db, name)
            self._log(db, by, "set password", name, source)

    def _require_user(self, db: sqlite3.Connection, name: str) -> None:
        if not db.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone():
            raise AccountError(f"no user {name!r}")

    def _keep_an_admin(self, db: sqlite3.Connection, name: str) -> None:
        others = db.execute(
            "SELECT COUNT(*) FROM users WHERE role='admin' AND disabled_at IS NULL AND name<>?", (name,)
        ).fetchone()[0]
        is_admin = db.execute("SELECT role='admin' AND disabled_at IS NULL FROM users WHERE name=?", (name,)).fetchone()
        if is_admin and is_admin[0] and others == 0:
            raise AccountError("this is the last admin: make another admin first")

    # sign-in and sessions

    def sign_in(self, name: str, password: str, session_s: float) -> Principal:
        """A new session for a correct password; one message for every refusal, so that it says nothing about
        which names exist."""
        refused = AccountError("wrong name or password, or the account is disabled or locked for a while")
        db = self._connection()
        row = db.execute(
            "SELECT role, password_hash, disabled_at, locked_until FROM users WHERE name=?", (name,)
        ).fetchone()
        now = time.time()
        if row is None:
            self._hasher.hash(password[:PASSWORD_MAX])  # the same time as a wrong password, for a name that is not
            raise refused
        role, digest, disabled_at, locked_until = row
        if disabled_at is not None or (locked_until or 0) > now:
            raise refused
        try:
            self._hasher.verify(digest, password[:PASSWORD_MAX])
        except (VerificationError, InvalidHashError):
            with self._tx() as tx:
                tx.execute(
                    "UPDATE users SET failures=failures+1, locked_until=CASE WHEN failures+1>=? THEN ? END "
                    "WHERE name=?",
                    (LOCKOUT_FAILURES, now + LOCKOUT_S, name),
                )
            raise refused from None
        session_id = secrets.token_urlsafe(32)
        with self._tx() as tx:
            if self._hasher.check_needs_rehash(digest):
                tx.execute("UPDATE users SET password_hash=? WHERE name=?", (self._hasher.hash(password), name))
            tx.execute("UPDATE users SET failures=0, locked_until=NULL WHERE name=?", (name,))
            tx.execute("DELETE FROM sessions WHERE expires_at < ? OR ended_at < ?", (now, now - 86400))
            tx.execute(
                "INSERT INTO sessions (id, user_name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (session_id, name, now, now + session_s),
            )
        return Principal(name, role, "user", session_id=session_id)

    def wall_session(self, token: str) -> Principal | None:
        """A session for a wall that opened its URL with a valid wall token; None for any other token."""
        found = self._token(token, "wall")
        if found is None:
            return None
        token_id, label, role = found
        session_id = secrets.token_urlsafe(32)
        with self._tx() as tx:
            tx.execute(
                "INSERT INTO sessions (id, token_id, created_at) VALUES (?, ?, ?)", (session_id, token_id, time.time())
            )
        return Principal(label, role, "wall", session_id=session_id, token_id=token_id)

    def api_principal(self, token: str) -> Principal | None:
        found = self._token(token, "api")
        if found is None:
            return None
        token_id, label, role = found
        return Principal(label, role, "api", token_id=token_id)

    def _token(self, token: str, kind: str) -> tuple[str, str, str] | None:
        prefix, _, rest = token.partition("_")
        token_id, _, secret = rest.partition("_")
        if prefix != TOKEN_PREFIX[kind] or not token_id or not secret:
            return None
        row = (
            self._connection()
            .execute(
                "SELECT label, role, secret_sha256, last_used_at FROM tokens "
                "WHERE id=? AND kind=? AND revoked_at IS NULL",
                (token_id, kind),
            )
            .fetchone()
        )
        if row is None or not secrets.compare_digest(row[2], _sha256(secret)):
            return None
        now = time.time()
        if row[3] is None or now - row[3] >= LAST_USED_EVERY_S:
            with self._tx() as tx:
                tx.execute("UPDATE tokens SET last_used_at=? WHERE id=?", (now, token_id))
        return token_id, str(row[0]), str(row[1])

    def session(self, session_id: str) -> Principal | None:
        """The principal of a live session: None once it expired, was signed out, or its user was disabled or its
        token revoked."""
        row = (
            self._connection()
            .execute(
                """
            SELECT s.user_name, u.role, u.disabled_at, s.token_id, t.label, t.role, t.revoked_at
            FROM sessions s
            LEFT JOIN users u ON u.name = s.user_name
            LEFT JOIN tokens t ON t.id = s.token_id
            WHERE s.id = ? AND s.ended_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?)
            """,
                (session_id, time.time()),
            )
            .fetchone()
        )
        if row is None:
            return None
        user, role, disabled_at, token_id, label, token_role, revoked_at = row
        if user is not None:
            if role is None or disabled_at is not None:
                return None
            return Principal(user, role, "user", session_id=session_id)
        if token_id is None or label is None or revoked_at is not None:
            return None
        return Principal(label, token_role, "wall", session_id=session_id, token_id=token_id)

    def end_session(self, session_id: str) -> None:
        with self._tx() as tx:
            tx.execute("UPDATE sessions SET ended_at=? WHERE id=? AND ended_at IS NULL", (time.time(), session_id))

    def _end_sessions(self, db: sqlite3.Connection, name: str) -> None:
        db.execute("UPDATE sessions SET ended_at=? WHERE user_name=? AND ended_at IS NULL", (time.time(), name))

    # tokens

    def create_token(self, kind: str, label: str, *, by: str, source: str = "cli", role: str = "viewer") -> str:
        """A new token, returned once: only its hash is kept. Wall tokens are read only (viewer); API tokens read
        the API and act as nothing more than a viewer unless made for a role of ``TOKEN_ROLES``."""
        if kind not in TOKEN_PREFIX:
            raise AccountError(f"a token is one of {', '.join(TOKEN_PREFIX)}")
        label = label.strip()
        if not label or len(label) > LABEL_MAX or not label.isprintable():
            raise AccountError(f"a token's label is 1 to {LABEL_MAX} printable characters")
        role = check_role(role, ("viewer",) if kind == "wall" else TOKEN_ROLES)
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self._tx() as db:
            db.execute(
                "INSERT INTO tokens (id, kind, label, role, secret_sha256, created_at, created_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (token_id, kind, label, role, _sha256(secret), time.time(), by),
            )
            self._log(db, by, f"create {kind} token", f"{label} ({token_id})", source)
        return f"{TOKEN_PREFIX[kind]}_{token_id}_{secret}"

    def revoke_token(self, token_id: str, *, by: str, source: str) -> None:
        with self._tx() as db:
            row = db.execute("SELECT label, revoked_at FROM tokens WHERE id=?", (token_id,)).fetchone()
            if row is None:
                raise AccountError(f"no token {token_id!r}")
            if row[1] is not None:
                raise AccountError(f"token {token_id} is revoked already")
            now = time.time()
            db.execute("UPDATE tokens SET revoked_at=?, revoked_by=? WHERE id=?", (now, by, token_id))
            db.execute("UPDATE sessions SET ended_at=? WHERE token_id=? AND ended_at IS NULL", (now, token_id))
            self._log(db, by, "revoke token", f"{row[0]} ({token_id})", source)

    def tokens(self) -> list[TokenRow]:
        rows = self._connection().execute(
            "SELECT id, kind, label, role, created_at, created_by, revoked_at, revoked_by, last_used_at "
            "FROM tokens ORDER BY revoked_at IS NOT NULL, created_at DESC"
        )
        return [TokenRow(*row) for row in rows]

    def admin_log(self, limit: int = 100) -> list[tuple[float, str, str, str, str]]:
        rows = self._connection().execute(
            "SELECT at, by, what, subject, source FROM admin_log ORDER BY at DESC LIMIT ?", (limit,)
        )
        return [tuple(row) for row in rows]
