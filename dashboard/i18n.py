"""Interface labels in the languages the exhibition needs (English, Chinese).

One table, looked up by key; a missing key in a language falls back to English, so a new label never
breaks a page. The language is chosen per page view (``?lang=zh``), defaulting to ``CITYOPS_LANGUAGE``.
Sensor reasons come from the consumers in English; river sentences are composed here from the river state's
numbers, so a gauge reads in the visitor's language (other sensor types' reasons are still English).
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "zh")

LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title": "{name_en} City Operations",
        "subtitle": " {name_zh}城市运行",
        "alarm": "alarm",
        "warning": "warning",
        "silent": "silent",
        "rebuilding": "REBUILDING STATE",
        "active_warnings": "Active warnings",
        "no_active_warnings": "No active warnings",
        "districts_by_risk": "Districts by risk",
        "more": "+ {n} more",
        "no_data": "no data",
        "sites": "Sites: ",
        "level.ok": "OK",
        "level.watch": "watch",
        "level.warning": "warning",
        "level.alarm": "alarm",
        "level.stale": "stale / no data",
        "badge.warning": "WARNING",
        "badge.alarm": "ALARM",
        "live": "LIVE",
        "stale": "STALE",
        "no_update_for": "no update for {s} s",
        "last": "last",
        "waiting": "WAITING FOR DATA",
        "risk": "Risk",
        "district_risk": "District risk",
        "reporting": "{n} sensors reporting",
        "silent_count": ", {n} silent",
        "all_ok": "all {n} sensors OK",
        "no_data_yet": "no data yet",
        "last_report": "last report",
        "observed": "observed",
        "forecast": "forecast (median)",
        "forecast_band": "forecast 80 % band",
        "threshold.drought_low": "drought low",
        "threshold.flood_warning": "flood warning",
        "threshold.flood_danger": "flood danger",
        "river.normal": "normal",
        "river.low_water_watch": "low-water watch",
        "river.drought_warning": "drought warning",
        "river.flood_warning": "flood warning",
        "river.flood_danger": "flood danger",
        "river.fault": "sensor fault",
        "river.stale": "stale",
        "gauges": "Gauges: ",
        "close": "Close",
        "river_warnings": "River warnings",
        "eta": "in about {h} h",
        "confidence": "confidence {c}",
        "measure.stage": "stage",
        "measure.discharge": "discharge",
        "reason.value": "{measure} {v} {unit}",
        "reason.falling": "falling {p} % a day",
        "reason.drought_eta": "expected below the drought level {low} {unit} in about {h} h",
        "reason.drought_band": "may fall below the drought level {low} {unit} within 72 h (lower forecast bound)",
        "reason.drought_below": "below the drought level {low} {unit}",
        "reason.flood_level": "at or above the {name} level {level} {unit}",
        "reason.rising": "rising {r} {unit}/h",
        "reason.flood_eta": "flood warning level {level} {unit} expected in about {h} h",
        "reason.watch": "in the low-water band (drought level {low} {unit}); no crossing forecast within 72 h",
        "reason.normal": "no low-water or flood signal",
        "reason.no_reading": "no reading yet",
        "fault.gap": "readings have stopped",
        "fault.frozen": "the same reading for hours (frozen sensor)",
        "fault.no_data": "no reading yet",
    },
    "zh": {
        "title": "{name_zh}城市运行",
        "subtitle": " {name_en} City Operations",
        "alarm": "报警",
        "warning": "预警",
        "silent": "离线",
        "rebuilding": "正在重建状态",
        "active_warnings": "当前告警",
        "no_active_warnings": "无告警",
        "districts_by_risk": "各区风险",
        "more": "另有 {n} 条",
        "no_data": "无数据",
        "sites": "站点：",
        "level.ok": "正常",
        "level.watch": "关注",
        "level.warning": "预警",
        "level.alarm": "报警",
        "level.stale": "离线 / 无数据",
        "badge.warning": "预警",
        "badge.alarm": "报警",
        "live": "实时",
        "stale": "数据过期",
        "no_update_for": "{s} 秒无更新",
        "last": "最后",
        "waiting": "等待数据",
        "risk": "风险",
        "district_risk": "区域风险",
        "reporting": "{n} 个传感器在线",
        "silent_count": "，{n} 个离线",
        "all_ok": "全部 {n} 个传感器正常",
        "no_data_yet": "暂无数据",
        "last_report": "最后上报",
        "observed": "实测",
        "forecast": "预报（中位数）",
        "forecast_band": "预报 80% 区间",
        "threshold.drought_low": "枯水警戒",
        "threshold.flood_warning": "洪水警戒",
        "threshold.flood_danger": "洪水保证",
        "river.normal": "正常",
        "river.low_water_watch": "低水位关注",
        "river.drought_warning": "干旱预警",
        "river.flood_warning": "洪水预警",
        "river.flood_danger": "洪水危险",
        "river.fault": "传感器故障",
        "river.stale": "离线",
        "gauges": "水文站：",
        "close": "关闭",
        "river_warnings": "河流预警",
        "eta": "约 {h} 小时后",
        "confidence": "置信度 {c}",
        "measure.stage": "水位",
        "measure.discharge": "流量",
        "reason.value": "{measure} {v} {unit}",
        "reason.falling": "每天下降 {p}%",
        "reason.drought_eta": "预计约 {h} 小时后低于枯水警戒 {low} {unit}",
        "reason.drought_band": "72 小时内可能低于枯水警戒 {low} {unit}（预报下限）",
        "reason.drought_below": "已低于枯水警戒 {low} {unit}",
        "reason.flood_level": "已达{name}水位 {level} {unit}",
        "reason.rising": "每小时上涨 {r} {unit}",
        "reason.flood_eta": "预计约 {h} 小时后达到洪水警戒 {level} {unit}",
        "reason.watch": "处于低水位区间（枯水警戒 {low} {unit}），72 小时内无越限预报",
        "reason.normal": "无低水位或洪水信号",
        "reason.no_reading": "暂无读数",
        "fault.gap": "数据中断",
        "fault.frozen": "读数数小时不变（传感器冻结）",
        "fault.no_data": "暂无读数",
    },
}


def language(requested: str | None, default: str) -> str:
    return requested if requested in LANGUAGES else default


def t(lang: str, key: str, **values: object) -> str:
    text = LABELS.get(lang, LABELS["en"]).get(key) or LABELS["en"][key]
    return text.format(**values) if values else text


def names_in_order(name_en: str, name_zh: str, lang: str) -> tuple[str, str]:
    """Both names of a place, the page language's first: visitors read one, the control room knows both."""
    return (name_zh, name_en) if lang == "zh" else (name_en, name_zh)
