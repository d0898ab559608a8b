"""The heap is trimmed once per interval of the runner's clock, after a flush (``consumers/heap_trim.py``)."""

from __future__ import annotations

import sys

import pytest

from consumers.heap_trim import HeapTrimmer, glibc_trim


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def test_it_trims_once_an_hour_of_the_clock_it_is_given() -> None:
    trim = Counting()
    trimmer = HeapTrimmer(3600.0, trim)
    flushes = [t * 60.0 for t in range(0, 24 * 60 + 1)]  # a flush a minute for a day
    done = [t for t in flushes if trimmer.after_flush(t)]
    assert done == [h * 3600.0 for h in range(1, 25)]
    assert trim.calls == trimmer.trims == 24


def test_a_clock_set_back_starts_the_hour_again_and_zero_never_trims() -> None:
    trim = Counting()
    trimmer = HeapTrimmer(3600.0, trim)
    assert not trimmer.after_flush(10_000.0)
    assert not trimmer.after_flush(5_000.0)  # back: the hour counts from here
    assert not trimmer.after_flush(8_000.0)
    assert trimmer.after_flush(8_600.0)
    never = HeapTrimmer(0.0, trim)
    assert not any(never.after_flush(t * 3600.0) for t in range(48))
    assert trim.calls == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_on_this_linux_the_trim_is_glibcs_and_runs() -> None:
    trim = glibc_trim()
    assert trim is not None
    assert trim() in (0, 1)  # 1: memory was given back; 0: there was none to give
