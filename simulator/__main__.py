"""``python -m simulator``: publish simulated telemetry to Kafka (KAFKA_BOOTSTRAP_SERVERS)."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime

from consumers.citypack import CityPack
from consumers.clock import ScaledClock
from consumers.process import run_kafka_process
from consumers.settings import Settings
from consumers.transport import open_transport
from simulator.model import CitySimulator
from simulator.runner import SimulatorRunner


def simulate(settings: Settings, pack: CityPack, stop: threading.Event) -> None:
    start = datetime.now(UTC)
    simulator = CitySimulator(pack, settings.sim_seed, start, settings.sim_scenario, settings.sim_rate)
    SimulatorRunner(settings, open_transport(settings), simulator, ScaledClock(start, settings.sim_speed)).run(stop)


if __name__ == "__main__":
    sys.exit(run_kafka_process("simulator", simulate))
