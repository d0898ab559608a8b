"""The guide's console without a director (against a Kafka cluster), and with one: what it offers."""

from __future__ import annotations

import dash
import pytest

from consumers.citypack import CityPack
from consumers.settings import Settings
from consumers.transport.memory import MemoryTransport
from dashboard.app import create_app
from dashboard.state_view import StateView
from tests.dashboard.pages.test_map import rendered


@pytest.fixture
def app(settings: Settings, pack: CityPack) -> dash.Dash:
    return create_app(settings, pack, StateView(settings, MemoryTransport()))


def test_without_a_director_the_console_says_where_scenarios_are_chosen_instead_of_offering_dead_buttons(
    app: dash.Dash,
) -> None:
    page = rendered(app, path="/demo", lang="de")
    assert "demo-no-director" in page and "CITYOPS_SIM_SCENARIO" in page
    assert "demo-jump" not in page and "Messeführung" in page


def test_the_visitors_screen_is_the_wall_without_controls(app: dash.Dash) -> None:
    page = rendered(app, path="/demo", visitor="1", lang="zh")
    assert "wall-graph" in page and "贵阳城市运行" in page
    assert "demo-jump" not in page and "demo-play" not in page
