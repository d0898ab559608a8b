"""Sign-in on the web tier: who a request is, what it may reach, and CSRF tokens on every state-changing request.

- **Sessions** are Flask-Login's, with the session id (not the user) in the signed cookie, checked against
  ``AccountStore`` on every request: signing out, disabling a user or revoking a wall ends it on every worker.
- **Walls** open ``/?wall=<token>``: the token starts a wall session (read only) and stays in the wall's URL, so
  a wall that reboots signs itself in again. A revoked token ends the session at the next request (a wall asks
  ``/api/v1/status`` every second, and ``assets/freshness.js`` says on screen that access was lost).
- **API clients** send ``Authorization: Bearer <token>``; nothing is kept between their requests.
- **Anonymous** requests are refused outside demo mode: pages redirect to the sign-in page, everything else (the
  API, Dash's own requests) answers 401 JSON. ``/health``, the sign-in page and the stylesheets stay open. In demo
  mode an anonymous visitor is a viewer.
- **CSRF**: Flask-WTF checks every POST. Forms carry the token in a hidden field; Dash's renderer sends the
  ``_csrf_token`` cookie's value in ``X-CSRFToken`` on every callback, so the cookie is set with each page.
  ``WTF_CSRF_SSL_STRICT`` is off because the pages send no ``Referer`` (``Referrer-Policy: no-referrer``, kept so
  that a wall's URL, which holds its token, never leaks to another site); the cookies are ``SameSite=Strict``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import flask
import flask_login
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from consumers.settings import Settings
from dashboard.auth.roles import ROLES, may_administer
from dashboard.auth.store import AccountError, AccountStore, Principal
from dashboard.context import current
from dashboard.i18n import language, t

CSRF_COOKIE = "_csrf_token"
OPEN_PATHS = ("/health", "/auth/login", "/auth/logout")
OPEN_PREFIXES = ("/assets/",)
PUBLIC_SCRIPTS = "/_dash-component-suites/"
"""Dash's, Plotly's and their components' own scripts: the same published bytes for everyone, fingerprinted and
cached for a year. Served without looking at the session: a response that reads the session carries
``Vary: Cookie``, and the cookies change at every page load (the CSRF token is signed afresh), so a browser
fetched every script again at every visit (392 KiB a reload of a wall or a manager's return, measured with
``bench.web_load``)."""
CLOSED_PREFIXES = ("/assets/city/",)
"""The city pack's data under ``/assets/`` is for signed-in eyes like the rest; the stylesheet is not."""

auth = flask.Blueprint("auth", __name__, template_folder="templates")


class SignedIn(flask_login.UserMixin):
    """Flask-Login's user: a principal from the store."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    def get_id(self) -> str | None:
        return self.principal.session_id

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def kind(self) -> str:
        return self.principal.kind


def accounts() -> AccountStore:
    return current().accounts


def current_principal() -> Principal | None:
    """Who this request acts for, or None for an anonymous visitor."""
    user = flask_login.current_user
    return user.principal if isinstance(user, SignedIn) else None


def _source() -> str:
    return str(flask.request.remote_addr)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this server (never ``//other.example`` or a full URL)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _public_static(path: str) -> bool:
    """Files that are the same for everyone and need no sign-in: Dash's scripts and the open ``/assets/``."""
    return path.startswith(PUBLIC_SCRIPTS) or (path.startswith(OPEN_PREFIXES) and not path.startswith(CLOSED_PREFIXES))


class SessionsBesideStaticFiles(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, neither refreshed nor named in ``Vary`` on a public static file's answer.

    Flask-Login looks at the session after every request, which makes Flask add ``Vary: Cookie`` and, the session
    being permanent, set the cookie again; the cookies change at every page load, so a browser holding a script
    cached for a year could not use it at the next visit (``PUBLIC_SCRIPTS``)."""

    def save_session(self, app: flask.Flask, session: SessionMixin, response: flask.Response) -> None:
        if _public_static(flask.request.path):
            return
        super().save_session(app, session, response)


def _lang() -> str:
    return language(flask.request.args.get("lang"), current().settings.language)


def install_auth(server: flask.Flask, settings: Settings, store: AccountStore) -> None:
    """Sessions, the gate in front of every route, CSRF and the sign-in and admin pages, on the app's server."""
    server.config.update(
        SECRET_KEY=store.secret_key(),
        SESSION_COOKIE_NAME="cityops_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        # The cookie may outlive a user's session (the store ends that after CITYOPS_SESSION_HOURS); a wall's
        # session has no end but its token's revocation, and its cookie must not lapse under it.
        PERMANENT_SESSION_LIFETIME=timedelta(days=400),
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
    )
    server.session_interface = SessionsBesideStaticFiles()
    CSRFProtect(server)
    manager = flask_login.LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def load_session(session_id: str) -> SignedIn | None:
        principal = store.session(session_id)
        return None if principal is None else SignedIn(principal)

    @manager.request_loader
    def load_bearer(request: flask.Request) -> SignedIn | None:
        kind, _, token = (request.headers.get("Authorization") or "").partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            return None
        principal = store.api_principal(token.strip())
        return None if principal is None else SignedIn(principal)

    @server.before_request
    def gate() -> Any:
        request = flask.request
        wall_token = request.args.get("wall")
        if wall_token is not None and request.method == "GET":
            refused = _open_wall(store, wall_token)
            if refused is not None:
                return refused
        path = request.path
        if _public_static(path):
            return None  # no session looked up for a file anyone may have
        principal = current_principal()
        if path.startswith("/admin") and not (principal and may_administer(principal.role)):
            if principal is None:
                return _refuse_anonymous()  # to the sign-in page, demo mode or not
            return _error(403, t(_lang(), "auth.admins_only"))
        if principal is not None or settings.demo:
            return None
        if path in OPEN_PATHS:
            return None
        return _refuse_anonymous()

    @server.after_request
    def csrf_cookie(response: flask.Response) -> flask.Response:
        # Every page carries a fresh token in the cookie Dash's renderer reads; Dash's own POSTs then send it.
        path = flask.request.path
        if response.mimetype == "text/html" or (
            CSRF_COOKIE not in flask.request.cookies and path.startswith("/_dash") and not _public_static(path)
        ):
            response.set_cookie(
                CSRF_COOKIE,
                generate_csrf(),
                samesite="Strict",
                secure=settings.secure_cookies,
                httponly=False,
            )
        return response

    @server.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> tuple[flask.Response, int]:
        return flask.jsonify({"error": f"refused: {error.description} Reload the page and try again."}), 400

    server.register_blueprint(auth)


def _open_wall(store: AccountStore, token: str) -> Any:
    """Sign a wall in by the token in its URL, or say that the link no longer opens anything."""
    principal = current_principal()
    token_id = token.partition("_")[2].partition("_")[0]
    if principal is not None and principal.kind == "wall" and principal.token_id == token_id:
        return None  # the same wall reloading: its session is still good
    opened = store.wall_session(token)
    if opened is None:
        if principal is not None and principal.kind == "wall":
            flask_login.logout_user()
        lang = _lang()
        return flask.render_template("auth/lost.html", lang=lang, t=t), 401
    flask_login.login_user(SignedIn(opened))
    flask.session.permanent = True
    return None


def _refuse_anonymous() -> Any:
    request = flask.request
    lang = _lang()
    wants_page = (
        request.method == "GET"
        and request.accept_mimetypes.accept_html
        and not (request.path.startswith(("/api/", "/_dash")) or request.path.endswith((".csv", ".json", ".geojson")))
    )
    if wants_page:
        target = request.full_path if request.query_string else request.path
        return flask.redirect(flask.url_for("auth.login", next=target, lang=lang))
    return _error(401, t(lang, "auth.lost_access"))


def _error(status: int, message: str) -> tuple[flask.Response, int]:
    response = flask.jsonify({"error": message, "sign_in": "/auth/login"})
    response.headers["Cache-Control"] = "no-store"
    return response, status


@auth.get("/auth/login")
def login() -> Any:
    return _login_page(None, 200)


def _login_page(error: str | None, status: int) -> Any:
    settings = current().settings
    lang = _lang()
    return (
        flask.render_template(
            "auth/login.html",
            lang=lang,
            t=t,
            error=error,
            next=safe_next(flask.request.values.get("next")),
            demo=settings.demo,
            signed_in=current_principal(),
        ),
        status,
    )


@auth.post("/auth/login")
def login_post() -> Any:
    settings = current().settings
    form = flask.request.form
    try:
        principal = accounts().sign_in(
            form.get("name", "").strip(), form.get("password", ""), settings.session_hours * 3600
        )
    except AccountError:
        return _login_page(t(_lang(), "auth.refused"), 401)
    old = current_principal()
    if old is not None and old.session_id:
        accounts().end_session(old.session_id)
    flask_login.login_user(SignedIn(principal))
    flask.session.permanent = True
    return flask.redirect(safe_next(form.get("next")))


@auth.post("/auth/logout")
def logout() -> Any:
    principal = current_principal()
    if principal is not None and principal.session_id:
        accounts().end_session(principal.session_id)
    flask_login.logout_user()
    return flask.redirect(flask.url_for("auth.login", lang=_lang()))


@auth.get("/admin")
def admin() -> Any:
    return _admin_page(None, None, 200)


def _admin_page(message: str | None, new_token: dict[str, str] | None, status: int) -> Any:
    store = accounts()
    return (
        flask.render_template(
            "auth/admin.html",
            lang=_lang(),
            t=t,
            me=current_principal(),
            users=store.users(),
            tokens=store.tokens(),
            log=store.admin_log(50),
            roles=ROLES,
            message=message,
            new_token=new_token,
            when=_when,
        ),
        status,
    )


def _when(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _by() -> str:
    principal = current_principal()
    return principal.name if principal else "?"


@auth.post("/admin/users")
def admin_add_user() -> Any:
    form = flask.request.form
    try:
        accounts().add_user(
            form.get("name", ""), form.get("role", ""), form.get("password", ""), by=_by(), source=_source()
        )
    except AccountError as exc:
        return _admin_page(str(exc), None, 400)
    return _admin_page(t(_lang(), "admin.user_added", name=form.get("name", "").strip()), None, 200)


@auth.post("/admin/users/<name>")
def admin_change_user(name: str) -> Any:
    form = flask.request.form
    store = accounts()
    change = form.get("change")
    try:
        if change == "role":
            store.set_role(name, form.get("role", ""), by=_by(), source=_source())
        elif change in ("disable", "enable"):
            store.set_disabled(name, change == "disable", by=_by(), source=_source())
        elif change == "password":
            store.set_password(name, form.get("password", ""), by=_by(), source=_source())
        else:
            raise AccountError(f"unknown change {change!r}")
    except AccountError as exc:
        return _admin_page(str(exc), None, 400)
    return _admin_page(t(_lang(), "admin.user_changed", name=name), None, 200)


@auth.post("/admin/tokens")
def admin_create_token() -> Any:
    form = flask.request.form
    kind = form.get("kind", "")
    try:
        token = accounts().create_token(kind, form.get("label", ""), by=_by(), source=_source())
    except AccountError as exc:
        return _admin_page(str(exc), None, 400)
    shown = {"kind": kind, "token": token, "label": form.get("label", "").strip()}
    if kind == "wall":
        shown["url"] = f"{flask.request.host_url}?wall={token}"
    return _admin_page(None, shown, 200)


@auth.post("/admin/tokens/<token_id>/revoke")
def admin_revoke_token(token_id: str) -> Any:
    try:
        accounts().revoke_token(token_id, by=_by(), source=_source())
    except AccountError as exc:
        return _admin_page(str(exc), None, 400)
    return _admin_page(t(_lang(), "admin.token_revoked", id=token_id), None, 200)
