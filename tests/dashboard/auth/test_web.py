"""Sign-in on the web tier, through Flask's test client: what anonymous callers, viewers, operators, walls and API
tokens reach outside demo mode, and CSRF on every POST. (In Chromium: tests/dashboard/auth/test_auth_browser.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import flask
import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from consumers.citypack import CityPack
from consumers.clock import SystemClock
from consumers.contract import Reading
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport.memory import MemoryTransport
from dashboard.app import create_app
from dashboard.auth.store import AccountStore
from dashboard.auth.web import safe_next
from dashboard.state_view import StateView

PASSWORD = "correct horse battery"


class World:
    def __init__(self, settings: Settings, pack: CityPack) -> None:
        self.transport = MemoryTransport()
        self.runner = ConsumerRunner(settings, self.transport, pack, SystemClock(), client_id="auth-test")
        self.runner.open()
        self.view = StateView(settings, self.transport).start()
        self.accounts = AccountStore(settings.users_db, PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
        self.app = create_app(settings, pack, self.view, self.accounts)
        for name, role in (("root", "admin"), ("mei", "operator"), ("li", "viewer")):
            self.accounts.add_user(name, role, PASSWORD, by="test")
        self.settings = settings
        self.pack = pack

    def client(self) -> FlaskClient:
        return self.app.server.test_client()

    def actions_written(self) -> int:
        return self.transport.broker.retained().get(self.settings.topics.actions, (0, 0))[0]


@pytest.fixture
def world(settings: Settings, pack: CityPack) -> Iterator[World]:
    built = World(replace(settings, demo_mode=False), pack)
    yield built
    built.view.stop()


def form_token(page: flask.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found, "the form carries no CSRF token"
    return found.group(1)


def signed_in(world: World, name: str) -> FlaskClient:
    client = world.client()
    token = form_token(client.get("/auth/login"))
    answer = client.post("/auth/login", data={"name": name, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def test_anonymous_pages_go_to_sign_in_and_the_api_answers_401(world: World) -> None:
    client = world.client()
    page = client.get("/alarms?lang=zh", headers={"Accept": "text/html"})
    assert page.status_code == 302 and page.location.startswith("/auth/login?next=/alarms")
    for path in ("/api/v1/districts", "/api/v1/alarms.csv", "/api/v1/report.html", "/_dash-layout", "/admin"):
        refused = client.get(path)
        assert refused.status_code == 401, path
        assert refused.get_json()["sign_in"] == "/auth/login"
    assert client.get("/auth/login").status_code == 200
    assert client.get("/assets/dashboard.css").status_code == 200


def test_dash_scripts_are_public_and_neither_set_nor_vary_by_a_cookie(world: World) -> None:
    """So that a browser uses its year-cached copy at the next visit, whatever cookies the pages renewed meanwhile;
    the page and its live answers still vary by the session."""
    viewer = signed_in(world, "li")
    page = viewer.get("/")
    assert "Cookie" in page.headers["Vary"]
    scripts = [src for src in re.findall(r'<script src="([^"]+)"', page.get_data(as_text=True)) if "_dash-comp" in src]
    assert len(scripts) >= 4, scripts
    anonymous = world.client()
    for src in scripts:
        for client in (viewer, anonymous):
            answer = client.get(src)
            assert answer.status_code == 200, src
            assert "Cookie" not in answer.headers.get("Vary", ""), (src, answer.headers["Vary"])
            assert "Set-Cookie" not in answer.headers, src
    assert anonymous.get("/_dash-layout").status_code == 401  # what the scripts draw is still for the signed-in


def test_health_stays_open_but_names_no_host_or_process_to_anonymous_callers(world: World) -> None:
    now = datetime.now(UTC)
    spec = world.pack.sensors["NM-05"]
    reading = Reading(spec.type, spec.id, spec.district, now, {"stage_m": 1.1})
    world.transport.producer().send(world.settings.topics.river, reading.encode(), key=spec.district.encode())
    world.runner.step(timeout_s=0.5)
    world.runner.flush()
    assert world.view.wait_until(lambda s: any(e.get("kind") == "consumer" for e in s.entities.values()), 10)
    anonymous = world.client().get("/health").get_json()
    assert anonymous["status"] == "ok"
    assert "id" not in anonymous["consumers"][0] and "recent" not in anonymous["internal_errors"]
    assert "auth-test" not in str(anonymous)
    detailed = signed_in(world, "li").get("/health").get_json()
    assert "auth-test" in detailed["consumers"][0]["id"] and "recent" in detailed["internal_errors"]


def test_a_post_without_its_csrf_token_is_refused(world: World) -> None:
    client = world.client()
    client.get("/auth/login")
    refused = client.post("/auth/login", data={"name": "mei", "password": PASSWORD})
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    client = signed_in(world, "mei")
    assert client.post("/auth/logout").status_code == 400  # a page elsewhere cannot sign a person out either
    assert client.get("/api/v1/districts").status_code == 200


def test_a_wrong_password_is_refused_on_the_page_and_signs_nobody_in(world: World) -> None:
    client = world.client()
    token = form_token(client.get("/auth/login"))
    answer = client.post("/auth/login", data={"name": "mei", "password": "guess", "csrf_token": token})
    assert answer.status_code == 401 and "Wrong name or password" in answer.get_data(as_text=True)
    assert client.get("/api/v1/districts").status_code == 401


def test_signing_out_ends_the_session_on_every_worker(world: World, pack: CityPack) -> None:
    client = signed_in(world, "mei")
    cookie = client.get_cookie("cityops_session")
    assert cookie is not None
    other_worker = create_app(world.settings, pack, world.view, world.accounts).server.test_client()
    other_worker.set_cookie("cityops_session", cookie.value)
    assert other_worker.get("/api/v1/districts").status_code == 200
    token = form_token(client.get("/auth/login"))  # the sign-out button carries the same session token
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert other_worker.get("/api/v1/districts").status_code == 401  # the same cookie, replayed: the session is over


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/alarms?lang=zh", "/alarms?lang=zh"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("alarms", "/"),
        (None, "/"),
    ],
)
def test_after_signing_in_only_a_path_on_this_server_is_followed(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_an_api_token_reads_the_api_until_it_is_revoked(world: World) -> None:
    token = world.accounts.create_token("api", "reporting job", by="root")
    client = world.client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/districts", headers=bearer).status_code == 200
    assert client.get("/api/v1/districts", headers={"Authorization": "Bearer coa_x_y"}).status_code == 401
    world.accounts.revoke_token(token.split("_")[1], by="root", source="test")
    assert client.get("/api/v1/districts", headers=bearer).status_code == 401


def test_a_wall_link_opens_the_map_read_only_and_its_revocation_is_said_at_the_next_request(world: World) -> None:
    token = world.accounts.create_token("wall", "control room wall 2", by="root")
    wall = world.client()
    assert wall.get(f"/?wall={token}").status_code == 200
    assert wall.get("/api/v1/status").status_code == 200  # the session the link opened, without the token
    assert wall.get("/admin").status_code == 403
    world.accounts.revoke_token(token.split("_")[1], by="root", source="test")
    lost = wall.get("/api/v1/status")
    assert lost.status_code == 401 and "wall link was revoked" in lost.get_json()["error"]
    page = wall.get(f"/?wall={token}")
    assert page.status_code == 401 and "wall link was revoked" in page.get_data(as_text=True)


def test_only_an_admin_reaches_the_admin_page_and_a_new_token_is_shown_once(world: World) -> None:
    for name in ("li", "mei"):
        assert signed_in(world, name).get("/admin").status_code == 403
    admin = signed_in(world, "root")
    page = admin.get("/admin")
    assert page.status_code == 200 and "mei" in page.get_data(as_text=True)
    made = admin.post("/admin/tokens", data={"kind": "wall", "label": "lobby", "csrf_token": form_token(page)})
    text = made.get_data(as_text=True)
    url = re.search(r'id="admin-new-url">([^<]+)<', text)
    assert url and "?wall=cow_" in url.group(1)
    again = admin.get("/admin").get_data(as_text=True)
    assert "lobby" in again and url.group(1).split("wall=")[1] not in again


def test_a_name_is_escaped_on_the_admin_page(world: World) -> None:
    world.accounts.add_user("<script>alert(1)</script>", "viewer", PASSWORD, by="root")
    page = signed_in(world, "root").get("/admin").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def flood(world: World) -> str:
    gauge = world.pack.sensors["NM-01"]
    now = datetime.now(UTC).replace(microsecond=0)
    for minutes_ago, stage in ((10, 1.2), (5, 3.5)):
        reading = Reading(
            gauge.type, gauge.id, gauge.district, now - timedelta(minutes=minutes_ago), {"stage_m": stage}
        )
        world.transport.producer().send(world.settings.topics.river, reading.encode(), key=gauge.district.encode())
    world.runner.step(timeout_s=0.5)
    world.runner.flush()
    found: list[str] = []

    def raised(snapshot: Any) -> bool:
        found[:] = [a["id"] for a in snapshot.of_kind("alarm").values() if a["entity"] == "sensor:NM-01"]
        return bool(found)

    assert world.view.wait_until(raised, 10), "the flood raised no alarm"
    return found[0]


def acknowledge(client: FlaskClient, alarm_id: str) -> flask.Response:
    """The alarm page's acknowledge button, as dash-renderer sends it."""
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None
    body = {
        "output": "..alarms-pending.data...alarms-result.children...alarms-comment.value..",
        "outputs": [
            {"id": "alarms-pending", "property": "data"},
            {"id": "alarms-result", "property": "children"},
            {"id": "alarms-comment", "property": "value"},
        ],
        "inputs": [
            {"id": "alarms-ack", "property": "n_clicks", "value": 1},
            {"id": "alarms-shelve", "property": "n_clicks", "value": None},
            {"id": "alarms-unshelve", "property": "n_clicks", "value": None},
            {"id": "alarms-add-comment", "property": "n_clicks", "value": None},
        ],
        "changedPropIds": ["alarms-ack.n_clicks"],
        "state": [
            {"id": "alarms-selected", "property": "data", "value": alarm_id},
            {"id": "alarms-comment", "property": "value", "value": "on it"},
            {"id": "alarms-shelve-for", "property": "value", "value": 60},
            {"id": "alarms-lang", "property": "data", "value": "en"},
        ],
    }
    return client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": cookie.value})


def test_a_viewer_cannot_acknowledge_even_by_sending_the_buttons_request_and_an_operator_can(world: World) -> None:
    alarm_id = flood(world)
    viewer = signed_in(world, "li")
    viewer.get("/alarms")
    assert acknowledge(viewer, alarm_id).status_code == 204  # nothing to update: no action was written
    assert world.actions_written() == 0
    operator = signed_in(world, "mei")
    operator.get("/alarms")
    answer = acknowledge(operator, alarm_id)
    assert answer.status_code == 200 and world.actions_written() == 1
    assert "alarms-sending" in answer.get_data(as_text=True)


def test_in_demo_mode_anonymous_visitors_view_but_are_sent_to_sign_in_for_the_admin_page(
    settings: Settings, pack: CityPack
) -> None:
    demo = World(replace(settings, demo_mode=True), pack)
    try:
        client = demo.client()
        assert client.get("/api/v1/districts").status_code == 200
        admin = client.get("/admin", headers={"Accept": "text/html"})
        assert admin.status_code == 302 and admin.location.startswith("/auth/login?next=/admin")
        assert signed_in(demo, "li").get("/admin").status_code == 403
    finally:
        demo.view.stop()


def test_signing_out_after_the_session_ended_still_lands_on_the_sign_in_page(world: World) -> None:
    client = signed_in(world, "mei")
    token = form_token(client.get("/auth/login"))
    world.accounts.set_disabled("mei", True, by="root", source="test")  # the session ends under the open page
    answer = client.post("/auth/logout", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.location.startswith("/auth/login")


def test_an_admin_sets_a_new_password_and_the_old_one_no_longer_signs_in(world: World) -> None:
    admin = signed_in(world, "root")
    page = admin.get("/admin")
    changed = admin.post(
        "/admin/users/mei",
        data={"change": "password", "password": "a much newer password", "csrf_token": form_token(page)},
    )
    assert changed.status_code == 200 and "User mei changed" in changed.get_data(as_text=True)
    client = world.client()
    token = form_token(client.get("/auth/login"))
    old = client.post("/auth/login", data={"name": "mei", "password": PASSWORD, "csrf_token": token})
    assert old.status_code == 401
    new = client.post("/auth/login", data={"name": "mei", "password": "a much newer password", "csrf_token": token})
    assert new.status_code == 302
