"""``python -m consumers``: one member of the consumer group (start several to share the partitions)."""

from __future__ import annotations

import sys
import threading

from consumers.citypack import CityPack
from consumers.clock import SystemClock
from consumers.gc_policy import FlushCollector
from consumers.process import run_kafka_process
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import open_transport


def consume(settings: Settings, pack: CityPack, stop: threading.Event) -> None:
    every_s = settings.consumer_full_gc_every_s
    collector = FlushCollector(full_every_s=every_s) if every_s > 0 else None
    ConsumerRunner(settings, open_transport(settings), pack, SystemClock(), collector=collector).run(stop)


if __name__ == "__main__":
    sys.exit(run_kafka_process("consumer", consume))
