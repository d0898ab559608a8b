"""The embedded default: simulator, consumer and state view in one process over the in-memory transport.

The same runners as the Kafka deployment, on threads instead of processes; only the transport differs. The
exhibition's director (``simulator.show.ShowDirector``) builds one pipeline per run with ``for_show``, around its
own simulator on its show clock, and stops it (every thread joined) before the next.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from consumers.citypack import CityPack
from consumers.clock import ScaledClock, SystemClock
from consumers.flood.network import RoadNetwork, load_flood_pack
from consumers.flood.routing import RoadGraph
from consumers.flood.service import FloodService
from consumers.runner import ConsumerRunner
from consumers.settings import Settings
from consumers.transport import topic_specs
from consumers.transport.memory import MemoryTransport
from simulator.model import CitySimulator
from simulator.runner import SimulatorRunner
from simulator.show import PipelineFactory, ShowRunner

log = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 10.0


def load_network(pack: CityPack) -> RoadNetwork | None:
    """The pack's road network for the flood service, or None (logged) when it has none."""
    try:
        network, warnings = load_flood_pack(pack.root, pack)
    except FileNotFoundError as exc:
        log.warning("no flood response for this city pack: %s", exc)
        return None
    for warning in warnings:
        log.warning("flood pack: %s", warning)
    return network


@dataclass
class EmbeddedPipeline:
    """Owns the threads of the embedded product; ``stop`` ends them and joins them.

    ``simulator``: the simulator's loop to run (default: the settings' scenario at their speed from now, on a
    ``ScaledClock``); ``network``: the flood service's road network (default: loaded from the pack; ``False`` for
    none)."""

    settings: Settings
    pack: CityPack
    transport: MemoryTransport = field(default_factory=MemoryTransport)
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    flood_graph: RoadGraph | None = None
    """The flood service's road graph, read-only: the web app of this process draws and routes on the same one
    instead of loading the network a second time."""
    simulator: SimulatorRunner | None = None
    network: RoadNetwork | bool | None = None
    consumer: ConsumerRunner | None = None

    def start(self) -> EmbeddedPipeline:
        self.transport.ensure_topics(topic_specs(self.settings))
        if self.simulator is None:
            start = datetime.now(UTC)
            self.simulator = SimulatorRunner(
                self.settings,
                self.transport,
                CitySimulator(
                    self.pack, self.settings.sim_seed, start, self.settings.sim_scenario, self.settings.sim_rate
                ),
                ScaledClock(start, self.settings.sim_speed),
            )
        self.consumer = ConsumerRunner(self.settings, self.transport, self.pack, SystemClock(), client_id="embedded")
        runners: list[tuple[str, Callable[[threading.Event], None]]] = [
            ("simulator", self.simulator.run),
            ("consumer", self.consumer.run),
        ]
        network = load_network(self.pack) if self.network is None else self.network
        if isinstance(network, RoadNetwork):
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

    def _guard(self, name: str, target: Callable[[threading.Event], None]) -> None:
        try:
            target(self.stop_event)
        except Exception:
            log.exception("embedded %s stopped with an error", name)
            raise

    def stop(self) -> None:
        """End every thread and wait for it (the consumer flushes and leaves its group first)."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=JOIN_TIMEOUT_S)
            if thread.is_alive():
                log.warning("embedded %s did not stop within %g s", thread.name, JOIN_TIMEOUT_S)

    @classmethod
    def for_show(cls, network: RoadNetwork | None) -> PipelineFactory:
        """The director's factory: a started pipeline per run, around the run's transport and ``ShowRunner``,
        sharing one road network (loaded once: ``load_network``)."""

        def build(
            settings: Settings, pack: CityPack, transport: MemoryTransport, runner: ShowRunner
        ) -> EmbeddedPipeline:
            return cls(
                settings, pack, transport, simulator=runner, network=network if network is not None else False
            ).start()

        return build
