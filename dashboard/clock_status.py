"""What the wall's freshness clock shows, in the page language: the server half of it.

The browser asks ``/api/v1/status`` once a second with ``fetch`` (``assets/freshness.js``), outside Dash's
callback queue: a slow map refresh can then never delay or supersede the answer, and a request that fails or
stays unanswered tells the browser, and only the browser, that the server is unreachable. The browser adds the
seconds since its last answer and picks the sentence (``dashboard/pages/map.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dashboard.freshness import Picture
from dashboard.i18n import t

NO_ANSWER_MIN_S = 10.0
"""The browser calls the server unreachable after this long without an answer (or three refreshes, if longer):
long enough that a loaded server answering in a few seconds is not called down."""

STATUS_WORDS = (
    "live",
    "stale",
    "last_data",
    "waiting",
    "since",
    "rebuilding",
    "no_new_data_since_start",
    "status.no_connection",
    "status.broker_unreachable",
    "status.no_consumers",
    "status.partitions_unowned",
)


def local_time(iso: str | None, tz: str, fmt: str = "%Y-%m-%d %H:%M:%S %Z") -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime(fmt)


def data_time(picture: Picture, tz: str) -> str:
    """The time of the last good data, short enough for the wall's header: the date only when it is not today
    (today by the consumers' clock, which is the simulated one in a demo)."""
    if not picture.last_data_time:
        return "—"
    zone = ZoneInfo(tz)
    last = datetime.fromisoformat(picture.last_data_time).astimezone(zone)
    today = datetime.fromtimestamp(picture.event_now, zone).date() if picture.event_now is not None else None
    return last.strftime("%H:%M:%S %Z" if last.date() == today else "%Y-%m-%d %H:%M:%S %Z")


def simulated_badge(picture: Picture, lang: str) -> str:
    """Says that the clock is simulated and how fast it runs (a 60x demo clock is hours ahead of the room's)."""
    speed = picture.simulated_speed
    if speed is None or speed == 1:
        return ""
    return t(lang, "simulated", speed=f"{speed:g}")


def status_doc(picture: Picture, tz: str, stale_after_s: float, refresh_ms: int, lang: str) -> dict[str, Any]:
    """The server's judgement of the data, when to call the server itself unreachable, and the words."""
    return {
        "status": picture.status,
        "age_s": picture.data_age_s,
        "stale_after_s": stale_after_s,
        "no_answer_after_s": max(NO_ANSWER_MIN_S, 3 * refresh_ms / 1000),
        "last_data": data_time(picture, tz),
        "since": local_time(picture.broker_unreachable_since, tz, "%H:%M:%S"),
        "restore_pct": picture.restore_percent,
        "simulated": simulated_badge(picture, lang),
        "words": {k: t(lang, k) for k in STATUS_WORDS},
        "no_update_for": t(lang, "no_update_for", s="{s}"),
        "no_answer_for": t(lang, "no_answer_for", s="{s}"),
    }
