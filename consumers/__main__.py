"""``python -m consumers``: one member of the consumer group (start several to share the partitions)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from consumers.citypack import load_city_pack
from consumers.clock import SystemClock
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import open_transport


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    if settings.embedded:
        print(
            "KAFKA_BOOTSTRAP_SERVERS is not set: the embedded product runs its own consumer (python -m dashboard).",
            file=sys.stderr,
        )
        return 2
    pack = load_city_pack(settings.city_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ConsumerRunner(settings, open_transport(settings), pack, SystemClock()).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
