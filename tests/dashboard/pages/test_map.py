"""The map page's content without a browser: language choice and the words a visitor reads."""

from __future__ import annotations

import json
import sys
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
from dashboard.figures import CONE_GROUPS, LINE_LEVELS, SITE_KINDS
from dashboard.i18n import CATALOGUES, LANGUAGES, t
from dashboard.state_view import StateSnapshot, StateView
from tests.dashboard.csrf import csrf_headers


@pytest.fixture
def app(settings: Settings, pack: CityPack) -> dash.Dash:
    view = StateView(settings, MemoryTransport())
    return create_app(settings, pack, view)


def rendered(app: dash.Dash, path: str = "/", **query: str) -> str:
    # Through Dash's page registry: importing the page module directly would register it a second time.
    page = next(p for p in dash.page_registry.values() if p["path"] == path)
    with app.server.test_request_context(path):
        return repr(page["layout"](**query).to_plotly_json())


def test_english_by_default_and_chinese_on_request(app: dash.Dash) -> None:
    english = rendered(app)
    assert "Guiyang City Operations" in english and "Districts by risk" in english
    chinese = rendered(app, lang="zh")
    assert "贵阳城市运行" in chinese and "各区风险" in chinese and "无告警" in chinese
    assert "Districts by risk" not in chinese
    assert rendered(app, lang="klingon") == english


def test_german_on_request_and_the_language_switch_in_the_header(app: dash.Dash) -> None:
    german = rendered(app, lang="de")
    assert "Leitstelle Guiyang" in german and "Bezirke nach Risiko" in german
    assert "Districts by risk" not in german
    page = next(p for p in dash.page_registry.values() if p["path"] == "/")
    with app.server.test_request_context("/"):
        layout = page["layout"](lang="de")
    switch = {c.id: c for c in layout._traverse() if str(getattr(c, "id", "")).startswith("header-lang-")}
    assert switch["header-lang-en"].href == "/?lang=en" and switch["header-lang-zh"].href == "/?lang=zh"
    assert switch["header-lang-zh"].children == "中文"
    assert not hasattr(switch["header-lang-de"], "href")  # the current language is named, not linked


def test_every_label_exists_in_every_language() -> None:
    assert LANGUAGES == ("en", "de", "zh")
    assert all(set(CATALOGUES[lang]) == set(CATALOGUES["en"]) for lang in LANGUAGES)
    assert t("zh", "no_update_for", s=12) == "12 秒无更新"
    assert t("de", "no_update_for", s=12) == "seit 12 s keine Aktualisierung"


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
        assert "预计约" in text and r"低于枯水警戒 0.6\xa0m" in text, part  # ``repr`` of a no-break space
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


def test_with_no_chart_open_a_map_refresh_is_the_only_request_it_makes(app: dash.Dash) -> None:
    """The detail panel (a gauge's or a line's chart) used to be asked after every changed refresh of every open
    map, with no panel open."""
    callbacks = app.server.test_client().get("/_dash-dependencies").get_json()
    server_side = [cb for cb in callbacks if cb.get("clientside_function") is None]
    takes_refresh_stamp = [cb["output"] for cb in server_side if any(i["id"] == "map-seen" for i in cb["inputs"])]
    assert takes_refresh_stamp == []
    detail = next(cb for cb in server_side if "map-detail-graph.figure" in cb["output"])
    assert {i["id"] for i in detail["inputs"]} == {"map-detail", "map-detail-tick"}


def refresh_request(pull: int, seen: str | None) -> dict[str, object]:
    """The map's refresh POST as Chromium sends it (``map-pull`` changed)."""
    outputs = ["map-graph.figure", "map-alarms.children", "map-districts.children", "map-summary.children"]
    outputs += ["map-river-banner.children", "map-incidents.children", "map-faults.children"]
    outputs += ["map-seen.data", "map-done.data"]
    return {
        "output": ".." + "...".join(outputs) + "..",
        "outputs": [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in outputs],
        "inputs": [{"id": "map-pull", "property": "data", "value": pull}],
        "changedPropIds": ["map-pull.data"],
        "state": [
            {"id": "map-seen", "property": "data", "value": seen},
            {"id": "map-lang", "property": "data", "value": "en"},
            {"id": "map-lookback-at", "property": "data", "value": None},
        ],
    }


def test_every_viewer_of_one_view_gets_the_same_update_and_an_unchanged_view_sends_only_its_answer(
    app: dash.Dash,
) -> None:
    client = app.server.test_client()
    csrf = csrf_headers(client)
    first = client.post("/_dash-update-component", json=refresh_request(1, None), headers=csrf).get_json()["response"]
    second = client.post("/_dash-update-component", json=refresh_request(7, None), headers=csrf).get_json()["response"]
    assert first["map-done"] == {"data": 1} and second["map-done"] == {"data": 7}
    assert {k: v for k, v in first.items() if k != "map-done"} == {k: v for k, v in second.items() if k != "map-done"}
    patch = first["map-graph"]["figure"]
    # the districts and their fire risk, the fire-risk grid's scores and hover lines, each kind of site, each level's
    # power lines, the cameras' cones, the lines of sight, the incidents' positions, colours, sizes, hover texts and
    # ids, and the cameras in alarm
    operations = 3 + 2 + 2 + 3 * len(SITE_KINDS) + 2 * len(LINE_LEVELS) + 2 * len(CONE_GROUPS) + 2 + 6 + 2
    assert patch["__dash_patch_update"] == "__dash_patch_update" and len(patch["operations"]) == operations
    assert "Xiuwen" in json.dumps(first["map-districts"]["children"])
    stamp = first["map-seen"]["data"]
    unchanged = client.post("/_dash-update-component", json=refresh_request(2, stamp), headers=csrf).get_json()[
        "response"
    ]
    assert unchanged == {"map-done": {"data": 2}}


def header_counts(
    app: dash.Dash, pack: CityPack, entities: dict[str, dict[str, object]], lang: str = "en"
) -> list[str]:
    """The header's count chips for this state. The page module as Dash's registry loaded it: importing it by
    its package name would register its path a second time, and every later request of the session fails."""
    page = next(p for p in dash.page_registry.values() if p["path"] == "/")
    chips = sys.modules[page["module"]].summary(pack, StateSnapshot(entities=entities), lang)
    return [str(chip.children) for chip in chips if "map-count" in chip.className and not getattr(chip, "href", "")]


def test_a_sensor_never_heard_from_is_not_counted_as_silent(app: dash.Dash, pack: CityPack) -> None:
    """Right after a fresh start every sensor is one not heard from yet: the header said "790 silent" ("离线",
    offline, in Chinese) for the first seconds of every demo. Silent is heard from and then quiet past its limit."""
    sensors = list(pack.sensors.values())
    heard = {f"sensor:{s.id}": {"level": "ok", "stale": False} for s in sensors[2:]}
    heard[f"sensor:{sensors[2].id}"] = {"level": "alarm", "stale": False}
    heard[f"sensor:{sensors[3].id}"] = {"level": "ok", "stale": True}
    assert header_counts(app, pack, heard) == ["1 alarm", "0 warnings", "1 silent", "2 not heard from yet"]
    assert header_counts(app, pack, heard, "zh")[-1] == "2 个尚未收到数据"
    everyone = {**heard, **{f"sensor:{s.id}": {"level": "ok", "stale": False} for s in sensors[:2]}}
    assert header_counts(app, pack, everyone) == ["1 alarm", "0 warnings", "1 silent"]
    nobody = ["0 alarms", "0 warnings", "0 silent", f"{len(sensors):,} not heard from yet"]
    assert header_counts(app, pack, {}) == nobody


def test_the_header_says_its_first_counts_are_of_sensors_not_of_alarms(app: dash.Dash, pack: CityPack) -> None:
    """Unlabelled, "1 alarm" beside "Alarms: 4 unacknowledged" read as a contradiction (in Chinese "1 报警" beside
    "报警: 4 条未确认"): the first counts are sensors at each level, the link the alarms waiting. The row says so."""
    page = next(p for p in dash.page_registry.values() if p["path"] == "/")
    for lang, label in (("en", "Sensors"), ("de", "Sensoren"), ("zh", "传感器")):
        chips = sys.modules[page["module"]].summary(pack, StateSnapshot(entities={}), lang)
        assert chips[0].children == label and "map-count" not in chips[0].className
        assert "map-count" in chips[1].className
