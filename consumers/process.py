"""What every process of the Kafka deployment does around its work: logging, settings, pack, signals."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable

from consumers.citypack import CityPack, load_city_pack
from consumers.settings import Settings, SettingsError

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


def run_kafka_process(role: str, work: Callable[[Settings, CityPack, threading.Event], None]) -> int:
    """Run ``work`` until SIGTERM or SIGINT; refuse to start without Kafka (the embedded product has its own)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if settings.embedded:
        print(
            f"KAFKA_BOOTSTRAP_SERVERS is not set: the embedded product runs its own {role} (python -m dashboard).",
            file=sys.stderr,
        )
        return 2
    pack = load_city_pack(settings.city_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        work(settings, pack, stop)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return 0
