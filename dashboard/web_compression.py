"""Compressed responses and long-lived caching of fingerprinted assets: a first page load under 2 MB.

A first visit to the map fetched 6.99 MB, 4.7 MB of it ``plotly.min.js``, all uncompressed; every live update of
the map was 19 KiB of JSON. Every response a browser accepts compressed now is (flask-compress: brotli first,
then zstd, gzip, deflate, as the client offers them), and scripts are still served by this server from the
installed packages: nothing comes from a CDN.

Static files are the same bytes for every visitor, so each worker compresses each of them once and keeps the
result in a cache that belongs to the app (``AssetCache``), keyed by URL and algorithm, for the component suites
only, whose bytes depend on nothing but the URL; everything else is compressed per request. Brotli quality 5:
``plotly.min.js`` 4.7 MB to 1.29 MB (quality 4: 1.41 MB), 0.3 s once per worker; a 12 KiB map patch to 1.8 KiB
in 0.3 ms; the page's first layout (868 KB, the districts' GeoJSON three times) to 70 KB in 15 ms, where gzip
makes 256 KB (brotli's window spans the copies). The few KiB of ``assets/`` files are sent as files, streamed,
and compressed as they stream.

Caching headers: Dash fingerprints its component suites (``dash_renderer.v4_4_1m….min.js``) and gives them a
year; the files of ``assets/`` carry their modification time in the query (``dashboard.css?m=…``), so they get a
year too, where Dash sent ``no-cache``; a changed file gets a new URL. ``plotly.min.js`` has no fingerprint in
its URL: it keeps its ETag, and a second visit revalidates it (a 304 of a few hundred bytes).
"""

from __future__ import annotations

import dash
import flask
from flask_compress import Compress

YEAR_S = 365 * 24 * 3600
BROTLI_QUALITY = 5
NOT_CACHED = ""


def _asset(request: flask.Request) -> bool:
    """Whether the answer is a static file whose bytes depend only on its URL."""
    return request.method == "GET" and request.path.startswith("/_dash-component-suites/")


def cache_key(request: flask.Request) -> str:
    """flask-compress asks for a key for every response; only static files get one that is kept."""
    return request.full_path if _asset(request) else NOT_CACHED


class AssetCache:
    """flask-compress's cache backend: compressed static files, one entry per URL and algorithm.

    Keeps only keys that ``cache_key`` made for component suites of the installed packages: a bounded set (about
    a dozen files per algorithm), the same for every visitor."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(";" + NOT_CACHED):
            self._data.setdefault(key, value)


def install_compression(app: dash.Dash) -> None:
    """Compress what the client accepts compressed; give fingerprinted assets a year in the browser's cache."""
    server = app.server
    server.config.update(
        COMPRESS_ALGORITHM=["br", "zstd", "gzip", "deflate"],
        COMPRESS_BR_LEVEL=BROTLI_QUALITY,
        COMPRESS_LEVEL=6,
        COMPRESS_ZSTD_LEVEL=3,
        COMPRESS_MIN_SIZE=500,
        COMPRESS_CACHE_KEY=cache_key,
        COMPRESS_CACHE_BACKEND=AssetCache,
    )
    Compress(server)

    @server.after_request
    def cache_fingerprinted(response: flask.Response) -> flask.Response:
        request = flask.request
        if response.status_code == 200 and request.path.startswith("/assets/") and request.args.get("m"):
            response.headers["Cache-Control"] = f"public, max-age={YEAR_S}, immutable"
        return response
