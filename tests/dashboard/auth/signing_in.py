"""Signing in as a person does: the sign-in page, the two fields, the button; then the page it leads to."""

from __future__ import annotations

import time

from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.dashboard.pages.test_map_browser import LOADED_MACHINE_WAIT_S


def sign_in(driver: webdriver.Chrome, url: str, name: str, password: str, then: str = "/") -> None:
    driver.get(f"{url}/auth/login?next={then}")
    driver.find_element(By.ID, "auth-name").send_keys(name)
    driver.find_element(By.ID, "auth-password").send_keys(password)
    driver.find_element(By.ID, "auth-submit").click()
    deadline = time.monotonic() + LOADED_MACHINE_WAIT_S
    while "/auth/login" in driver.current_url:
        error = driver.find_elements(By.ID, "auth-error")
        assert not error, f"signing in as {name} was refused: {error[0].text}"
        assert time.monotonic() < deadline, f"signing in as {name} led nowhere: {driver.current_url}"
        time.sleep(0.1)
