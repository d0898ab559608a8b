"""A district's risk over the last day as a chart: the worst of each five minutes (``consumers.district_history``)
and the score now as the last point.

"Now" is the consumers' event time, not the web worker's clock: under the simulated clock of a demo the day runs
ahead of the wall, and a chart ending at the wall's now showed none of it (every step in its future).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go

from dashboard.figures import LEVEL_COLORS
from dashboard.i18n import t

DAY = timedelta(hours=24)


def history_figure(doc: Mapping[str, Any] | None, now_risk: Any, now_fire: Any, now: datetime, lang: str) -> go.Figure:
    """``now``: the event time the picture is at, in the city's time zone (the axis shows local times)."""
    times = [datetime.fromisoformat(x).astimezone(now.tzinfo) for x in (doc or {}).get("t") or []]
    fig = go.Figure()
    risk = list((doc or {}).get("risk") or [])
    fire = list((doc or {}).get("fire") or [])
    fig.add_scatter(
        x=[*times, now], y=[*risk, now_risk], mode="lines+markers", name=t(lang, "risk"), line={"color": "#e67e22"}
    )
    fig.add_scatter(
        x=[*times, now],
        y=[*fire, now_fire],
        mode="lines",
        name=t(lang, "drill.fire_risk"),
        line={"color": "#c0392b", "dash": "dot"},
    )
    for level, at in (("watch", 25), ("warning", 50), ("alarm", 80)):
        fig.add_hline(y=at, line={"color": LEVEL_COLORS[level], "width": 1, "dash": "dash"})
    fig.update_layout(
        height=260,
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": "#ddd"},
        yaxis={"range": [0, 100], "gridcolor": "#333"},
        xaxis={"gridcolor": "#333", "range": [now - DAY, now]},
        legend={"orientation": "h", "y": 1.1},
        uirevision="district",
    )
    if not times:
        fig.add_annotation(text=t(lang, "drill.no_history"), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    return fig
