"""The alarm table every page shares (the alarm list, a district's page, a sensor's page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from consumers.citypack import CityPack
from dashboard.alarms import listing
from dashboard.alarms import words as alarm_words
from dashboard.i18n import day_and_clock, t

SEVERITY_COLORS = {"alarm": "#ff3b30", "warning": "#f39c12"}
COLUMNS = (
    "alarms.col.severity",
    "alarms.col.state",
    "alarms.col.what",
    "alarms.col.district",
    "alarms.col.reason",
    "alarms.col.raised",
)
"""The columns of every alarm table but the last (who acknowledged an active alarm, when a cleared one cleared)."""


def severity_badge(severity: str, label: str) -> html.Span:
    """An alarm's severity in its colour, as every alarm list draws it."""
    return html.Span(
        label, className="map-alarm-level", style={"backgroundColor": SEVERITY_COLORS.get(severity, "#7f8c8d")}
    )


def when(iso: object, pack: CityPack, lang: str) -> str:
    return day_and_clock(lang, str(iso), pack.timezone) if iso else ""


def district_name(pack: CityPack, code: object, lang: str) -> str:
    d = pack.districts.get(str(code))
    return str(code) if d is None else (d.name_zh if lang == "zh" else d.name_en)


def grouped_note(parent: Mapping[str, Any] | None, pack: CityPack, lang: str) -> list[Any]:
    """Under a grouped alarm's reason: which alarm answers for it."""
    if parent is None:
        return []
    return [html.Br(), html.Small(t(lang, "alarms.grouped", what=alarm_words.subject(parent, pack, lang)))]


def alarm_table(
    alarms: list[Mapping[str, Any]],
    pack: CityPack,
    lang: str,
    selected: str | None,
    history: bool = False,
    clickable: bool = True,
) -> Any:
    """Rows that select their alarm on the alarm page (``clickable``); elsewhere each alarm's name links to it
    there."""
    if not alarms:
        return html.Div(t(lang, "alarms.none"), className="alarms-none")
    last = "alarms.col.cleared" if history else "alarms.col.by"
    head = html.Tr([html.Th(t(lang, k)) for k in (*COLUMNS, last)])
    rows = []
    listed = {str(a.get("entity")): a for a in alarms}
    for alarm in alarms:
        state = listing.state_of(alarm)
        parent = listed.get(str(alarm.get("group"))) if alarm.get("group") else None
        severity = str(alarm.get("severity"))
        ack = alarm.get("ack") or {}
        select_props: dict[str, Any] = (
            {"id": {"type": "alarms-row", "alarm": str(alarm["id"])}, "n_clicks": 0} if clickable else {}
        )
        rows.append(
            html.Tr(
                [
                    html.Td(severity_badge(severity, t(lang, f"level.{severity}"))),
                    html.Td(t(lang, f"alarms.state.{state}"), className=f"alarms-state alarms-state-{state}"),
                    html.Td(
                        [
                            *(["↳ "] if parent is not None else []),
                            html.B(alarm_words.subject(alarm, pack, lang))
                            if clickable
                            else html.A(
                                html.B(alarm_words.subject(alarm, pack, lang)),
                                href=f"/alarms?alarm={alarm['id']}&lang={lang}",
                            ),
                            html.Br(),
                            html.Small(alarm["id"]),
                        ]
                    ),
                    html.Td(district_name(pack, alarm.get("district"), lang)),
                    html.Td(
                        [alarm_words.reason(alarm, lang), *grouped_note(parent, pack, lang)], className="alarms-reason"
                    ),
                    html.Td(when(alarm.get("raised"), pack, lang)),
                    html.Td(when(alarm.get("cleared"), pack, lang) if history else str(ack.get("by") or "")),
                ],
                **select_props,
                className=f"alarms-row alarms-row-{state}"
                + (" alarms-row-grouped" if parent is not None else "")
                + (" alarms-row-selected" if alarm["id"] == selected else ""),
            )
        )
    return html.Table([html.Thead(head), html.Tbody(rows)], className="alarms-table")
