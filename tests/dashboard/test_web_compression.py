"""Compressed answers, a year of browser cache for fingerprinted assets, and the page's scripts still local.

In-process through Flask's test client (``dashboard/web_compression.py``); the same seen by real Chromium, on the
wire, is in ``tests/dashboard/pages/test_map_browser.py``.
"""

from __future__ import annotations

import gzip
import json
import re

import brotli
import flask
import pytest

from consumers.citypack import CityPack
from consumers.settings import Settings
from consumers.transport.memory import MemoryTransport
from dashboard.app import create_app
from dashboard.context import RenderCache
from dashboard.state_view import StateView
from tests.dashboard.csrf import csrf_headers

CHROMIUM_ACCEPTS = "gzip, deflate, br, zstd"


@pytest.fixture
def client(settings: Settings, pack: CityPack) -> flask.testing.FlaskClient:
    return create_app(settings, pack, StateView(settings, MemoryTransport())).server.test_client()


def page_scripts(client: flask.testing.FlaskClient) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', client.get("/").get_data(as_text=True))


def test_every_script_of_the_page_is_served_by_this_server(client: flask.testing.FlaskClient) -> None:
    scripts = page_scripts(client)
    assert len(scripts) > 5
    assert all(src.startswith("/") and not src.startswith("//") for src in scripts), scripts
    for src in scripts:
        assert client.get(src, headers={"Accept-Encoding": CHROMIUM_ACCEPTS}).status_code == 200, src


@pytest.mark.parametrize(("accepts", "encoding"), [("gzip", "gzip"), (CHROMIUM_ACCEPTS, "br"), ("", None)])
def test_scripts_are_compressed_when_the_client_accepts_it(
    client: flask.testing.FlaskClient, accepts: str, encoding: str | None
) -> None:
    plain = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js").data
    response = client.get(
        "/_dash-component-suites/plotly/package_data/plotly.min.js", headers={"Accept-Encoding": accepts}
    )
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    body = {"gzip": gzip.decompress, "br": brotli.decompress, None: bytes}[encoding](response.data)
    assert body == plain and len(plain) > 4_000_000
    if encoding == "br":
        assert len(response.data) < 1_400_000  # 4.7 MB of plotly.js: the bulk of a first visit
    # A second request is answered from the worker's cache of compressed files, with the same bytes.
    again = client.get(
        "/_dash-component-suites/plotly/package_data/plotly.min.js", headers={"Accept-Encoding": accepts}
    )
    assert again.data == response.data


def test_a_compressed_answer_still_carries_the_security_headers(client: flask.testing.FlaskClient) -> None:
    response = client.get(page_scripts(client)[0], headers={"Accept-Encoding": CHROMIUM_ACCEPTS})
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_revisit_of_a_compressed_script_is_a_304(client: flask.testing.FlaskClient) -> None:
    path = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    first = client.get(path, headers={"Accept-Encoding": CHROMIUM_ACCEPTS})
    etag = first.headers["ETag"]
    again = client.get(path, headers={"Accept-Encoding": CHROMIUM_ACCEPTS, "If-None-Match": etag})
    assert again.status_code == 304 and not again.data


def test_fingerprinted_assets_are_cached_for_a_year(client: flask.testing.FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    stylesheet = re.search(r'href="(/assets/dashboard\.css\?m=[^"]+)"', page)
    assert stylesheet is not None
    assert client.get(stylesheet.group(1)).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    renderer = next(src for src in page_scripts(client) if "dash_renderer" in src)
    assert "max-age=31536000" in client.get(renderer).headers["Cache-Control"]
    # Without its fingerprint a file may change under the same URL: no year in the cache for it.
    assert "max-age=31536000" not in client.get("/assets/dashboard.css").headers.get("Cache-Control", "")


def test_live_answers_are_compressed_and_the_status_is_never_cached(client: flask.testing.FlaskClient) -> None:
    status = client.get("/api/v1/status", headers={"Accept-Encoding": "gzip"})
    assert status.headers["Cache-Control"] == "no-store"
    assert json.loads(gzip.decompress(status.data))["status"] == "starting"
    layout = client.post(
        "/_dash-update-component",
        json={
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": "/"},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
        },
        headers={"Accept-Encoding": CHROMIUM_ACCEPTS, **csrf_headers(client)},
    )
    assert layout.status_code == 200 and layout.headers["Content-Encoding"] == "br"
    plain = brotli.decompress(layout.data)
    assert b"map-graph" in plain
    assert len(layout.data) < len(plain) / 5  # the districts' GeoJSON, three times over, compresses well


def test_a_render_is_made_once_per_key_and_the_cache_stays_bounded() -> None:
    cache = RenderCache(size=2)
    made: list[str] = []

    def make(key: str) -> object:
        made.append(key)
        return object()

    first = cache.get("a", lambda: make("a"))
    assert cache.get("a", lambda: make("a")) is first
    cache.get("b", lambda: make("b"))
    cache.get("c", lambda: make("c"))
    assert cache.get("a", lambda: make("a")) is not first  # evicted: the two newest keys stay
    assert made == ["a", "b", "c", "a"]
