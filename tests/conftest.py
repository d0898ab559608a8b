"""Shared fixtures: the real Guiyang pack, a fresh topic namespace per test, the real broker and Chromium.

Tests that need the broker or the browser skip when run by hand without them, but ``make test`` sets
``CITYOPS_REQUIRE_ALL_TESTS=1`` and then a missing broker or browser fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from consumers.citypack import CityPack, load_city_pack
from consumers.settings import Settings, Topics

REPO = Path(__file__).resolve().parent.parent
GUIYANG = REPO / "assets" / "city" / "guiyang"


def _unavailable(what: str) -> None:
    if os.environ.get("CITYOPS_REQUIRE_ALL_TESTS") == "1":
        pytest.fail(f"{what} is required by make test but is not available")
    pytest.skip(f"{what} not available (run make test)")


@pytest.fixture(scope="session")
def pack() -> CityPack:
    return load_city_pack(GUIYANG)


@pytest.fixture
def settings() -> Settings:
    """Embedded settings with a topic prefix and group of their own, so tests never see each other's data."""
    tag = uuid.uuid4().hex[:8]
    return replace(
        Settings(),
        topics=Topics(f"t{tag}"),
        consumer_group=f"g{tag}",
        flush_interval_s=0.1,
    )


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    bootstrap = os.environ.get("KAFKA_TEST_BOOTSTRAP")
    if not bootstrap:
        _unavailable("the Kafka broker (KAFKA_TEST_BOOTSTRAP)")
    assert bootstrap is not None
    return bootstrap


@pytest.fixture
def kafka_settings(settings: Settings, kafka_bootstrap: str) -> Settings:
    return replace(settings, kafka_bootstrap_servers=kafka_bootstrap)


@pytest.fixture(scope="session")
def chromedriver_path() -> str:
    path = shutil.which("chromedriver")
    if path is None or shutil.which("chromium") is None:
        _unavailable("chromium and chromedriver")
    assert path is not None
    return path
