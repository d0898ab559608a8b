"""How fresh the picture is, and why not: one judgement for ``/health`` and for the wall's clock.

A wall that says LIVE must mean it. The judgement looks at the view's own facts (has it caught up, can this web
worker reach the broker), the consumers' statuses (alive or lost, restoring, which partitions they own) and the
age of the newest data, in that order, and names the first thing that is wrong. Pure: a snapshot, settings
values and the wall time in; a ``Picture`` out.

Data age is the wall time since a consumer last published a newer reading (its Kafka record timestamp); on the wall
clock it is at least the age of the newest reading's event time too, so a backlog processed now is not called
live. On a simulated clock (event time runs 60x ahead) only the first counts.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from consumers.settings import Settings
from dashboard.state_view import StateSnapshot

UNHEALTHY = ("stale", "no_consumers", "partitions_unowned", "broker_unreachable")
"""States in which ``/health`` answers 503: what is on screen is not the city now."""


@dataclass(frozen=True, slots=True)
class Picture:
    """The judgement. ``status`` is one of ``starting``, ``ok``, ``restoring`` or those in ``UNHEALTHY``."""

    status: str
    data_age_s: float | None
    last_data_time: str | None
    broker_unreachable_since: str | None = None
    unowned_partitions: list[int] = field(default_factory=list)
    restore_done: int = 0
    restore_total: int = 0
    simulated_speed: float | None = None
    event_now: float | None = None
    """Event-time "now" of the consumers (the simulated clock, or the wall clock): what district ages count from."""
    consumers: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def http_status(self) -> int:
        return 503 if self.status in UNHEALTHY else 200

    @property
    def restore_percent(self) -> int | None:
        return 100 * self.restore_done // self.restore_total if self.restore_total else None


def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat()


def _clock_now(consumers: list[Mapping[str, Any]], now_wall: float) -> tuple[float, float | None]:
    """The newest event-time "now" the live consumers report, and the simulated speed if they run simulated."""
    best, speed = None, None
    for c in consumers:
        clock = c.get("clock") or {}
        try:
            t = datetime.fromisoformat(str(clock.get("now"))).timestamp()
        except ValueError:
            continue
        age = float(c.get("age_s") or 0.0)
        if clock.get("mode") == "simulated" and clock.get("speed"):
            speed = float(clock["speed"])
            t += age * speed  # the status is a little old; simulated time went on meanwhile
        elif clock.get("mode") != "simulated":
            t += age
        best = t if best is None else max(best, t)
    return (now_wall if best is None else best), speed


def judge(snapshot: StateSnapshot, partitions: int, clock_mode: str, stale_after_s: float, now_wall: float) -> Picture:
    """Judge the picture (see the module doc for the order of the checks)."""
    everyone = snapshot.consumers(now_wall)
    live = [c for c in everyone if not c["lost"]]
    event_now, speed = _clock_now(live, now_wall)
    age = snapshot.data_age(now_wall)
    if clock_mode == "wall" and age is not None and snapshot.newest_data_t is not None:
        age = max(age, now_wall - snapshot.newest_data_t)  # a backlog published now is still old data
    restoring = [c for c in live if c.get("phase") == "restoring"]
    owned = {int(p) for c in live for p in c.get("partitions", [])}
    common: dict[str, Any] = {
        "data_age_s": None if age is None else round(age, 1),
        "last_data_time": _iso(snapshot.newest_data_t),
        "broker_unreachable_since": _iso(snapshot.broker_unreachable_since),
        "unowned_partitions": sorted(set(range(partitions)) - owned),
        "restore_done": sum(int((c.get("restore") or {}).get("done", 0)) for c in restoring),
        "restore_total": sum(int((c.get("restore") or {}).get("total", 0)) for c in restoring),
        "simulated_speed": speed,
        "event_now": event_now,
        "consumers": everyone,
    }
    if snapshot.broker_unreachable_since is not None:
        status = "broker_unreachable"
    elif snapshot.updated_wall is None or not snapshot.caught_up:
        status = "starting"
    elif not live:
        status = "no_consumers"
    elif restoring:
        status = "restoring"
    elif common["unowned_partitions"]:
        status = "partitions_unowned"
    elif age is None or age > stale_after_s:
        status = "stale"
    else:
        status = "ok"
    return Picture(status, **common)


def judge_now(snapshot: StateSnapshot, settings: Settings) -> Picture:
    """``judge`` with this deployment's settings, at the wall clock's now: what every page and the status answer
    ask."""
    return judge(snapshot, settings.partitions, settings.clock, settings.ui_stale_after_s, time.time())


def member_label(consumer_id: str) -> str:
    """A consumer's id without its host name and process id, for pages anyone may read: stable, short, opaque."""
    return "member-" + hashlib.sha256(consumer_id.encode()).hexdigest()[:8]
