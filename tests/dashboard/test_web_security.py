"""What the web app answers besides its pages: escaped titles, security headers, body cap, HTTP 404s.

In-process through Flask's test client, and once in real Chromium: the map page under the
Content-Security-Policy, with a city pack whose name tries to inject a script.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import flask
import pytest
from selenium import webdriver

from consumers.citypack import CityPack
from consumers.settings import Settings, SettingsError
from consumers.transport.memory import MemoryTransport
from dashboard.app import create_app
from dashboard.state_view import StateView
from tests.dashboard.csrf import csrf_headers
from tests.web_server import free_port, start_dashboard

REPO = Path(__file__).resolve().parents[2]
INJECTION = "Guiyang</title><script>window.__injected = 1</script>"


def client_for(settings: Settings, pack: CityPack) -> flask.testing.FlaskClient:
    app = create_app(settings, pack, StateView(settings, MemoryTransport()))
    return app.server.test_client()


@pytest.fixture
def client(settings: Settings, pack: CityPack) -> flask.testing.FlaskClient:
    return client_for(settings, pack)


def test_the_city_name_is_escaped_in_the_page_title(settings: Settings, pack: CityPack) -> None:
    page = client_for(settings, replace(pack, name_en=INJECTION)).get("/").get_data(as_text=True)
    assert "<script>window.__injected" not in page
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    assert title is not None
    assert title.group(1) == "Guiyang&lt;/title&gt;&lt;script&gt;window.__injected = 1&lt;/script&gt; city operations"


@pytest.mark.parametrize(
    "path",
    ["/", "/nope", "/health", "/api/v1/districts", "/api/v1/nope", "/assets/dashboard.css", "/_dash-layout"],
)
def test_every_response_carries_the_security_headers(client: flask.testing.FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "worker-src 'self' blob:" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_policy_lets_exactly_dash_s_inline_scripts_run(client: flask.testing.FlaskClient) -> None:
    response = client.get("/")
    page = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.DOTALL)  # IE-only, never run
    inline = [
        body
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
        if "src=" not in attributes and "application/json" not in attributes
    ]
    assert len(inline) >= 2  # the renderer and the clientside callbacks
    script_src = response.headers["Content-Security-Policy"].split("script-src ")[1].split(";")[0].split()
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src


@pytest.mark.parametrize(
    ("ancestors", "xfo"),
    [("'self'", "SAMEORIGIN"), ("'none'", "DENY"), ("'self' https://wall.example.org:8443", None)],
)
def test_the_frame_policy_follows_the_setting(
    settings: Settings, pack: CityPack, ancestors: str, xfo: str | None
) -> None:
    env = {"CITYOPS_FRAME_ANCESTORS": ancestors}
    response = client_for(replace(settings, frame_ancestors=Settings.from_env(env).frame_ancestors), pack).get("/")
    assert response.headers["Content-Security-Policy"].endswith(f"frame-ancestors {ancestors}")
    assert response.headers.get("X-Frame-Options") == xfo


@pytest.mark.parametrize(
    "bad",
    ["", "'self'; script-src *", "'none' 'self'", "https://a.example.org,https://b.example.org", "'unsafe-inline'"],
)
def test_a_frame_policy_that_is_not_a_source_list_stops_the_start(bad: str) -> None:
    with pytest.raises(SettingsError, match="CITYOPS_FRAME_ANCESTORS"):
        Settings.from_env({"CITYOPS_FRAME_ANCESTORS": bad})


def test_the_body_cap_is_a_setting() -> None:
    assert Settings().web_max_body_bytes == 1024 * 1024
    assert Settings.from_env({"CITYOPS_WEB_MAX_BODY_BYTES": "65536"}).web_max_body_bytes == 65536
    with pytest.raises(SettingsError, match="CITYOPS_WEB_MAX_BODY_BYTES"):
        Settings.from_env({"CITYOPS_WEB_MAX_BODY_BYTES": "10"})


def test_a_body_over_the_cap_is_answered_413(client: flask.testing.FlaskClient) -> None:
    response = client.post("/_dash-update-component", data=b"{" + b" " * (1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert response.get_json() == {"error": "request body over 1048576 bytes"}
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("path", ["/nope", "/map", "/api", "/assets//city/guiyang/pack.json"])
def test_an_unknown_page_answers_404_and_still_draws_dash_s_not_found_page(
    client: flask.testing.FlaskClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert 'id="react-entry-point"' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/?lang=zh"])
def test_the_map_page_still_answers_200(client: flask.testing.FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1", "/api/v1/", "/api/v1/districts/520102/extra"])
def test_an_unknown_api_path_answers_a_json_404(client: flask.testing.FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json and "error" in response.get_json()


def test_the_api_keeps_its_own_answers_and_refuses_writes(client: flask.testing.FlaskClient) -> None:
    assert client.get("/api/v1/districts").status_code == 200
    assert client.get("/api/v1/districts/520102").get_json()["code"] == "520102"
    missing = client.get("/api/v1/districts/nope")
    assert missing.status_code == 404 and missing.get_json() == {"error": "no district nope"}
    assert client.post("/api/v1/districts").status_code == 400  # no CSRF token: refused before anything else
    refused = client.post("/api/v1/districts", headers=csrf_headers(client))
    assert refused.status_code == 405 and refused.is_json and refused.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/nope/x.js",
        "/_dash-component-suites/dash/nope.js",
        "/_dash-component-suites/dash/deps/nope.js",
        "/_dash-component-suites/dash/../../etc/passwd",
    ],
)
def test_a_bad_component_suite_path_answers_404(client: flask.testing.FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_real_component_files_are_still_served(client: flask.testing.FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts
    for src in scripts:
        assert client.get(src).status_code == 200, src


@pytest.mark.parametrize(
    "path",
    [
        *[f"/assets/city/guiyang/{f.name}" for f in sorted((REPO / "assets/city/guiyang").iterdir())],
        "/assets/city/guiyang/",
        "/assets/city",
        "/assets/x/../city/guiyang/pack.json",
        "/assets/./city/guiyang/districts.geojson",
        "/assets/City/guiyang/pack.json",
    ],
)
def test_city_pack_files_are_not_served(client: flask.testing.FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_stylesheet_is_still_served(client: flask.testing.FlaskClient) -> None:
    response = client.get("/assets/dashboard.css")
    assert response.status_code == 200 and b"control-room" in response.data


# --- real Chromium ------------------------------------------------------------------------------------


@pytest.fixture
def hostile_pack_server(tmp_path: Path) -> Iterator[str]:
    """``python -m dashboard`` (embedded) over a copy of the assets whose city name carries a script."""
    assets = tmp_path / "assets"
    shutil.copytree(REPO / "assets", assets)
    pack_json = assets / "city" / "guiyang" / "pack.json"
    meta = json.loads(pack_json.read_text())
    meta["name_en"] = INJECTION
    pack_json.write_text(json.dumps(meta, ensure_ascii=False))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "KAFKA_"))}
    env.update(PORT=str(port), CITYOPS_ASSETS_DIR=str(assets))
    url, server = start_dashboard(env, tmp_path / "web.log")
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.mark.browser
def test_the_map_renders_under_the_policy_with_no_violation_and_the_name_runs_no_script(
    hostile_pack_server: str, browser: webdriver.Chrome
) -> None:
    driver = browser
    # Collects every CSP violation from the first byte of the page on (DevTools scripts are not subject
    # to the page's policy).
    driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.__violations = []; document.addEventListener('securitypolicyviolation', e =>"
            " window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile));"
        },
    )
    driver.get(hostile_pack_server)
    deadline = time.monotonic() + 60
    loaded = False
    while not loaded and time.monotonic() < deadline:
        loaded = driver.execute_script(
            """
            const gd = document.querySelector('#map-graph .js-plotly-plot');
            const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
            return Boolean(map && map.loaded() && map.areTilesLoaded()
                && gd.data.some(t => t.type === 'choroplethmap'));
            """
        )
        if not loaded:
            time.sleep(0.2)
    screenshot = Path(tempfile.gettempdir()) / "cityops-csp-map.png"
    driver.save_screenshot(str(screenshot))
    assert loaded, f"the map never finished loading under the policy (see {screenshot})"
    # A few refreshes of the live picture, so that updates run under the policy too.
    ticks = driver.execute_script("return document.querySelector('#map-freshness').textContent")
    end = time.monotonic() + 15
    while driver.execute_script("return document.querySelector('#map-freshness').textContent") == ticks:
        assert time.monotonic() < end, "the page never refreshed"
        time.sleep(0.2)
    driver.save_screenshot(str(screenshot))
    assert driver.execute_script("return window.__violations") == []
    csp_lines = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    assert csp_lines == []
    assert driver.execute_script("return window.__injected === undefined")
    assert "<script>" not in driver.title  # Dash's page title, set by script from the registry
