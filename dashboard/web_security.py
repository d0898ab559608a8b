"""Security headers on every response, and a cap on request bodies.

The page is shown on control-room walls and in managers' browsers, often embedded by wall software, and
it draws names from the city pack. A Content-Security-Policy limits what a page could do if something
from the pack or the state ever slipped into it unescaped: scripts only from this server, plus Dash's own
inline scripts by their hashes (``app.csp_hashes()``); never a script that merely happens to sit in the
page. MapLibre draws the map in workers made from ``blob:`` URLs, so ``worker-src blob:``. Styles allow
``'unsafe-inline'``: plotly.js and Dash's components add ``<style>`` elements at run time, and a style
cannot run code. Who may frame the page is a setting (``CITYOPS_FRAME_ANCESTORS``).

Bodies: Dash's updates are a few KiB, yet nothing stopped a 600 MiB POST from being read into memory
(1.9 GiB in one worker). A declared ``Content-Length`` over the cap is answered 413 before the body is
read. A chunked body declares nothing, so reading it raises 413 as soon as it passes the cap. Flask's
``MAX_CONTENT_LENGTH`` is not used for that: werkzeug stops a chunked body at the limit without an
error, and Dash then answers 400 for the truncated JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import dash
import flask
from werkzeug.exceptions import RequestEntityTooLarge

from consumers.settings import Settings

_PIECE = 64 * 1024


class CappedInput:
    """``wsgi.input`` of a chunked body: reads past ``limit`` bytes in all raise 413, never buffer more."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._seen = 0

    def _count(self, data: bytes) -> bytes:
        self._seen += len(data)
        if self._seen > self._limit:
            raise RequestEntityTooLarge()
        return data

    def _budget(self, size: int | None) -> int:
        left = self._limit + 1 - self._seen  # one byte more than allowed is enough to know
        return left if size is None or size < 0 else min(size, left)

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size >= 0:
            return self._count(self._stream.read(self._budget(size)))
        out = bytearray()
        while piece := self._stream.read(min(_PIECE, self._budget(None))):
            out += self._count(piece)
        return bytes(out)

    def readline(self, size: int | None = -1) -> bytes:
        return self._count(self._stream.readline(self._budget(size)))

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


def content_security_policy(script_hashes: list[str], frame_ancestors: str) -> str:
    """The policy the map page works under in Chromium with no violation (tests/dashboard/test_web_security.py)."""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *script_hashes]),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        "child-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": frame_ancestors,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def frame_options(frame_ancestors: str) -> str | None:
    """The X-Frame-Options equivalent of the frame policy, for browsers without CSP level 2.

    It can say only "same origin" or "nobody"; for a list of other origins it is left out, since
    ``DENY`` would break the walls that the list allows, and CSP ``frame-ancestors`` takes precedence
    wherever it is understood.
    """
    return {"'self'": "SAMEORIGIN", "'none'": "DENY"}.get(frame_ancestors)


def install_security(app: dash.Dash, settings: Settings) -> None:
    """Add the body cap and the response headers to the app's Flask server."""
    server = app.server
    limit = settings.web_max_body_bytes
    inner = server.wsgi_app

    def cap_chunked_bodies(environ: dict[str, Any], start_response: Any) -> Any:
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            environ["wsgi.input"] = CappedInput(environ["wsgi.input"], limit)
        return inner(environ, start_response)

    server.wsgi_app = cap_chunked_bodies
    fixed = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    xfo = frame_options(settings.frame_ancestors)
    if xfo is not None:
        fixed["X-Frame-Options"] = xfo

    def too_large(_: Exception | None = None) -> tuple[flask.Response, int]:
        # gunicorn then reads at most 64 KiB of what is left of the body and closes the connection.
        return flask.jsonify({"error": f"request body over {limit} bytes"}), 413

    server.register_error_handler(413, too_large)

    @server.before_request
    def refuse_declared_large_bodies() -> tuple[flask.Response, int] | None:
        declared = flask.request.content_length  # the header only: nothing of the body is read here
        return too_large() if declared is not None and declared > limit else None

    @server.after_request
    def add_headers(response: flask.Response) -> flask.Response:
        # Hashed on every response: Dash registers some inline scripts on its first request, and hashing
        # a handful of short strings costs microseconds.
        response.headers["Content-Security-Policy"] = content_security_policy(
            list(app.csp_hashes()), settings.frame_ancestors
        )
        for name, value in fixed.items():
            response.headers[name] = value
        return response
