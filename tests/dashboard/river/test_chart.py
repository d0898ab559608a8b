"""The gauge chart and the river banner, from a gauge document shaped like the consumers publish it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from consumers.citypack import CityPack
from dashboard.river.chart import TRACE_BAND, TRACE_MEDIAN, TRACE_OBSERVED, gauge_figure
from dashboard.river.panel import gauge_sentence
from dashboard.river.words import river_stretches

NOW = datetime(2026, 8, 1, 12, tzinfo=UTC)


def gauge_doc(state: str, eta: float | None = None) -> dict[str, Any]:
    hours = range(-48, 1)
    ahead = range(0, 73)
    return {
        "id": "NM-03",
        "event_time": NOW.isoformat(),
        "stale": False,
        "river": {
            "state": state,
            "reason": "stage 0.71 m falling 0.02 m/day",
            "drought_eta_hours": eta,
            "drought_confidence": 0.8 if eta is not None else None,
            "history": {
                "t": [(NOW + timedelta(hours=h)).isoformat() for h in hours],
                "v": [0.9 - h / 500 for h in hours],
            },
            "forecast": {
                "t": [(NOW + timedelta(hours=h)).isoformat() for h in ahead],
                "median": [0.71 - h * 0.003 for h in ahead],
                "low": [0.71 - h * 0.004 for h in ahead],
                "high": [0.71 - h * 0.002 for h in ahead],
            },
        },
    }


def test_chart_shows_observations_band_median_thresholds_and_the_eta(pack: CityPack) -> None:
    spec = pack.sensors["NM-03"]
    fig = gauge_figure(spec, gauge_doc("drought_warning", eta=41.0), pack.timezone)
    assert len(fig.data[TRACE_OBSERVED].y) == 49
    band = fig.data[TRACE_BAND]
    assert band.fill == "toself" and len(band.x) == 2 * 73
    assert max(fig.data[TRACE_MEDIAN].y) <= max(band.y) and min(fig.data[TRACE_MEDIAN].y) >= min(band.y)
    levels = sorted(shape.y0 for shape in fig.layout.shapes if shape.y0 == shape.y1)
    thresholds = spec.params["thresholds"]
    assert levels == [float(thresholds["drought_low"])]
    assert any("ETA 41 h" in a.text for a in fig.layout.annotations)
    # In a drought the axis is the data and the drought level, so the band is tall enough to read from afar:
    # the band's spread at 72 h is at least 5 % of the axis (it would be 1 % on an axis up to flood danger).
    y0, y1 = fig.layout.yaxis.range
    assert y0 <= float(thresholds["drought_low"]) and y1 < float(thresholds["flood_warning"])
    band_spread_72h = (0.71 - 72 * 0.002) - (0.71 - 72 * 0.004)
    assert band_spread_72h >= 0.05 * (y1 - y0)


def test_a_rising_river_shows_the_flood_levels_it_is_heading_for(pack: CityPack) -> None:
    spec = pack.sensors["NM-03"]
    thresholds = spec.params["thresholds"]
    doc = gauge_doc("flood_warning")
    river = doc["river"]
    river["history"]["v"] = [1.4 + 2.0 * (h + 48) / 48 for h in range(-48, 1)]  # up to 3.4 m, past the warning level
    river["forecast"] = {k: [] for k in ("t", "median", "low", "high")}
    fig = gauge_figure(spec, doc, pack.timezone)
    levels = sorted(shape.y0 for shape in fig.layout.shapes if shape.y0 == shape.y1)
    assert levels == sorted(float(thresholds[k]) for k in ("flood_warning", "flood_danger"))
    assert fig.layout.yaxis.range[1] > float(thresholds["flood_danger"])


def test_a_river_at_its_normal_level_shows_both_ways_it_could_go(pack: CityPack) -> None:
    spec = pack.sensors["NM-03"]
    doc = gauge_doc("normal")
    river = doc["river"]
    river["history"]["v"] = [1.4 for _ in river["history"]["v"]]
    river["forecast"] = {k: [] for k in ("t", "median", "low", "high")}
    fig = gauge_figure(spec, doc, pack.timezone)
    levels = sorted(shape.y0 for shape in fig.layout.shapes if shape.y0 == shape.y1)
    thresholds = spec.params["thresholds"]
    assert levels == sorted(float(thresholds[k]) for k in ("drought_low", "flood_warning"))


def test_no_eta_line_without_a_drought_warning(pack: CityPack) -> None:
    fig = gauge_figure(pack.sensors["NM-03"], gauge_doc("low_water_watch"), pack.timezone)
    assert not any("ETA" in (a.text or "") for a in fig.layout.annotations)


def test_sentence_names_state_eta_confidence_and_stretch(pack: CityPack) -> None:
    doc = gauge_doc("drought_warning", eta=41.0)
    doc["river"]["reason"] = "stage 0.71 m, falling 3.0 % a day: expected below 0.7 m in about 41 h, confidence 80%"
    stretch = river_stretches(pack)["NM-03"]
    sentence = gauge_sentence(pack.sensors["NM-03"], doc, "en", stretch)
    # In English the consumers' reason carries the ETA and the confidence: said once, not twice.
    assert sentence == f"DROUGHT WARNING · {doc['river']['reason']} · {stretch}"
    # The stretch is the dashboard's words, from the pack: down to the next gauge on the river.
    assert stretch.startswith("Nanming River km ") and stretch.endswith(f"(to {pack.sensors['NM-04'].name_en})")


def test_in_chinese_the_sentence_is_composed_from_the_numbers(pack: CityPack) -> None:
    doc = gauge_doc("drought_warning", eta=41.0)
    doc["values"] = {"stage_m": 0.93}
    doc["river"]["forecast"]["k_per_day"] = 0.97
    stretch = river_stretches(pack, "zh")["NM-03"]
    chinese = gauge_sentence(pack.sensors["NM-03"], doc, "zh", stretch)
    assert chinese == (
        "干旱预警 · 水位 0.93 m，每天下降 3.0%，预计约 41 小时后低于枯水警戒 0.7 m，置信度 80% · " + stretch
    )
    assert stretch.startswith("南明河 ") and "公里（至" in stretch  # the river and the next gauge in Chinese


def test_in_chinese_a_rising_river_says_its_rate_and_when_it_reaches_the_warning_level(pack: CityPack) -> None:
    doc = gauge_doc("flood_warning")
    doc["values"] = {"stage_m": 2.8}
    doc["river"].update(rate_per_hour=0.12, flood_eta_hours=3.3)
    chinese = gauge_sentence(pack.sensors["NM-03"], doc, "zh")
    assert chinese.startswith("洪水预警 · 水位 2.80 m，每小时上涨 0.12 m，预计约 3.3 小时后达到洪水警戒 3.2 m")
    doc["values"] = {"stage_m": 4.5}
    doc["river"]["state"] = "flood_danger"
    assert "已达洪水保证水位 4.4 m" in gauge_sentence(pack.sensors["NM-03"], doc, "zh")


def test_in_chinese_a_stale_or_faulty_gauge_never_reads_as_normal(pack: CityPack) -> None:
    doc = gauge_doc("normal")
    doc["values"] = {"stage_m": 1.2}
    doc["stale"] = True
    stale = gauge_sentence(pack.sensors["NM-03"], doc, "zh")
    assert stale.startswith("离线 · 水位 1.20 m") and "无低水位或洪水信号" not in stale
    doc["stale"] = False
    doc["river"].update(state="fault", fault="frozen")
    assert gauge_sentence(pack.sensors["NM-03"], doc, "zh").startswith("传感器故障 · 读数数小时不变")
