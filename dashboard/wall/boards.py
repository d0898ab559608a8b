"""What each of the wall's views says, as rows of a few large words: worst first, at most ``MAX_ROWS``.

A wall is read from five metres in a glance: each row is a level, a place and one line of why, in the page's
language, and a view shows no more rows than fit at 48 px text on a 1080p screen; what does not fit is counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from consumers.citypack import CityPack
from consumers.flood.picture import PICTURE_KEY
from dashboard.alarms import listing as alarm_listing
from dashboard.alarms import words as alarm_words
from dashboard.figures import sensor_level
from dashboard.fire import readiness as ready_words
from dashboard.fire import words as fire_words
from dashboard.grid.words import line_reason
from dashboard.i18n import names_in_order, number, percent, t
from dashboard.river.panel import gauge_sentence
from dashboard.river.state import river_state_of
from dashboard.state_view import StateSnapshot
from dashboard.typography import unbroken_quantities
from dashboard.wall.rotation import Critical

MAX_ROWS = 5
"""Rows of two lines (a place, then why) that fit under a board's title at 48 px text on a 1080p screen, with the
line that counts the rest."""
RIVER_LEVELS = {
    "flood_danger": "alarm",
    "flood_warning": "warning",
    "drought_warning": "warning",
    "low_water_watch": "watch",
    "fault": "stale",
    "stale": "stale",
    "normal": "ok",
}
LEVEL_ORDER = ("alarm", "warning", "watch", "stale", "ok")
LINE_SHOWN_FROM = 0.9
"""A power line is on the fire-and-grid board from 90 % of its rating for the weather."""


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a board: a coloured badge, a place, and why."""

    level: str
    """One of ``LEVEL_ORDER``: the colour of the row's badge."""
    badge: str
    title: str
    detail: str


@dataclass(frozen=True, slots=True)
class Board:
    """One view's rows, worst first."""

    title: str
    rows: tuple[Row, ...]
    more: int = 0
    """Rows that did not fit."""
    empty: str = ""
    """What the board says when it has no rows: a quiet board says so rather than showing nothing."""


def badge(level: str, lang: str) -> str:
    """A level in one short word, for the row's badge: what a wall says first."""
    if level in ("alarm", "warning"):
        return t(lang, f"badge.{level}")
    return t(lang, "stale") if level == "stale" else t(lang, f"level.{level}")


def _board(title: str, rows: list[Row], empty: str) -> Board:
    rows.sort(key=lambda r: LEVEL_ORDER.index(r.level))
    return Board(title, tuple(rows[:MAX_ROWS]), max(0, len(rows) - MAX_ROWS), empty)


def _name(en: str, zh: str, lang: str) -> str:
    return names_in_order(en, zh, lang)[0]


DISTRICT_ROWS = 10
"""Every district of the Guiyang pack on one screen: a district row is one line, without a reason unless it is at
warning or worse."""


def district_board(pack: CityPack, snapshot: StateSnapshot, lang: str) -> Board:
    """Districts by risk, worst first: the side list of the map page, which at a wall showed 2 of 10 districts
    without scrolling."""
    rows = []
    for district in pack.districts.values():
        doc = snapshot.district(district.code) or {}
        risk = doc.get("risk")
        level = str(doc.get("level", "stale")) if risk is not None else "stale"
        level = level if level in LEVEL_ORDER else "stale"
        worst = str(doc.get("worst_reason") or "") if level in ("warning", "alarm") else ""
        rows.append(
            (
                -1.0 if risk is None else float(risk),
                Row(
                    level,
                    "–" if risk is None else f"{float(risk):.0f}",
                    _name(district.name_en, district.name_zh, lang),
                    worst,
                ),
            )
        )
    rows.sort(key=lambda r: r[0], reverse=True)
    shown = tuple(r for _, r in rows[:DISTRICT_ROWS])
    return Board(t(lang, "wall.view.districts"), shown, max(0, len(rows) - DISTRICT_ROWS), "")


def river_board(pack: CityPack, snapshot: StateSnapshot, lang: str) -> Board:
    """Gauges not at normal, worst first; all normal says so."""
    rows = []
    for spec in pack.sensors_of_type("river.gauge"):
        doc = snapshot.sensor(spec.id)
        state = river_state_of(doc) or "stale"
        if state == "normal":
            continue
        level = RIVER_LEVELS.get(state, "stale")
        rows.append(
            Row(
                level,
                badge(level, lang),
                f"{spec.id} {_name(spec.name_en, spec.name_zh, lang)} · {t(lang, f'river.{state}')}",
                unbroken_quantities(gauge_sentence(spec, doc, lang).partition(" · ")[2]),
            )
        )
    return _board(t(lang, "wall.view.river"), rows, t(lang, "wall.river_normal"))


def fire_grid_board(pack: CityPack, snapshot: StateSnapshot, lang: str, now: float | None) -> Board:
    """Fire incidents, buildings whose fire equipment has a fault, and lines from 90 % of their rating."""
    rows = []
    for incident in fire_words.ordered(snapshot.of_kind("incident")):
        state = str(incident.get("state", "suspected"))
        if state == "resolved":
            continue
        rows.append(
            Row(
                "alarm" if state == "confirmed" else "warning",
                badge("alarm" if state == "confirmed" else "warning", lang),
                f"{t(lang, f'fire.state.{state}')} · {fire_words.place(incident, pack, lang)}",
                fire_words.lead(incident, lang),
            )
        )
    for b, doc in ready_words.faulty_buildings(pack, snapshot):
        rows.append(
            Row(
                "warning",
                badge("warning", lang),
                f"{_name(b.name_en, b.name_zh, lang)} · {ready_words.badge(doc, lang)}",
                ready_words.building_sentence(b, doc, lang, pack.timezone, now, head=False),
            )
        )
    for spec in pack.sensors_of_type("grid.line"):
        line_doc = snapshot.sensor(spec.id)
        grid = (line_doc or {}).get("grid")
        if line_doc is None or not grid or float(grid.get("share", 0)) < LINE_SHOWN_FROM:
            continue
        level = sensor_level(line_doc)
        rows.append(
            Row(
                level if level in LEVEL_ORDER else "stale",
                percent(lang, float(grid["share"])),
                _name(spec.name_en, spec.name_zh, lang),
                line_reason(line_doc, lang),
            )
        )
    return _board(t(lang, "wall.view.fire_grid"), rows, t(lang, "wall.fire_grid_quiet"))


def flood_on(snapshot: StateSnapshot) -> bool:
    """Whether flood response has something to show: people to move or streets closed now or within the outlook."""
    picture = snapshot.entities.get(PICTURE_KEY)
    if not picture:
        return False
    people = int(((picture.get("totals") or {}).get("city") or {}).get("people") or 0)
    return bool(people or (picture.get("closed") or {}).get("i") or (picture.get("closing") or {}).get("i"))


def flood_board(snapshot: StateSnapshot, lang: str) -> Board:
    """People to move, streets closed and closing, and rescue missions."""
    picture: Mapping[str, Any] = snapshot.entities.get(PICTURE_KEY) or {}
    totals = (picture.get("totals") or {}).get("city") or {}
    rows = []
    people = int(totals.get("people") or 0)
    if people:
        rows.append(Row("alarm", number(lang, people, group=True), t(lang, "wall.flood.people", n=people), ""))
    closed = len((picture.get("closed") or {}).get("i") or [])
    closing = len((picture.get("closing") or {}).get("i") or [])
    if closed or closing:
        rows.append(
            Row(
                "warning",
                number(lang, closed, group=True),
                t(lang, "flood.closed_count", n=closed),
                t(lang, "flood.closing_count", n=closing),
            )
        )
    missions = picture.get("missions") or []
    if missions:
        rows.append(Row("warning", number(lang, len(missions)), t(lang, "wall.flood.missions", n=len(missions)), ""))
    return _board(t(lang, "wall.view.flood"), rows, t(lang, "wall.flood_quiet"))


def alarm_board(pack: CityPack, snapshot: StateSnapshot, lang: str) -> Board:
    """Active alarms in the operators' order: those waiting for a person first."""
    active, _history = alarm_listing.ordered(snapshot.of_kind("alarm").values())
    rows = [
        Row(
            level := str(a.get("severity")) if a.get("severity") in ("alarm", "warning") else "warning",
            badge(level, lang),
            alarm_words.subject(a, pack, lang),
            f"{t(lang, f'alarms.state.{alarm_listing.state_of(a)}')} · {alarm_words.reason(a, lang)}",
        )
        for a in active
        if not a.get("group")
    ]
    # the operators' order is kept: waiting ones first; _board's stable sort by level keeps it within a level
    shown = rows[:MAX_ROWS]
    return Board(t(lang, "wall.view.alarms"), tuple(shown), max(0, len(rows) - MAX_ROWS), t(lang, "wall.no_alarms"))


def alarm_counts(snapshot: StateSnapshot) -> dict[str, int]:
    """Active alarms per domain (alarm and warning severities, grouped ones not counted twice)."""
    counts = dict.fromkeys(alarm_listing.DOMAINS, 0)
    for alarm in snapshot.of_kind("alarm").values():
        if alarm_listing.state_of(alarm) != "cleared" and not alarm.get("group"):
            domain = str(alarm.get("domain"))
            if domain in counts:
                counts[domain] += 1
    return counts


def place_of(alarm: Mapping[str, Any], pack: CityPack, snapshot: StateSnapshot) -> tuple[float, float] | None:
    """Where an alarm is on the map: its own position (the consumers give it one where they know it), else its
    sensor's, building's or incident's."""
    if alarm.get("lon") is not None and alarm.get("lat") is not None:
        return float(alarm["lon"]), float(alarm["lat"])
    kind, _, entity_id = str(alarm.get("entity", "")).partition(":")
    if kind == "sensor" and entity_id in pack.sensors:
        spec = pack.sensors[entity_id]
        return spec.lon, spec.lat
    if kind == "building" and entity_id in pack.buildings:
        b = pack.buildings[entity_id]
        return b.lon, b.lat
    if kind == "incident":
        incident = snapshot.of_kind("incident").get(entity_id) or {}
        if incident.get("lon") is not None and incident.get("lat") is not None:
            return float(incident["lon"]), float(incident["lat"])
    return None


def critical(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[Critical]:
    """Alarms at alarm severity waiting for a person, newest first, with their places: what takes the wall."""
    out = []
    for alarm in snapshot.of_kind("alarm").values():
        if alarm_listing.state_of(alarm) != "unacknowledged" or alarm.get("group") or alarm.get("severity") != "alarm":
            continue
        place = place_of(alarm, pack, snapshot)
        out.append(
            Critical(
                alarm_id=str(alarm.get("id")),
                raised=str(alarm.get("raised") or ""),
                lon=None if place is None else place[0],
                lat=None if place is None else place[1],
                text=f"{alarm_words.subject(alarm, pack, lang)} · {alarm_words.reason(alarm, lang)}",
            )
        )
    out.sort(key=lambda c: (c.raised, c.alarm_id), reverse=True)
    return out


def ticker(pack: CityPack, snapshot: StateSnapshot, lang: str) -> list[tuple[str, str]]:
    """The ticker's items, (severity, text), in the alarm list's order: what waits for a person first."""
    active, _history = alarm_listing.ordered(snapshot.of_kind("alarm").values())
    return [
        (
            str(a.get("severity")),
            f"{t(lang, 'badge.' + str(a.get('severity')))} · {alarm_words.subject(a, pack, lang)} · "
            f"{alarm_words.reason(a, lang)}",
        )
        for a in active
        if not a.get("group") and a.get("severity") in ("alarm", "warning")
    ]
