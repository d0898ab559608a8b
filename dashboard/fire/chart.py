"""An incident's timeline: a row per source (cameras, calls, detectors, in the order they first signalled), each
from its first signal to its latest; the moment it was confirmed; and the stretch by which the cameras were ahead
of the first call. The view spans the incident's start, so minutes stay readable however long it burns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from dashboard.i18n import t

KIND_COLORS = {"camera": "#4fc3f7", "call": "#f4d03f", "smoke": "#ff3b30", "heat": "#ff9f0a"}
KIND_ROWS = {"camera": "fire.row.cameras", "call": "fire.row.calls", "smoke": "fire.row.detectors"}
AHEAD_COLOR = "rgba(79, 195, 247, 0.18)"
BEFORE = timedelta(minutes=2)
AFTER = timedelta(minutes=6)
"""The view: from a little before the first signal to a little after the last source joined."""


def timeline_figure(incident: Mapping[str, Any], tz_name: str, lang: str = "en") -> go.Figure:
    tz = ZoneInfo(tz_name)

    def at(iso: str) -> datetime:
        return datetime.fromisoformat(iso).astimezone(tz)

    sources = list(incident.get("sources") or [])
    fig = go.Figure()
    rows = []
    for s in sources:
        kind = str(s["kind"])
        row = f"{s['id']} · {t(lang, KIND_ROWS.get(kind, 'fire.row.detectors'))}"
        rows.append(row)
        color = KIND_COLORS.get(kind, "#ff3b30")
        fig.add_trace(
            go.Scatter(
                x=[at(s["first"]), at(s["last"])],
                y=[row, row],
                mode="lines+markers",
                line={"color": color, "width": 6},
                marker={"size": [18, 8], "color": color, "line": {"color": "#0e1a24", "width": 2}},
                name=str(s["id"]),
                hovertemplate=f"{s['id']} %{{x|%H:%M:%S}}<extra></extra>",
            )
        )
    timeline = incident.get("timeline") or {}
    firsts = [at(s["first"]) for s in sources]
    marks = [at(timeline[k]) for k in ("confirmed",) if timeline.get(k)]
    if firsts:
        fig.update_xaxes(range=[min(firsts) - BEFORE, max(firsts + marks) + AFTER])
    first_camera, first_call = timeline.get("first_camera"), timeline.get("first_call")
    if first_camera and first_call and first_call > first_camera:
        minutes = float(incident.get("camera_lead_min") or 0)
        start, end = at(first_camera), at(first_call)
        fig.add_vrect(x0=start, x1=end, fillcolor=AHEAD_COLOR, line_width=0)
        fig.add_annotation(
            x=start + (end - start) / 2,
            y=0.02,
            yref="paper",
            text=t(lang, "fire.ahead", m=f"{minutes:.0f}"),
            showarrow=False,
            yanchor="bottom",
            font={"size": 16, "color": "#4fc3f7"},
            bgcolor="rgba(14, 26, 36, 0.8)",
        )
    if timeline.get("confirmed"):
        fig.add_vline(x=at(timeline["confirmed"]), line={"color": "#ff3b30", "dash": "dash", "width": 2})
        fig.add_annotation(
            x=at(timeline["confirmed"]),
            y=1.0,
            yref="paper",
            text=t(lang, "fire.confirmed"),
            showarrow=False,
            yanchor="bottom",
            font={"size": 14, "color": "#ff3b30"},
        )
    fig.update_layout(
        paper_bgcolor="#0e1a24",
        plot_bgcolor="#13222f",
        font={"color": "#e8eef3", "size": 15},
        showlegend=False,
        margin={"l": 200, "r": 30, "t": 40, "b": 60},
        uirevision=str(incident.get("id")),
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows)), gridcolor="#25384a")
    fig.update_xaxes(gridcolor="#25384a", tickformat="%H:%M")
    return fig
