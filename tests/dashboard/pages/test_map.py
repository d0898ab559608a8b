"""The map page's content without a browser: language choice and the words a visitor reads."""

from __future__ import annotations

import dash
import pytest

from consumers.citypack import CityPack
from consumers.settings import Settings
from consumers.transport.memory import MemoryTransport
from dashboard.app import create_app
from dashboard.i18n import LABELS, t
from dashboard.state_view import StateView


@pytest.fixture
def app(settings: Settings, pack: CityPack) -> dash.Dash:
    view = StateView(settings, MemoryTransport())
    return create_app(settings, pack, view)


def rendered(app: dash.Dash, **query: str) -> str:
    # Through Dash's page registry: importing the page module directly would register it a second time.
    page = next(p for p in dash.page_registry.values() if p["path"] == "/")
    with app.server.test_request_context("/"):
        return repr(page["layout"](**query).to_plotly_json())


def test_english_by_default_and_chinese_on_request(app: dash.Dash) -> None:
    english = rendered(app)
    assert "Guiyang City Operations" in english and "Districts by risk" in english
    chinese = rendered(app, lang="zh")
    assert "贵阳城市运行" in chinese and "各区风险" in chinese and "无告警" in chinese
    assert "Districts by risk" not in chinese
    assert rendered(app, lang="klingon") == english


def test_every_label_exists_in_every_language() -> None:
    assert set(LABELS["zh"]) == set(LABELS["en"])
    assert t("zh", "no_update_for", s=12) == "12 秒无更新"
