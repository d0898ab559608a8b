"""``python -m consumers.flood``: the flood service (``consumers.flood.service``) against Kafka."""

from __future__ import annotations

import logging
import sys
import threading

from consumers.citypack import CityPack
from consumers.flood.network import load_flood_pack
from consumers.flood.service import FloodService
from consumers.process import run_kafka_process
from consumers.settings import Settings
from consumers.transport import open_transport

log = logging.getLogger("consumers.flood")


def serve(settings: Settings, pack: CityPack, stop: threading.Event) -> None:
    try:
        network, warnings = load_flood_pack(pack.root, pack)
    except FileNotFoundError as exc:  # a city pack without flood data: nothing to serve, and no crash loop
        log.warning("no flood response for this city pack (%s); the flood service idles", exc)
        stop.wait()
        return
    for warning in warnings:
        log.warning("flood pack: %s", warning)
    FloodService(settings, open_transport(settings), pack, network).run(stop)


if __name__ == "__main__":
    sys.exit(run_kafka_process("flood service", serve))
