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
from simulator.scenarios import find_scenario
from simulator.show import WarmSimulator


def simulate(settings: Settings, pack: CityPack, stop: threading.Event) -> None:
    if settings.clock == "wall" and settings.sim_speed != 1:
        raise SettingsError(
            f"CITYOPS_SIM_SPEED={settings.sim_speed:g} runs ahead of the wall clock, and consumers on "
            "CITYOPS_CLOCK=wall refuse readings from the future: set CITYOPS_CLOCK=simulated for every process "
            "(simulator, consumers, web), or CITYOPS_SIM_SPEED=1"
        )
    transport = open_transport(settings)
    now = datetime.now(UTC)
    start = resume_point(settings, transport, now)
    simulator = simulator_for(settings, pack, start, fresh=start == now)
    SimulatorRunner(settings, transport, simulator, ScaledClock(start, settings.sim_speed)).run(stop)


def simulator_for(settings: Settings, pack: CityPack, start: datetime, fresh: bool) -> CitySimulator:
    """The scenario's simulator from ``start``; on ``fresh`` topics with the history its file asks for first (the
    drought's four days of gauge readings, without which its warnings could not come 72 h ahead). A simulator that
    resumes on topics an earlier run filled has that history already, and readings older than it would be late."""
    scenario = find_scenario(pack.root, settings.sim_scenario)
    history = scenario.history if scenario is not None and fresh else None
    return WarmSimulator(pack, settings.sim_seed, start, settings.sim_scenario, settings.sim_rate, history=history)


if __name__ == "__main__":
    sys.exit(run_kafka_process("simulator", simulate))
