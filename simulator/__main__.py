"""``python -m simulator``: publish simulated telemetry to Kafka (KAFKA_BOOTSTRAP_SERVERS)."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime

from consumers.citypack import CityPack
from consumers.clock import ScaledClock
from consumers.process import run_kafka_process
from consumers.settings import Settings, SettingsError
from consumers.transport import open_transport
from simulator.model import CitySimulator
from simulator.runner import SimulatorRunner, resume_point


def simulate(settings: Settings, pack: CityPack, stop: threading.Event) -> None:
    if settings.clock == "wall" and settings.sim_speed != 1:
        raise SettingsError(
            f"CITYOPS_SIM_SPEED={settings.sim_speed:g} runs ahead of the wall clock, and consumers on "
            "CITYOPS_CLOCK=wall refuse readings from the future: set CITYOPS_CLOCK=simulated for every process "
            "(simulator, consumers, web), or CITYOPS_SIM_SPEED=1"
        )
    transport = open_transport(settings)
    start = resume_point(settings, transport, datetime.now(UTC))
    simulator = CitySimulator(pack, settings.sim_seed, start, settings.sim_scenario, settings.sim_rate)
    SimulatorRunner(settings, transport, simulator, ScaledClock(start, settings.sim_speed)).run(stop)


if __name__ == "__main__":
    sys.exit(run_kafka_process("simulator", simulate))
