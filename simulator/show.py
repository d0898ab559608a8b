"""The exhibition's scenario director: a show clock a guide controls, and the runs of the embedded pipeline it plays.

``ShowClock`` is simulated time that can be paused, sped up (1× to 600×) and moved forward; ``ShowRunner`` is the
simulator's publishing loop on it, which publishes a backlog (after a jump) in steps with their own clock ticks and
waits for the consumer between them, so that nothing is lost to the in-memory transport's retention and no
sensor looks stale for a moment; ``ShowDirector`` owns one run at a time (transport, simulator, consumer, flood
service) and builds a fresh one for every reset, so that a rehearsal plays exactly like the show: the same
scenario file, seed and start hour give the same readings.

A scenario with a ``history`` (``simulator.scenarios.History``: the drought's river gauges, whose model needs three
days of falling levels before it can warn) starts warm: its run first publishes that history, the readings of
those sensor types from the start minus its hours up to the start (``WarmSimulator``), in the same steps with their
clock ticks as a jump's backlog, while its clock holds at the start (``status().catching_up``); the show's clock
starts when the consumer has read it all. Each step's tick goes first, so no reading is ahead of the consumers'
clock, and no reading is older than its own sensor's previous one, so none is late either (the lateness rule is per
sensor: ``consumers.processor``); the history is read without a dead letter.

Nothing here imports the dashboard: the director is given a ``PipelineFactory`` that starts the consumer and flood
threads of a run (``dashboard.embedded.EmbeddedPipeline.for_show``).
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from consumers.citypack import CityPack
from consumers.settings import Settings
from consumers.transport import TopicPartition, Transport, topic_specs
from consumers.transport.base import Headers, Producer, RebalanceListener, TopicSpec
from consumers.transport.memory import MemoryGroupConsumer, MemoryReader, MemoryTransport
from simulator.model import CitySimulator
from simulator.runner import SimulatorRunner
from simulator.scenarios import MAX_SPEED, MIN_SPEED, History, Scenario, ScenarioError, load_scenarios

log = logging.getLogger(__name__)

CATCH_UP_STEP_S = 120.0
"""A backlog is published in steps of this much event time, each after its own clock tick: what one 0.2-s pass
publishes at 600×, so the consumers see a jump as a very fast show (a camera, reporting every minute, is stale after
three minutes; one tick for hours of readings would make the whole city stale until they arrived)."""
MAX_LAG_RECORDS = 10_000
"""A step waits while the consumer has more than this many input records to read: the in-memory transport keeps
20,000 records a partition, and a backlog published faster than it is read would lose its oldest records."""
KEY_LEAD_WALL_S = 5.0
"""A jump to the key moment stops this many wall seconds (at the current speed) before it: the audience sees it
happen."""
WATCH_INTERVAL_S = 0.2


def check_speed(speed: float) -> float:
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be {MIN_SPEED:g}..{MAX_SPEED:g}, got {speed!r}")
    return float(speed)


class ShowClock:
    """Simulated time from ``start`` that a guide controls: pause, resume, speed, jump forward.

    Like ``consumers.clock.ScaledClock``, ``now()`` runs ``speed`` times faster than ``monotonic`` (injectable for
    tests). ``limit_s``: the clock stops there (the end of the show). Thread-safe.
    """

    def __init__(
        self,
        start: datetime,
        speed: float = 60.0,
        *,
        paused: bool = False,
        limit_s: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if not (isinstance(speed, int | float) and math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be positive, got {speed!r}")
        self._start = start
        self._speed = float(speed)
        self._paused = paused
        self._limit = limit_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._base_s = 0.0
        """Elapsed simulated seconds at ``_t0``."""
        self._t0 = monotonic()

    @property
    def start(self) -> datetime:
        return self._start

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def limit_s(self) -> float | None:
        return self._limit

    def _elapsed(self) -> float:
        elapsed = self._base_s if self._paused else self._base_s + (self._monotonic() - self._t0) * self._speed
        return elapsed if self._limit is None else min(elapsed, self._limit)

    def _rebase(self, elapsed: float) -> None:
        self._base_s = elapsed
        self._t0 = self._monotonic()

    def elapsed_s(self) -> float:
        with self._lock:
            return self._elapsed()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.elapsed_s())

    @property
    def ended(self) -> bool:
        """At its limit (never, without one)."""
        with self._lock:
            return self._limit is not None and self._elapsed() >= self._limit

    def lift_limit(self) -> None:
        """Run on past the limit (a show that does not loop plays on after its end, as the city would)."""
        with self._lock:
            self._rebase(self._elapsed())
            self._limit = None

    def pause(self) -> None:
        with self._lock:
            if not self._paused:
                self._rebase(self._elapsed())
                self._paused = True

    def resume(self) -> None:
        with self._lock:
            if self._paused:
                self._rebase(self._base_s)
                self._paused = False

    def set_speed(self, speed: float) -> None:
        """1..600; anything else is refused with ValueError."""
        speed = check_speed(speed)
        with self._lock:
            self._rebase(self._elapsed())
            self._speed = speed

    def jump_to(self, elapsed_s: float) -> None:
        """Move to ``elapsed_s`` after the start: forward only (a run's readings cannot be taken back), and not past
        the limit."""
        if not (isinstance(elapsed_s, int | float) and math.isfinite(elapsed_s)):
            raise ValueError(f"cannot jump to {elapsed_s!r}")
        with self._lock:
            now = self._elapsed()
            if elapsed_s < now:
                raise ValueError(f"cannot jump back to {elapsed_s:g} s: the clock is at {now:g} s (reset instead)")
            if self._limit is not None and elapsed_s > self._limit:
                raise ValueError(f"cannot jump to {elapsed_s:g} s: the show ends at {self._limit:g} s")
            self._rebase(float(elapsed_s))


class WarmSimulator(CitySimulator):
    """A ``CitySimulator`` that starts warm: the sensors of ``history``'s types report from ``start`` minus its hours
    (``history_start``), every other sensor from ``start``, as in a run without a history.

    The same models, seed and incidents (their times stay relative to ``start``: a step with a negative ``start_s``
    acts in the history); each history sensor's first report is its usual first one moved back by the history, so
    its series runs on through ``start`` without a seam. The sensors without a history give exactly the readings of
    a plain ``CitySimulator``."""

    def __init__(
        self,
        pack: CityPack,
        seed: int,
        start: datetime,
        scenario: str = "calm",
        rate: float = 1.0,
        history: History | None = None,
    ) -> None:
        super().__init__(pack, seed, start, scenario, rate)
        self.history = history
        self.history_start = start if history is None else start - timedelta(seconds=history.seconds)
        if history is not None:
            back = start - self.history_start
            types = set(history.types)
            models = self.models
            self._queue = [
                (when - back, key) if key in models and models[key].spec.type in types else (when, key)
                for when, key in self._queue
            ]
            heapq.heapify(self._queue)


class ShowRunner(SimulatorRunner):
    """The simulator's loop on a ``ShowClock`` over the in-memory transport: publishes up to the clock's "now" in
    steps of ``CATCH_UP_STEP_S``, each waiting while the consumer group is more than ``MAX_LAG_RECORDS`` behind;
    sends nothing while the clock stands still (paused), except a ``WarmSimulator``'s history, which it publishes
    first, the same way, from ``history_start`` up to the clock's start. Its clock ticks carry the clock's current
    speed."""

    clock: ShowClock

    def __init__(
        self, settings: Settings, transport: MemoryTransport, simulator: CitySimulator, clock: ShowClock
    ) -> None:
        super().__init__(settings, transport, simulator, clock)
        self.memory = transport
        self.history_start = simulator.history_start if isinstance(simulator, WarmSimulator) else simulator.start
        self.published_until = self.history_start
        """Every reading before this has been published (with a history, from ``history_start`` on)."""
        self.passes = 0
        """Passes of the loop so far (tests wait on it instead of sleeping)."""
        self._inputs = [TopicPartition(t, p) for t in settings.topics.inputs for p in range(settings.partitions)]

    def lag(self) -> int:
        """Input records the consumer group has not committed yet."""
        broker = self.memory.broker
        committed = broker.committed(self.settings.consumer_group)
        ends = broker.end_offsets(self._inputs)
        return sum(max(0, end - committed.get(tp, 0)) for tp, end in ends.items())

    def publish_until(self, producer: Producer, end: datetime) -> int:
        if self.clock.speed != self.settings.sim_speed:  # the tick says how fast the show now runs
            self.settings = replace(self.settings, sim_speed=self.clock.speed)
        return super().publish_until(producer, end)

    def behind(self) -> bool:
        """True while readings up to the clock's "now" are still to be published."""
        return self.published_until < self.clock.now()

    def run(self, stop: threading.Event, tick_s: float = 0.2) -> None:
        self.transport.ensure_topics(topic_specs(self.settings))
        producer = self.transport.producer()
        log.info("show simulator started at %s, speed %gx", self.simulator.start.isoformat(), self.clock.speed)
        try:
            while not stop.is_set():
                started = time.monotonic()
                target = self.clock.now()
                while self.published_until < target and not stop.is_set():
                    if self.lag() > MAX_LAG_RECORDS:
                        stop.wait(0.02)
                        continue
                    end = min(target, self.published_until + timedelta(seconds=CATCH_UP_STEP_S))
                    self.publish_until(producer, end)
                    self.published_until = end
                self.passes += 1
                stop.wait(max(0.0, tick_s - (time.monotonic() - started)))
        finally:
            producer.close()


class Pipeline(Protocol):
    """The threads of one run besides the simulator's (consumer, flood service); ``stop`` joins them all."""

    def stop(self) -> None: ...


PipelineFactory = Callable[[Settings, CityPack, MemoryTransport, ShowRunner], Pipeline]
"""Starts a run's threads (the simulator ``ShowRunner`` among them) on its fresh transport."""


class ShowTransport:
    """The ``Transport`` the web app holds: always the current run's in-memory transport. Producers look the run
    up at every send, so an operator's action goes to the run on screen; readers belong to the run they were made
    in (``dashboard.state_view.StateView.rebind`` makes new ones after a reset)."""

    def __init__(self, transport: MemoryTransport) -> None:
        self.current = transport

    def ensure_topics(self, specs: Iterable[TopicSpec]) -> None:
        self.current.ensure_topics(specs)

    def partition_count(self, topic: str) -> int:
        return self.current.partition_count(topic)

    def producer(self) -> Producer:
        return _FollowingProducer(self)

    def group_consumer(
        self, topics: Sequence[str], group_id: str, listener: RebalanceListener, client_id: str
    ) -> MemoryGroupConsumer:
        return self.current.group_consumer(topics, group_id, listener, client_id)

    def reader(self, partitions: Iterable[TopicPartition]) -> MemoryReader:
        return self.current.reader(partitions)

    def close(self) -> None:
        return None


class _FollowingProducer:
    """Sends to whichever run is current at the moment of the send."""

    def __init__(self, transport: ShowTransport) -> None:
        self._transport = transport

    def send(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None = None,
        partition: int | None = None,
        headers: Headers = (),
        best_effort: bool = False,
    ) -> None:
        # the current run's own producer (an in-memory one costs nothing to make): what a send means stays its
        self._transport.current.producer().send(topic, value, key, partition, headers, best_effort)

    def flush(self, timeout_s: float = 30.0) -> None:
        return None

    def close(self, timeout_s: float = 10.0) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ShowStatus:
    """What the show is doing, for the guide's page. ``state``: "playing" or "paused" (what the guide asked for:
    a show holding its clock while the consumer catches up after a jump is "playing" with ``catching_up``)."""

    scenario: str
    state: str
    speed: float
    elapsed_s: float
    length_s: float
    key_moment_s: float
    loop: bool
    started_at: datetime
    run: int
    now: datetime
    catching_up: bool
    last_catch_up_s: float | None
    """Wall seconds the last jump (or a warm start's history, and a jump made during it) took until the consumer had
    read everything up to it."""


@dataclass
class _Run:
    number: int
    scenario: Scenario
    clock: ShowClock
    transport: MemoryTransport
    runner: ShowRunner
    pipeline: Pipeline


class ShowDirector:
    """Plays the scenario files of a city pack on the embedded pipeline, one run at a time. Every method is
    thread-safe; ``reset`` and a jump past the key moment take about a second (a run is torn down and built)."""

    def __init__(
        self,
        settings: Settings,
        pack: CityPack,
        pipelines: PipelineFactory,
        *,
        scenarios: Mapping[str, Scenario] | None = None,
        scenario: str | None = None,
        speed: float | None = None,
        loop: bool = False,
        today: Callable[[], date] | None = None,
    ) -> None:
        """``scenario``: the first to play (default ``settings.sim_scenario``); ``speed``: its speed (default the
        scenario's; any positive speed, so that ``CITYOPS_SIM_SPEED`` outside 1..600 still starts);
        ``today``: the local date a run starts on (default today in the pack's time zone)."""
        self.settings = settings
        self.pack = pack
        self._pipelines = pipelines
        self._scenarios = dict(scenarios) if scenarios is not None else load_scenarios(pack.root, pack)
        if not self._scenarios:
            raise ScenarioError(pack.root / "scenarios", "(folder)", "no scenario files")
        first = scenario or settings.sim_scenario
        self._check_id(first)
        self._first = first
        self._first_speed = speed
        self._loop = loop
        self._tz = ZoneInfo(pack.timezone)
        self._today = today or (lambda: datetime.now(self._tz).date())
        self._lock = threading.RLock()
        self._run: _Run | None = None
        self._playing = True
        self._catch_up_started: float | None = None
        self._last_catch_up_s: float | None = None
        self._listeners: list[Callable[[Transport], None]] = []
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self.transport = ShowTransport(MemoryTransport())
        """What the web app reads and writes through (``ShowTransport``): follows every new run."""

    def _check_id(self, scenario_id: str) -> None:
        if scenario_id not in self._scenarios:
            known = ", ".join(self._scenarios)
            raise ScenarioError(self.pack.root / "scenarios", "scenario", f"no scenario {scenario_id!r}: use {known}")

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> ShowDirector:
        with self._lock:
            if self._run is None:
                self._new_run(self._first, self._first_speed)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="show-director", daemon=True)
                self._watcher.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        with self._lock:
            if self._run is not None:
                self._run.pipeline.stop()

    def on_new_run(self, callback: Callable[[Transport], None]) -> None:
        """Call ``callback(self.transport)`` after every new run is started (a state view's ``rebind``)."""
        with self._lock:
            self._listeners.append(callback)

    @property
    def current_transport(self) -> MemoryTransport:
        """The running run's own transport (what ``self.transport`` forwards to)."""
        with self._lock:
            assert self._run is not None, "start the director first"
            return self._run.transport

    @property
    def runner(self) -> ShowRunner:
        with self._lock:
            assert self._run is not None, "start the director first"
            return self._run.runner

    def _new_run(self, scenario_id: str, speed: float | None) -> None:
        """Tear the running run down (threads joined) and start a fresh one; the caller holds the lock."""
        scenario = self._scenarios[scenario_id]
        old = self._run
        if old is not None:
            old.pipeline.stop()
        day = self._today()
        start = scenario.start_at(day)
        warm = scenario.history is not None
        # A warm start holds its clock at the start until the consumer has read the history (``tick``).
        paused = warm or not self._playing
        clock = ShowClock(start, speed or scenario.speed, paused=paused, limit_s=scenario.length_s)
        transport = MemoryTransport()
        transport.ensure_topics(topic_specs(self.settings))
        settings = replace(self.settings, sim_speed=clock.speed, sim_scenario=scenario.id, sim_seed=scenario.seed)
        simulator = WarmSimulator(self.pack, scenario.seed, start, scenario.id, settings.sim_rate, scenario.history)
        runner = ShowRunner(settings, transport, simulator, clock)
        self._catch_up_started = time.monotonic() if warm else None
        pipeline = self._pipelines(settings, self.pack, transport, runner)
        self._run = _Run((old.number + 1) if old else 1, scenario, clock, transport, runner, pipeline)
        self.transport.current = transport
        log.info("show run %d: %s from %s at %gx", self._run.number, scenario.id, start.isoformat(), clock.speed)
        for callback in self._listeners:
            try:
                callback(self.transport)
            except Exception:
                log.exception("a show listener failed on the new run")

    # -- the guide's controls -----------------------------------------------------------------------------------

    def scenarios(self) -> list[Scenario]:
        """Every scenario, in show order."""
        return list(self._scenarios.values())

    def scenario(self) -> Scenario:
        with self._lock:
            assert self._run is not None, "start the director first"
            return self._run.scenario

    def status(self) -> ShowStatus:
        with self._lock:
            run = self._run
            assert run is not None, "start the director first"
            elapsed = run.clock.elapsed_s()
            return ShowStatus(
                scenario=run.scenario.id,
                state="playing" if self._playing else "paused",
                speed=run.clock.speed,
                elapsed_s=elapsed,
                length_s=run.scenario.length_s,
                key_moment_s=run.scenario.key_moment_s,
                loop=self._loop,
                started_at=run.clock.start,
                run=run.number,
                now=run.clock.start + timedelta(seconds=elapsed),
                catching_up=self._catch_up_started is not None,
                last_catch_up_s=self._last_catch_up_s,
            )

    def play(self) -> None:
        """Play on; at the end of a show that does not loop, play it again from its start."""
        with self._lock:
            run = self._run
            assert run is not None, "start the director first"
            self._playing = True
            if run.clock.ended:
                self._new_run(run.scenario.id, run.clock.speed)
            elif self._catch_up_started is None:
                run.clock.resume()

    def pause(self) -> None:
        with self._lock:
            assert self._run is not None, "start the director first"
            self._playing = False
            self._run.clock.pause()

    def set_speed(self, speed: float) -> None:
        """1..600 (ValueError otherwise)."""
        check_speed(speed)
        with self._lock:
            assert self._run is not None, "start the director first"
            self._run.clock.set_speed(speed)

    def reset(self, scenario_id: str | None = None) -> None:
        """A new run of ``scenario_id`` (default: the one playing) from its start, at its default speed; playing
        or paused as before. Unknown ids raise ``ScenarioError``."""
        with self._lock:
            assert self._run is not None, "start the director first"
            scenario_id = scenario_id or self._run.scenario.id
            self._check_id(scenario_id)
            self._new_run(scenario_id, None)

    def jump_to_key_moment(self) -> None:
        """Move to ``KEY_LEAD_WALL_S`` wall seconds before the key moment (a reset first when already past it).

        The simulator then publishes the backlog as a very fast show (``ShowRunner``); the clock holds until the
        consumer has caught up with it (``status().catching_up``), then plays on if the guide had it playing. A
        scenario with a history publishes its history first (a warm start), then the backlog."""
        with self._lock:
            run = self._run
            assert run is not None, "start the director first"
            key = run.scenario.key_moment_s
            if run.clock.elapsed_s() >= key:
                self._new_run(run.scenario.id, run.clock.speed)
                run = self._run
                assert run is not None
            target = max(0.0, key - KEY_LEAD_WALL_S * run.clock.speed)
            if run.clock.elapsed_s() >= target:
                return
            run.clock.pause()  # held until the consumer has caught up (``_watch``)
            run.clock.jump_to(target)
            if self._catch_up_started is None:  # else it goes on catching up (a warm start's history) from then
                self._catch_up_started = time.monotonic()

    def set_loop(self, on: bool) -> None:
        """At the end of the show, start it again (on) or stop there (off)."""
        with self._lock:
            self._loop = bool(on)

    # -- the watcher --------------------------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_INTERVAL_S):
            try:
                self.tick()
            except Exception:
                log.exception("show director")

    def tick(self) -> None:
        """Loop at the end of the show, or play on past it, and end a catch-up: done every ``WATCH_INTERVAL_S`` by
        the watcher thread."""
        with self._lock:
            run = self._run
            if run is None:
                return
            if self._catch_up_started is not None:
                if not run.runner.behind() and run.runner.lag() == 0:
                    self._last_catch_up_s = time.monotonic() - self._catch_up_started
                    self._catch_up_started = None
                    log.info("show caught up with its jump in %.1f s", self._last_catch_up_s)
                    if self._playing:
                        run.clock.resume()
                return
            if self._playing and run.clock.elapsed_s() >= run.scenario.length_s:
                if self._loop:
                    self._new_run(run.scenario.id, run.clock.speed)
                elif run.clock.limit_s is not None:
                    # not looping: the city plays on after the show's end (its incidents are over), as the embedded
                    # default did before there were shows; a stand that should restart turns the loop on
                    run.clock.lift_limit()
