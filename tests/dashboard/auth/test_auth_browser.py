"""Sign-in in real Chromium against ``python -m dashboard`` outside demo mode: anonymous visitors are sent to the
sign-in page, an admin made by the command line makes a wall link on ``/admin``, the wall shows the map, and when the
admin revokes the link the wall says on screen that it lost access. In demo mode an anonymous visitor views, and the
page says so."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.dashboard.auth.signing_in import sign_in
from tests.dashboard.pages.test_map_browser import LOADED_MACHINE_WAIT_S, SCREENSHOTS
from tests.web_server import REPO, free_port, start_dashboard

pytestmark = pytest.mark.browser
ADMIN, PASSWORD = "ops.admin", "correct horse battery"


def embedded_env(tmp_path: Path, demo: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "KAFKA_"))}
    env.update(
        PORT=str(free_port()),
        CITYOPS_DEMO_MODE="1" if demo else "0",
        CITYOPS_USERS_DB=str(tmp_path / "users.sqlite"),
        CITYOPS_UI_REFRESH_MS="500",
    )
    return env


@pytest.fixture
def signed_in_only(tmp_path: Path) -> Iterator[str]:
    """The embedded product with demo mode off, and its first admin made as the README says."""
    env = embedded_env(tmp_path, demo=False)
    made = subprocess.run(
        [sys.executable, "-m", "dashboard.auth", "create-admin", ADMIN, "--password-stdin"],
        cwd=REPO,
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    again = subprocess.run(
        [sys.executable, "-m", "dashboard.auth", "create-admin", "second", "--password-stdin"],
        cwd=REPO,
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2 and "an admin exists already" in again.stderr
    url, server = start_dashboard(env, tmp_path / "web.log")
    yield url
    server.terminate()
    server.wait(timeout=30)


def wait_for(driver: webdriver.Chrome, script: str, what: str) -> object:
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while not (found := driver.execute_script(script)):
        assert time.monotonic() < deadline, f"{what}: {driver.execute_script('return document.body.innerText')[:500]}"
        time.sleep(0.1)
    return found


MAP_DRAWN = "return (document.getElementById('map-districts')?.innerText || '').trim().length > 0;"


def test_an_anonymous_visitor_is_sent_to_sign_in_and_a_revoked_wall_says_it_lost_access(
    signed_in_only: str, browser: webdriver.Chrome, second_browser: webdriver.Chrome
) -> None:
    url = signed_in_only
    second_browser.get(f"{url}/alarms")
    wait_for(second_browser, "return document.getElementById('auth-form') !== null;", "anonymous: the sign-in page")
    assert "/auth/login?next=/alarms" in second_browser.current_url
    assert "Alarms" not in second_browser.find_element(By.TAG_NAME, "body").text
    second_browser.save_screenshot(str(SCREENSHOTS / "auth-sign-in.png"))

    sign_in(browser, url, ADMIN, PASSWORD, then="/admin")
    wait_for(browser, "return document.getElementById('admin-add-token') !== null;", "the admin page")
    browser.find_element(By.CSS_SELECTOR, "#admin-add-token input[name=label]").send_keys("control room wall 2")
    browser.find_element(By.CSS_SELECTOR, "#admin-add-token button").click()
    wall_url = str(wait_for(browser, "return document.getElementById('admin-new-url')?.innerText;", "the wall link"))
    browser.save_screenshot(str(SCREENSHOTS / "auth-admin.png"))

    second_browser.get(wall_url)
    wait_for(second_browser, MAP_DRAWN, "the wall should draw the map")
    wall = second_browser.find_element(By.CLASS_NAME, "account-wall").text
    assert wall == "WALL · control room wall 2", wall
    assert not second_browser.find_elements(By.ID, "access-lost")

    token_id = wall_url.split("wall=cow_")[1].split("_")[0]
    browser.get(f"{url}/admin")
    browser.find_element(By.CSS_SELECTOR, f"tr[data-token='{token_id}'] .admin-revoke").click()
    wait_for(browser, "return document.getElementById('admin-message')?.innerText.includes('revoked');", "revoked")
    revoked = time.monotonic()
    lost = wait_for(
        second_browser,
        "return document.getElementById('access-lost')?.innerText;",
        "the wall should say it lost access",
    )
    print(f"the wall said it lost access {time.monotonic() - revoked:.1f} s after the revocation")
    assert "wall link was revoked" in str(lost)
    second_browser.save_screenshot(str(SCREENSHOTS / "auth-wall-revoked.png"))
    second_browser.get(wall_url)  # reloaded, the link opens nothing any more
    assert "wall link was revoked" in second_browser.find_element(By.ID, "auth-lost").text

    # Signed out, the admin's browser is anonymous again: back to the sign-in page.
    browser.get(f"{url}/")
    wait_for(browser, MAP_DRAWN, "the map, signed in")
    assert ADMIN in browser.find_element(By.ID, "account-name").text
    browser.find_element(By.ID, "account-sign-out").click()
    wait_for(browser, "return document.getElementById('auth-form') !== null;", "signed out: the sign-in page")
    browser.get(f"{url}/")
    wait_for(browser, "return document.getElementById('auth-form') !== null;", "the map needs signing in again")


def test_in_demo_mode_an_anonymous_visitor_views_and_is_told_so(tmp_path: Path, browser: webdriver.Chrome) -> None:
    url, server = start_dashboard(embedded_env(tmp_path, demo=True), tmp_path / "web.log")
    try:
        browser.get(f"{url}/")
        wait_for(browser, MAP_DRAWN, "the map, anonymously in demo mode")
        assert browser.find_element(By.ID, "account-demo").text == "DEMO MODE · open to view"
        browser.save_screenshot(str(SCREENSHOTS / "auth-demo-map.png"))
        browser.get(f"{url}/alarms")
        mode = wait_for(browser, "return document.getElementById('alarms-mode')?.innerText;", "the alarm page")
        assert str(mode).startswith("Read only: sign in as an operator")
    finally:
        server.terminate()
        server.wait(timeout=30)
