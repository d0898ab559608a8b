"""Test doubles shared by the tests and the benchmarks: messages as the log would deliver them.

Lives beside the code (not under tests/) so that ``bench/`` can build the same inputs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from consumers.contract import Reading, topic_suffix
from consumers.settings import Settings
from consumers.transport.base import Message
from consumers.transport.memory import default_partition

HEALTHY_BUILDING_DEVICE: dict[str, dict[str, float | str]] = {
    "fire.sprinkler": {"pressure_mpa": 0.12},
    "fire.hydrant": {"pressure_mpa": 0.3},
    "fire.extinguisher": {"status": "ok"},
    "fire.alarm_panel": {"status": "normal"},
    "fire.fire_door": {"status": "closed"},
    "fire.smoke_detector": {"obscuration_pct_per_m": 0.05},
    "fire.heat_detector": {"temperature_c": 22.0},
}
"""A reading of each kind of a building's devices as it should be."""


class MessageFactory:
    """Wraps readings or raw bytes into ``Message``s with the partition and offset Kafka would give them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._next: dict[tuple[str, int], int] = defaultdict(int)

    def raw(self, topic: str, value: bytes | None, key: bytes | None) -> Message:
        partition = default_partition(key, self.settings.partitions) if key is not None else 0
        offset = self._next[(topic, partition)]
        self._next[(topic, partition)] += 1
        return Message(topic, partition, offset, key, value)

    def reading(self, reading: Reading) -> Message:
        topic = self.settings.topics.for_domain(topic_suffix(reading.type))
        return self.raw(topic, reading.encode(), reading.district.encode())

    def readings(self, readings: Iterable[Reading]) -> list[Message]:
        return [self.reading(r) for r in readings]
