"""The one interface between the spine and a domain's model of a sensor (DESIGN.md, "Domains").

The spine (decoding, windows, staleness, district scores, the changelog, the runner) keeps every sensor's
windows and scores its latest values with ``consumers.rules``. Some sensors need more than that: a river gauge
has a model of its river (history, faults, forecast, warnings). A domain says which sensor types it models and
how to make, restore and snapshot one model; the processor keeps the model beside the sensor's state, feeds it
every reading, lets it fold its state into the sensor's score, publishes its view under the domain's name and
writes its snapshot to the changelog under ``<name>:<sensor id>``. The processor names no domain: adding one
means a package with a ``Domain`` and a line in ``consumers.domains``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from consumers.citypack import SensorSpec
from consumers.rules import Assessment
from consumers.window import SampleWindow


class SensorModel(Protocol):
    """A domain's model of one sensor, fed in event time (epoch seconds); pure, no I/O, no clock."""

    @property
    def newest_t(self) -> float | None:
        """Event time of the newest sample it has taken in (None before the first)."""

    def update(self, t: float, values: Mapping[str, float | str]) -> None:
        """Take in one accepted reading's values."""

    def assess(self, assessment: Assessment, now: float) -> Assessment:
        """The sensor's score with the model's state at ``now`` folded in (the rule's score is ``assessment``)."""

    def view(self) -> dict[str, Any] | None:
        """What the dashboard needs of the model, as of the last ``assess`` (None before the first): numbers,
        codes and ids, no words in a page language (the dashboard words them)."""

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready state for the changelog; the domain's ``restore`` rebuilds the same model from it."""

    def replay(self, windows: Mapping[str, SampleWindow]) -> None:
        """After a restore: take in the windows' samples newer than ``newest_t``, oldest first."""

    def replayable_since(self, windows: Mapping[str, SampleWindow]) -> float | None:
        """The oldest sample the windows could replay into it. While that is no newer than the newest sample of
        the model's last snapshot (for a model that started from nothing, its first sample), the windows hold
        everything it has seen since, and no snapshot need be written: the processor writes one only when the
        windows have moved past it."""


@dataclass(frozen=True, slots=True)
class Domain:
    """A domain as the processor knows it."""

    name: str
    """The key of its part of a sensor's view, and of its snapshots in the changelog (``<name>:<sensor id>``)."""
    sensor_types: frozenset[str]
    new: Callable[[SensorSpec], SensorModel]
    restore: Callable[[SensorSpec, Mapping[str, Any]], SensorModel]
    refresh: Callable[[Sequence[SensorModel]], None] | None = None
    """Work a domain does for many models at once rather than at each reading (a line's rating: one solver call
    for every line costs what one line alone does). The processor calls it at each flush with the models that
    took input since, before it scores and publishes them; a model's ``assess`` uses what the last refresh
    found."""
