"""What a browser does before its first Dash request: load a page, which sets the CSRF cookie, and send the cookie's
value back in ``X-CSRFToken`` (as dash-renderer does on every callback)."""

from __future__ import annotations

from flask.testing import FlaskClient

from dashboard.auth.web import CSRF_COOKIE


def csrf_headers(client: FlaskClient, page: str = "/") -> dict[str, str]:
    client.get(page)
    cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None, f"{page} set no {CSRF_COOKIE} cookie"
    return {"X-CSRFToken": cookie.value}
