"""The time series of one river gauge: observations, the forecast bands, thresholds and the ETA.

Built from the gauge's read-model document (``sensor:<id>`` in the state topic, its ``river`` part), so
the chart shows exactly what the consumers decided, not a second computation in the web layer.

Two forecasts, each named in the legend by its model: the 72-hour low-flow recession (for drought) and, while the
river rises or is high, the 6-hour rise forecast (for flood response). When there is a rise forecast the chart
shows it over the next 6 hours and focuses on the last day and those hours; the recession band is then only in
the legend (a click brings it back), because under a rising river it answers the wrong question.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from consumers.citypack import SensorSpec
from dashboard.i18n import names_in_order, t
from dashboard.river.words import forecast_labels

THRESHOLD_STYLE = {
    "flood_danger": ("#ff3b30", "dash"),
    "flood_warning": ("#f39c12", "dash"),
    "drought_low": ("#c0783c", "dot"),
}
TRACE_OBSERVED = 0
TRACE_BAND = 1
TRACE_MEDIAN = 2
TRACE_RISE_BAND = 3
TRACE_RISE_MEDIAN = 4
RISE_COLOR = "#ffb74d"
RISE_FOCUS_BEFORE_H = 18.0
"""With a rise forecast the x axis starts this long before its issue time: the flood's day, not the week."""


def _local(times: list[str], tz: ZoneInfo) -> list[datetime]:
    return [datetime.fromisoformat(x).astimezone(tz) for x in times]


def gauge_figure(spec: SensorSpec, doc: Mapping[str, Any] | None, tz_name: str, lang: str = "en") -> go.Figure:
    """Observed history, the forecasts' medians with their bands, the three thresholds, and the drought ETA if
    any."""
    tz = ZoneInfo(tz_name)
    river: Mapping[str, Any] = (doc or {}).get("river") or {}
    unit = str(spec.params.get("unit", "m"))
    history = river.get("history") or {"t": [], "v": []}
    forecast = river.get("forecast") or {"t": [], "median": [], "low": [], "high": []}
    observed_t = _local(list(history["t"]), tz)
    forecast_t = _local(list(forecast["t"]), tz)
    rise = river.get("rise") or None
    rise_doc = rise or {"t": [], "median": [], "low": [], "high": []}
    rise_t = _local(list(rise_doc["t"]), tz)
    median_name, band_name = forecast_labels(river.get("forecast"), lang)
    rise_median_name, rise_band_name = forecast_labels(rise, lang, rise=True)
    recession_visible: bool | str = "legendonly" if rise else True
    fig = go.Figure(
        [
            go.Scatter(
                x=observed_t,
                y=list(history["v"]),
                mode="lines",
                name=t(lang, "observed"),
                line={"color": "#4fc3f7", "width": 3},
            ),
            go.Scatter(
                x=forecast_t + forecast_t[::-1],
                y=list(forecast["high"]) + list(forecast["low"])[::-1],
                fill="toself",
                fillcolor="rgba(255,255,255,0.3)",
                line={"width": 0},
                hoverinfo="skip",
                name=band_name,
                visible=recession_visible,
            ),
            go.Scatter(
                x=forecast_t,
                y=list(forecast["median"]),
                mode="lines",
                name=median_name,
                line={"color": "#ffffff", "width": 2, "dash": "dash"},
                visible=recession_visible,
            ),
            go.Scatter(
                x=rise_t + rise_t[::-1],
                y=list(rise_doc["high"]) + list(rise_doc["low"])[::-1],
                fill="toself",
                fillcolor="rgba(255,183,77,0.35)",
                line={"width": 0},
                hoverinfo="skip",
                name=rise_band_name,
                showlegend=bool(rise),
            ),
            go.Scatter(
                x=rise_t,
                y=list(rise_doc["median"]),
                mode="lines",
                name=rise_median_name,
                line={"color": RISE_COLOR, "width": 3},
                showlegend=bool(rise),
            ),
        ]
    )
    shown_forecast = rise_doc if rise else forecast
    values = [float(v) for v in [*history["v"], *shown_forecast["low"], *shown_forecast["high"]] if v is not None]
    y_range, shown = _focus(spec, values)
    for key, (color, dash) in THRESHOLD_STYLE.items():
        level = spec.params["thresholds"].get(key)
        if level is not None and key in shown:
            fig.add_hline(
                y=float(level),
                line={"color": color, "dash": dash, "width": 2},
                annotation={
                    "text": f"{t(lang, 'threshold.' + key)} {float(level):g} {unit}",
                    "font": {"color": color, "size": 14},
                },
                annotation_position="top left",
            )
    eta = river.get("drought_eta_hours")
    if eta is not None and river.get("state") == "drought_warning" and forecast_t:
        crossing = forecast_t[0] + timedelta(hours=float(eta))
        fig.add_vline(x=crossing, line={"color": "#c0783c", "width": 2})
        fig.add_annotation(
            x=crossing,
            y=1,
            yref="paper",
            showarrow=False,
            yanchor="bottom",
            text=f"ETA {float(eta):.0f} h",
            font={"color": "#f0b27a", "size": 16},
        )
    first, second = names_in_order(spec.name_en, spec.name_zh, lang)
    fig.update_layout(
        title={"text": f"{spec.id} · {first} {second}", "font": {"size": 20}},
        template="plotly_dark",
        paper_bgcolor="#13232f",
        plot_bgcolor="#0e1a24",
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        yaxis={
            "title": {"text": f"{t(lang, 'measure.' + str(spec.params.get('measure', 'stage')))} ({unit})"},
            "range": y_range,
        },
        uirevision=spec.id,
        font={"size": 14},
    )
    if rise and rise_t:
        fig.update_xaxes(range=[rise_t[0] - timedelta(hours=RISE_FOCUS_BEFORE_H), rise_t[-1]])
    return fig


def _focus(spec: SensorSpec, values: list[float]) -> tuple[list[float] | None, set[str]]:
    """The y range and the thresholds worth drawing: the data and its band, plus the levels it is heading for.

    Why not always all three levels: on a 4 m axis a drought's 80 % band is a few pixels high and cannot be read
    from across a control room. The drought level is shown once the river is a quarter of the way from normal down
    to it, the flood warning level a quarter of the way up, the danger level once the warning level is passed.
    """
    th = spec.params["thresholds"]
    key = "stage_m" if spec.params.get("measure", "stage") == "stage" else "discharge_m3s"
    normal_raw = spec.params.get("normal", {})
    low, warning = float(th["drought_low"]), float(th["flood_warning"])
    normal = float(normal_raw.get(key, (low + warning) / 2)) if isinstance(normal_raw, Mapping) else float(normal_raw)
    if not values:
        return None, set(THRESHOLD_STYLE)
    lo, hi = min(values), max(values)
    shown = set()
    if lo <= normal - 0.25 * (normal - low):
        shown.add("drought_low")
    if hi >= normal + 0.25 * (warning - normal):
        shown.add("flood_warning")
    if hi >= warning:
        shown.add("flood_danger")
    if not shown:
        shown = {"drought_low", "flood_warning"}
    levels = [float(th[k]) for k in shown]
    lo, hi = min(lo, *levels), max(hi, *levels)
    pad = 0.08 * (hi - lo)
    return [max(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad], shown
