"""Give the heap's freed memory back to the system once an hour: resident memory that follows the live state.

Why: glibc's allocator keeps memory a process freed and reuses it later, but returns little of it to the system
unless asked. A consumer frees in bursts (a flush's batch, a compacted log in the embedded transport, a restore),
so its resident size creeps up to the high-water mark of those bursts and stays there. Measured with
``bench.embedded_memory --days 14``: resident memory grew 2.8 % from day 7 to day 14 (277 -> 285 MiB) while the
objects alive did not (a census of every object's type, day 6 against day 12, found a few thousand records more in
the logs' retention margin and nothing else); with the heap trimmed at each day's end it grew 0.8 % (day 7 to 11),
and with this trimmer in the runner 1.4 % (272 -> 276 MiB, day 7 to 14).

So after a flush, once per ``every_s`` of the runner's clock (an hour of the city's time: real time in
production, simulated time in the embedded demo), the runner calls glibc's ``malloc_trim(0)``, which hands back
every free page, not only the top of the heap. It costs milliseconds. Elsewhere than glibc (macOS, musl) there is
nothing to call and nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from dataclasses import dataclass, field


def glibc_trim() -> Callable[[], object] | None:
    """``malloc_trim(0)`` of the C library this process runs on, or None where it has none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


@dataclass(slots=True)
class HeapTrimmer:
    """Trims the heap after a flush when ``every_s`` seconds of the runner's clock have passed (0: never)."""

    every_s: float = 3600.0
    trim: Callable[[], object] | None = field(default_factory=glibc_trim)
    trims: int = 0
    _since: float | None = None

    def after_flush(self, now_s: float) -> bool:
        """Trim if due at ``now_s`` (epoch seconds of the runner's clock); True if it did. The first flush only
        starts the count, and a clock set back starts it again."""
        if self.trim is None or self.every_s <= 0:
            return False
        if self._since is None or now_s < self._since:
            self._since = now_s
            return False
        if now_s - self._since < self.every_s:
            return False
        self._since = now_s
        self.trim()
        self.trims += 1
        return True
