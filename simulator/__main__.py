"""``python -m simulator``: publish simulated telemetry to Kafka (KAFKA_BOOTSTRAP_SERVERS)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import UTC, datetime

from consumers.citypack import load_city_pack
from consumers.clock import ScaledClock
from consumers.settings import Settings
from consumers.transport import open_transport
from simulator.model import CitySimulator
from simulator.runner import SimulatorRunner


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    if settings.embedded:
        print(
            "KAFKA_BOOTSTRAP_SERVERS is not set: the embedded product runs its own simulator (python -m dashboard).",
            file=sys.stderr,
        )
        return 2
    pack = load_city_pack(settings.city_dir)
    start = datetime.now(UTC)
    clock = ScaledClock(start, settings.sim_speed)
    simulator = CitySimulator(pack, settings.sim_seed, start, settings.sim_scenario, settings.sim_rate)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    SimulatorRunner(settings, open_transport(settings), simulator, clock).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
