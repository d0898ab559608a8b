"""A consumer process collects garbage at its flushes: cycles still go, and the full scan only as often as set."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from consumers.gc_policy import FlushCollector


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def collector() -> Iterator[tuple[FlushCollector, list[float]]]:
    now = [1000.0]
    policy = FlushCollector(full_every_s=600.0, clock=lambda: now[0])
    policy.start()
    try:
        yield policy, now
    finally:
        policy.stop()
    assert gc.isenabled()


def test_the_automatic_collector_is_off_and_a_flush_still_frees_a_cycle(
    collector: tuple[FlushCollector, list[float]],
) -> None:
    policy, _ = collector
    assert not gc.isenabled()
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    assert gone() is not None  # nobody collects a cycle with the collector off ...
    policy.after_flush()
    assert gone() is None  # ... until the flush does


def test_everything_is_scanned_once_per_period_not_at_every_flush(
    collector: tuple[FlushCollector, list[float]],
) -> None:
    policy, now = collector
    for _ in range(599):
        now[0] += 1.0
        policy.after_flush()
    assert policy.full_collections == 0
    now[0] += 1.0
    policy.after_flush()
    assert policy.full_collections == 1
    now[0] += 10.0
    policy.after_flush()
    assert policy.full_collections == 1
