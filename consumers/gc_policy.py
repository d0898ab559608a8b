"""When a consumer process collects garbage: after a flush, when a batch's objects are dead, not whenever
allocation counts say so.

Why: CPython's cyclic collector runs on counts of allocations. A consumer keeps every reading it accepted alive
until the next flush (its row waits there for the changelog), so a batch's objects survive the young
collections, are promoted, and push the oldest generation into full collections that scan the whole city's
state. At 18,400 sensors that was two full collections of 0.62 s and 37 middle ones of about 7 ms per 100,000
records, and none of them found anything to free (measured with ``gc.callbacks`` on ``bench.city_scale``): the
consumer's state is freed by reference counting, it makes almost no reference cycles.

So in a consumer process the automatic collector is off, and the runner collects itself, after each flush: the
youngest generation every time (what survived since the last flush is little, then, and a cycle made by one
batch goes with it), and everything every ``full_every_s`` seconds, which bounds what any cycle can hold.

Only the consumer process does this (``python -m consumers``). The embedded default shares its process with
the web app, whose allocations the consumer knows nothing about, and keeps CPython's collector.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class FlushCollector:
    """Collect garbage at flush boundaries (module doc). ``start`` turns the automatic collector off, ``stop``
    back on."""

    full_every_s: float = 600.0
    clock: Callable[[], float] = time.monotonic
    full_collections: int = 0
    _last_full: float = field(default=0.0, init=False)

    def start(self) -> None:
        gc.disable()
        self._last_full = self.clock()

    def after_flush(self) -> None:
        now = self.clock()
        if now - self._last_full >= self.full_every_s:
            gc.collect()
            self.full_collections += 1
            self._last_full = now
        else:
            gc.collect(0)

    def stop(self) -> None:
        gc.enable()
