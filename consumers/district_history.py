"""Each district's risk over the last 24 hours, for its page: the worst score of every 5 minutes of event time.

The worst, not the last: a five-minute peak is what a manager looking back needs to see. A step is written when it
is over (the first score of a later step closes it), so a district publishes its history at most once per five
minutes of event time; the page adds the district's score now as the last point. Bounded: 288 steps a district.
Published as ``risk_history:<district>`` on ``city.state``, and the same document in the changelog on the district's
partition, so that a restart keeps the day.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from consumers.clock import epoch_iso
from consumers.contract import json_bytes

KIND = "risk_history"
STEP_S = 300.0
KEEP_S = 24 * 3600.0
MAX_STEPS = int(KEEP_S / STEP_S)


def _worse(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


class RiskHistory:
    """The closed steps of every district owned, and the step each is in now."""

    def __init__(self) -> None:
        self._steps: dict[str, deque[tuple[float, float | None, float | None]]] = {}
        """District -> (step start, worst risk, worst fire risk), oldest first."""
        self._open: dict[str, tuple[float, float | None, float | None]] = {}
        self._dirty: set[str] = set()

    def observe(self, code: str, t: float, risk: float | None, fire: float | None) -> None:
        """The district's scores at event time ``t`` (a flush that changed it)."""
        start = math.floor(t / STEP_S) * STEP_S
        current = self._open.get(code)
        if current is not None and start < current[0]:
            return  # a clock set back: the step it names is closed
        if current is None or start > current[0]:
            if current is not None and (current[1] is not None or current[2] is not None):
                steps = self._steps.setdefault(code, deque(maxlen=MAX_STEPS))
                steps.append(current)
                while steps and steps[0][0] < start - KEEP_S:
                    steps.popleft()
                self._dirty.add(code)
            self._open[code] = (start, risk, fire)
        else:
            self._open[code] = (start, _worse(current[1], risk), _worse(current[2], fire))

    def doc(self, code: str) -> dict[str, Any]:
        steps = self._steps.get(code, ())
        return {
            "kind": KIND,
            "code": code,
            "step_s": STEP_S,
            "t": [epoch_iso(s[0]) for s in steps],
            "risk": [s[1] for s in steps],
            "fire": [s[2] for s in steps],
            "e": [s[0] for s in steps],
        }

    def drain(
        self, partition_of: Mapping[str, int]
    ) -> tuple[list[tuple[bytes, bytes | None, int]], list[tuple[bytes, bytes | None]]]:
        changelog: list[tuple[bytes, bytes | None, int]] = []
        state: list[tuple[bytes, bytes | None]] = []
        for code in sorted(self._dirty):
            key, value = f"{KIND}:{code}".encode(), json_bytes(self.doc(code))
            changelog.append((key, value, partition_of[code]))
            state.append((key, value))
        self._dirty.clear()
        return changelog, state

    def restore(self, code: str, doc: Mapping[str, Any] | None) -> None:
        if doc is None:
            self._steps.pop(code, None)
            return
        steps = zip(doc.get("e") or (), doc.get("risk") or (), doc.get("fire") or (), strict=False)
        self._steps[code] = deque(((float(t), r, f) for t, r, f in steps), maxlen=MAX_STEPS)

    def forget(self, districts: Iterable[str]) -> None:
        for code in districts:
            self._steps.pop(code, None)
            self._open.pop(code, None)
            self._dirty.discard(code)
