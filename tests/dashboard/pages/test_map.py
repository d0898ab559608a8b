"""The map page's content without a browser: language choice and the words a visitor reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dash
import pytest

from consumers.citypack import CityPack
from consumers.clock import ManualClock
from consumers.contract import Reading
from consumers.processor import Processor, ProcessorConfig
from consumers.settings import Settings
from consumers.testing import MessageFactory
from consumers.transport import topic_specs
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


def test_in_chinese_a_gauge_in_drought_warning_reads_in_chinese_everywhere_on_the_page(
    settings: Settings, pack: CityPack
) -> None:
    """The banner, the active-warnings list and the district list all say the gauge's state in Chinese, from
    the state the consumers really published (a processor fed nine days of a dry spell)."""
    start = datetime(2026, 7, 1, tzinfo=UTC)
    clock = ManualClock(start)
    processor = Processor(pack, ProcessorConfig(settings.partitions), clock)
    processor.assign(range(settings.partitions))
    messages = MessageFactory(settings)
    gauge = pack.sensors["NM-01"]
    for i in range(9 * 48):
        at = start + timedelta(minutes=30 * i)
        stage = round(1.2 * 0.93 ** max(0.0, i / 48 - 2.0), 3)
        clock.set(at)
        processor.process(messages.reading(Reading(gauge.type, gauge.id, gauge.district, at, {"stage_m": stage})))
    transport = MemoryTransport()
    transport.ensure_topics(topic_specs(settings))
    producer = transport.producer()
    for key, value in processor.drain().state:
        producer.send(settings.topics.state, value, key=key)
    view = StateView(settings, transport).start()
    try:
        assert view.wait_until(lambda s: (s.sensor(gauge.id) or {}).get("level") == "warning", 10)
        assert view.snapshot.sensor(gauge.id)["river"]["state"] == "drought_warning"  # type: ignore[index]
        app = create_app(settings, pack, view)
        page = next(p for p in dash.page_registry.values() if p["path"] == "/")
        with app.server.test_request_context("/"):
            layout = page["layout"](lang="zh").to_plotly_json()
    finally:
        view.stop()
    for part in ("map-river-banner", "map-alarms", "map-districts"):
        text = repr(component(layout, part))
        assert "预计约" in text and "低于枯水警戒 0.6 m" in text, part
        assert "expected below" not in text and gauge.name_en not in text, part
    assert "南明河" in repr(component(layout, "map-river-banner"))
    assert gauge.name_zh in repr(component(layout, "map-alarms"))


def component(tree: object, component_id: str) -> object:
    """The part of a rendered layout with this id."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree
        children = [tree.get("props", {}).get("children")]
    elif isinstance(tree, list | tuple):
        children = list(tree)
    else:
        return None
    for child in children:
        if hasattr(child, "to_plotly_json"):
            child = child.to_plotly_json()
        found = component(child, component_id)
        if found is not None:
            return found
    return None
