"""One line segment over the last hours: its load against its rating for the weather at each flush (and the
fixed nameplate rating it would be compared with without the weather), and its conductor's temperature against
its limit. Built from the sensor's view (``grid`` part), so it shows what the consumers decided."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from consumers.citypack import SensorSpec
from dashboard.i18n import names_in_order, t

LOAD_COLOR = "#4fc3f7"
RATING_COLOR = "#f39c12"
LIMIT_COLOR = "#ff3b30"
TRACE_LOAD = 0
TRACE_RATING = 1


def line_figure(spec: SensorSpec, doc: Mapping[str, Any] | None, tz_name: str, lang: str = "en") -> go.Figure:
    tz = ZoneInfo(tz_name)
    grid: Mapping[str, Any] = (doc or {}).get("grid") or {}
    history = grid.get("history") or {"t": [], "current_a": [], "rating_a": [], "conductor_temp_c": []}
    times = [datetime.fromisoformat(x).astimezone(tz) for x in history["t"]]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.08)
    fig.add_trace(
        go.Scatter(
            x=times, y=list(history["current_a"]), name=t(lang, "grid.load"), line={"color": LOAD_COLOR, "width": 3}
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=times,
            y=list(history["rating_a"]),
            name=t(lang, "grid.rating"),
            line={"color": RATING_COLOR, "width": 3, "shape": "hv"},
        ),
        row=1,
        col=1,
    )
    nameplate = float(spec.params["rated_current_a"])
    fig.add_hline(
        y=nameplate,
        line={"color": "#8aa0b4", "dash": "dot", "width": 2},
        annotation_text=f"{t(lang, 'grid.nameplate')} {nameplate:g} A",
        annotation_font={"size": 14, "color": "#cfd8e0"},
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=times,
            y=list(history["conductor_temp_c"]),
            name=t(lang, "grid.temperature"),
            line={"color": "#e8eef3", "width": 2},
        ),
        row=2,
        col=1,
    )
    limit = float(spec.params["max_temp_c"])
    fig.add_hline(
        y=limit,
        line={"color": LIMIT_COLOR, "dash": "dash", "width": 2},
        annotation_text=f"{t(lang, 'grid.limit')} {limit:g} °C",
        annotation_font={"size": 14, "color": LIMIT_COLOR},
        row=2,
        col=1,
    )
    first, second = names_in_order(spec.name_en, spec.name_zh, lang)
    fig.update_layout(
        title={"text": f"{spec.id} {first} {second}", "font": {"size": 18, "color": "#e8eef3"}},
        paper_bgcolor="#0e1a24",
        plot_bgcolor="#13222f",
        font={"color": "#e8eef3", "size": 15},
        legend={"orientation": "h", "y": -0.12, "font": {"size": 14}},
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
        uirevision=spec.id,
    )
    fig.update_yaxes(title_text="A", gridcolor="#25384a", row=1, col=1)
    fig.update_yaxes(title_text="°C", gridcolor="#25384a", row=2, col=1)
    fig.update_xaxes(gridcolor="#25384a")
    return fig
