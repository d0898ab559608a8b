"""The last hour of readings of sensors whose domain publishes no history, kept by each web worker from the state
topic as it passes, for the sensor page's chart and its CSV.

Gauges and lines carry their own history in their state records (the river model's observations, a line's load and
temperature). A smoke detector, a hydrant or a camera publishes only its latest values and its window's statistics:
the consumers' windows hold the samples, but writing them out with every record would multiply ``city.state``'s bytes
per reading (issue 8 is about that cost). Each sensor record the web worker reads already carries the latest values
and their event time; keeping the last hour of them costs the worker ~100 bytes a point and the consumers nothing.

The price: the chart starts when the worker started (a compacted topic keeps only the last record of each sensor),
so a worker that was just restarted shows one point per sensor, and the page says from when its chart runs.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections.abc import Mapping
from datetime import datetime
from typing import Any

KEEP_S = 3600.0
MAX_POINTS = 120
"""At most one point per 30 s of event time for the hour (sensors report every minute or less often)."""
OWN_HISTORY = frozenset({"river.gauge", "grid.line"})
"""Types whose state records carry their own history: not kept twice."""


class _Trail:
    """One sensor's points in flat arrays of doubles: 8 bytes a number, so 50,000 detectors cost tens of MB, not the
    hundreds a tuple and a dict per reading would."""

    __slots__ = ("columns", "fields", "times")

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.times = array("d")
        self.columns = [array("d") for _ in fields]

    def append(self, t: float, values: Mapping[str, float]) -> None:
        self.times.append(t)
        for name, column in zip(self.fields, self.columns, strict=True):
            column.append(values.get(name, math.nan))
        drop = 0
        while drop < len(self.times) and (self.times[drop] < t - KEEP_S or len(self.times) - drop > MAX_POINTS):
            drop += 1
        if drop:
            del self.times[:drop]
            for column in self.columns:
                del column[:drop]


class SensorTrails:
    """Per sensor, its numeric values over the last ``KEEP_S`` of event time, oldest first.

    Written by the state view's thread, read by request threads."""

    def __init__(self) -> None:
        self._trails: dict[str, _Trail] = {}
        self._lock = threading.Lock()

    def observe(self, sensor_id: str, doc: Mapping[str, Any]) -> None:
        if doc.get("type") in OWN_HISTORY:
            return
        try:
            t = datetime.fromisoformat(str(doc.get("event_time"))).timestamp()
        except ValueError:
            return
        raw = doc.get("values")
        if not isinstance(raw, Mapping):
            return
        values = {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float) and not isinstance(v, bool)}
        if not values:
            return
        with self._lock:
            trail = self._trails.get(sensor_id)
            if trail is not None and trail.times and t < trail.times[-1] + KEEP_S / MAX_POINTS:
                return  # the same reading published again, an older one, or one closer than a point's spacing
            if trail is None or not set(values) <= set(trail.fields):
                trail = self._trails[sensor_id] = _Trail(tuple(sorted(values)))
            trail.append(t, values)

    def series(self, sensor_id: str) -> dict[str, tuple[list[float], list[float | None]]]:
        """Each numeric field's times and values (None where a reading lacked the field)."""
        with self._lock:
            trail = self._trails.get(sensor_id)
            if trail is None:
                return {}
            times = list(trail.times)
            return {
                name: (times, [None if math.isnan(v) else v for v in column])
                for name, column in zip(trail.fields, trail.columns, strict=True)
            }
