"""The embedded default: simulator, consumer and state view in one process over the in-memory transport.

The same runners as the Kafka deployment, on threads instead of processes; only the transport differs.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from consumers.citypack import CityPack
from consumers.clock import ScaledClock, SystemClock
from consumers.flood.network import load_flood_pack
from consumers.flood.routing import RoadGraph
from consumers.flood.service import FloodService
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import topic_specs
from consumers.transport.memory import MemoryTransport
from simulator.model import CitySimulator
from simulator.runner import SimulatorRunner

log = logging.getLogger(__name__)


@dataclass
class EmbeddedPipeline:
    """Owns the threads of the embedded product; ``stop`` ends them."""

    settings: Settings
    pack: CityPack
    transport: MemoryTransport = field(default_factory=MemoryTransport)
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    flood_graph: RoadGraph | None = None
    """The flood service's road graph, read-only: the web app of this process draws and routes on the same one
    instead of loading the network a second time."""

    def start(self) -> EmbeddedPipeline:
        self.transport.ensure_topics(topic_specs(self.settings))
        start = datetime.now(UTC)
        simulator = SimulatorRunner(
            self.settings,
            self.transport,
            CitySimulator(self.pack, self.settings.sim_seed, start, self.settings.sim_scenario, self.settings.sim_rate),
            ScaledClock(start, self.settings.sim_speed),
        )
        consumer = ConsumerRunner(self.settings, self.transport, self.pack, SystemClock(), client_id="embedded")
        runners: list[tuple[str, object]] = [("simulator", simulator.run), ("consumer", consumer.run)]
        try:
            network, warnings = load_flood_pack(self.pack.root, self.pack)
        except FileNotFoundError as exc:
            log.warning("no flood response for this city pack: %s", exc)
        else:
            for warning in warnings:
                log.warning("flood pack: %s", warning)
            flood = FloodService(self.settings, self.transport, self.pack, network)
            self.flood_graph = flood.model.graph
            runners.append(("flood", flood.run))
        for name, target in runners:
            thread = threading.Thread(target=self._guard, args=(name, target), name=name, daemon=True)
            thread.start()
            self.threads.append(thread)
        log.info(
            "embedded pipeline started: simulator at %gx, scenario %s",
            self.settings.sim_speed,
            self.settings.sim_scenario,
        )
        return self

    def _guard(self, name: str, target: object) -> None:
        try:
            target(self.stop_event)  # type: ignore[operator]
        except Exception:
            log.exception("embedded %s stopped with an error", name)
            raise

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=10)
