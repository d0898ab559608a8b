"""How the project starts Debian's headless Chromium: the browser tests (``tests/conftest.py``) and the benches that
read a page in a real browser (``bench.web_load``, ``bench.wall_memory``) use the same options."""

from __future__ import annotations

from selenium import webdriver

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium_options(profile: str, *extra: str, width: int = 1920, height: int = 1080) -> webdriver.ChromeOptions:
    """Headless, no GPU, nothing fetched in the background, a wall's window, a profile of its own (``profile``, a
    folder), and ``extra`` flags."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
        *extra,
    ):
        options.add_argument(flag)
    return options
