"""Clocks. Everything that needs "now" takes a clock, so that tests and the 60x simulator control time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Protocol


class Clock(Protocol):
    """Source of timezone-aware current time."""

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ScaledClock:
    """Simulated time that runs ``speed`` times faster than the wall clock from ``start``.

    The simulator uses it so that a 72-hour drought plays in 72 minutes at 60x.
    """

    def __init__(self, start: datetime, speed: float) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = start
        self._speed = speed
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._t0) * self._speed)


class ManualClock:
    """A clock that moves only when told to: the test double for event-time logic."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("when must be timezone-aware")
        self._now = when


@lru_cache(maxsize=1 << 16)
def epoch_iso(t: float) -> str:
    """ISO 8601 (UTC) of an epoch time; cached because a gauge's view repeats the same few hundred history times at
    every flush, and formatting them was a tenth of a flush at city scale."""
    return datetime.fromtimestamp(t, UTC).isoformat()
