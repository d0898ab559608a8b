"""The chart of a sensor whose domain publishes no history: its numeric values over the last hour, one panel a
field, from the web worker's own trail of the state topic (``dashboard.sensor_trail``)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from consumers.citypack import SensorSpec
from dashboard.i18n import names_in_order, t

MAX_PANELS = 3
COLORS = ("#4fc3f7", "#f39c12", "#e8eef3")


def trail_figure(
    spec: SensorSpec, series: dict[str, tuple[list[float], list[float | None]]], tz_name: str, lang: str = "en"
) -> go.Figure:
    tz = ZoneInfo(tz_name)
    fields = list(series)[:MAX_PANELS]
    fig = make_subplots(rows=max(1, len(fields)), cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for row, name in enumerate(fields, start=1):
        times, values = series[name]
        fig.add_trace(
            go.Scatter(
                x=[datetime.fromtimestamp(x, UTC).astimezone(tz) for x in times],
                y=values,
                name=name,
                mode="lines+markers",
                line={"color": COLORS[(row - 1) % len(COLORS)], "width": 3, "shape": "hv"},
                marker={"size": 6},
            ),
            row=row,
            col=1,
        )
        fig.update_yaxes(title_text=name, gridcolor="#25384a", row=row, col=1)
    first, second = names_in_order(spec.name_en, spec.name_zh, lang)
    since = ""
    if fields and series[fields[0]][0]:
        start = datetime.fromtimestamp(series[fields[0]][0][0], UTC).astimezone(tz).strftime("%H:%M")
        since = " · " + t(lang, "drill.trail_since", at=start)
    fig.update_layout(
        title={"text": f"{spec.id} {first} {second}{since}", "font": {"size": 18, "color": "#e8eef3"}},
        paper_bgcolor="#0e1a24",
        plot_bgcolor="#13222f",
        font={"color": "#e8eef3", "size": 15},
        showlegend=False,
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
        uirevision=spec.id,
    )
    fig.update_xaxes(gridcolor="#25384a")
    return fig
