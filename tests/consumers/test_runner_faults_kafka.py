"""Fault injection on a real broker of the test's own: consumers killed, a broker restarted and gone for a while.

Every scenario produces one known, deterministic set of valid readings (all sensors of the Guiyang pack, all
districts, event times in the minutes up to now) while the fault happens, computes the state those records must
give by feeding the same records through a pure ``Processor``, and then waits until the ``city.state`` read
model, read back from Kafka, says exactly that for every sensor: nothing lost, nothing counted twice, no valid
record dead-lettered. The seconds from the fault until records produced after it show up in the state on every
partition are printed and recorded as the test's ``recovery_s`` property.

The broker is started by ``kafka/broker.sh`` on free ports and a state directory of its own (never the shared test
broker), because these tests stop and restart it. A restart keeps the storage: the JVM is stopped with SIGTERM
and the same command line is launched again.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka.admin import KafkaAdminClient
from kafka.consumer import KafkaConsumer
from kafka.producer import KafkaProducer
from kafka.structs import TopicPartition as KafkaTP
from selenium import webdriver

from consumers.citypack import CityPack, SensorSpec, landmarks_only
from consumers.clock import SystemClock
from consumers.contract import Reading
from consumers.processor import Accepted, Processor, ProcessorConfig
from consumers.settings import Settings, Topics
from consumers.transport import topic_specs
from consumers.transport.base import Message
from consumers.transport.kafka import KafkaTransport
from consumers.transport.memory import default_partition
from dashboard.api import health_document
from dashboard.state_view import StateView
from tests.dashboard.pages.test_map_browser import freshness
from tests.web_server import free_port, start_dashboard

pytestmark = pytest.mark.kafka
log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent.parent
PARTITIONS = Settings().partitions
ROUNDS = 8
"""Readings per sensor: 185 sensors (``landmarks_only``) x 8 = 1,480 records per scenario."""
ROUND_STEP_S = 45
STREAM_S = 6.0
"""The records are spread over this many seconds of wall time; the fault is injected at ``FAULT_AT`` of them."""
FAULT_AT = 0.4
OUTAGE_S = 75.0
"""Longer than the ~60 s after which a consumer that gives up on an unreachable broker would exit."""
CLIENT_BACKOFF = {"reconnect_backoff_max_ms": 1000}
"""The test's own clients reconnect within a second (kafka-python 3 backs off up to 30 s by default), so that the
recovery measured is the consumer's, not the reader's."""


def _unavailable(what: str) -> None:
    if os.environ.get("CITYOPS_REQUIRE_ALL_TESTS") == "1":
        pytest.fail(f"{what} is required by make test but is not available")
    pytest.skip(f"{what} not available")


# -- the broker of this module ----------------------------------------------------------------------------


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie that nobody has reaped yet counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


@dataclass
class Broker:
    """A single-node broker started by ``kafka/broker.sh`` that a test may stop and start on the same storage."""

    port: int
    controller_port: int
    state_dir: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_STATE_DIR": str(self.state_dir),
            "PYTHON": sys.executable,
        }

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "broker.pid"

    def script(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(REPO / "kafka" / "broker.sh"), command],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )

    def stop_jvm(self) -> tuple[list[str], str]:
        """SIGTERM the JVM and wait for it to exit; returns its command line and working directory."""
        pid = int(self.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        cwd = os.readlink(f"/proc/{pid}/cwd")
        assert any(arg == b"kafka.Kafka" for arg in cmdline), f"pid {pid} is not our broker: {cmdline!r}"
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while not _gone(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
            time.sleep(0.1)
        return [a.decode() for a in cmdline], cwd

    def launch(self, cmdline: list[str], cwd: str) -> None:
        """Start the same JVM again, detached like ``broker.sh`` does (own session, output appended to its log)."""
        out = subprocess.run(
            [
                "bash",
                "-c",
                'cd "$0" && { setsid nohup "$@" >>"$BROKER_LOG" 2>&1 </dev/null & echo $!; }',
                cwd,
                *cmdline,
            ],
            env={**os.environ, "BROKER_LOG": str(self.state_dir / "broker.log")},
            capture_output=True,
            text=True,
            check=True,
        )
        self.pid_file.write_text(out.stdout.strip() + "\n")  # so that `broker.sh stop` stops this JVM

    def wait_ready(self, timeout_s: float = 90) -> None:
        """Like ``wait_ready`` in broker.sh: the broker answers a metadata request."""
        pid = int(self.pid_file.read_text().strip())
        deadline = time.monotonic() + timeout_s
        last = "no attempt"
        while time.monotonic() < deadline:
            assert not _gone(pid), f"the broker exited; log tail:\n{self.log_tail()}"
            try:
                admin = KafkaAdminClient(
                    bootstrap_servers=self.bootstrap,
                    client_id="faults-probe",
                    request_timeout_ms=5000,
                    bootstrap_timeout_ms=3000,
                )
                try:
                    admin.list_topics()
                finally:
                    admin.close()
                return
            except Exception as exc:  # noqa: BLE001 - not up yet
                last = f"{type(exc).__name__}: {exc}"
                time.sleep(0.5)
        raise AssertionError(f"broker not ready after {timeout_s:g} s ({last}); log tail:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join((self.state_dir / "broker.log").read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no broker log)"


@pytest.fixture(scope="session")
def fault_broker() -> Iterator[Broker]:
    """This module's own broker, on ports free at run time, stopped (and its storage removed) at the end."""
    if shutil.which("java") is None:
        _unavailable("java (for the fault-injection broker)")
    if not list((REPO / "kafka" / "lib").glob("kafka_2.13-*.jar")) and shutil.which("mvn") is None:
        _unavailable("the Kafka jars (kafka/lib) or maven to fetch them")
    port = free_port()
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()
    broker = Broker(port, controller_port, REPO / ".kafka" / f"faults-{port}")
    started = broker.script("start")
    if started.returncode != 0:
        broker.script("stop")
        pytest.fail(f"kafka/broker.sh start failed (rc {started.returncode}):\n{started.stderr[-3000:]}")
    try:
        yield broker
    finally:
        broker.script("stop")
        shutil.rmtree(broker.state_dir, ignore_errors=True)


# -- the records and the state they must give --------------------------------------------------------------


def _values(spec: SensorSpec, rng: random.Random) -> dict[str, float | str]:
    """Plausible readings with some spread (and the odd warning), all inside the contract's ranges."""
    t = spec.type
    if t == "river.gauge":
        normal = spec.params["normal"]
        return {
            "stage_m": round(float(normal["stage_m"]) * rng.uniform(0.7, 2.4), 3),
            "discharge_m3s": round(float(normal["discharge_m3s"]) * rng.uniform(0.6, 3.0), 2),
            "rain_mm_h": round(rng.uniform(0.0, 12.0), 1),
        }
    if t == "fire.camera":
        return {"smoke_confidence": round(rng.uniform(0.0, 0.7), 3)}
    if t == "fire.smoke_detector":
        return {"obscuration_pct_per_m": round(rng.uniform(0.0, 2.0), 3)}
    if t == "fire.heat_detector":
        return {"temperature_c": round(rng.uniform(18.0, 50.0), 1)}
    if t in ("fire.sprinkler", "fire.hydrant"):
        return {"pressure_mpa": round(rng.uniform(0.04, 0.5), 3)}
    if t == "fire.extinguisher":
        return {"status": rng.choices(["ok", "low_pressure", "missing", "expired"], [20, 1, 1, 1])[0]}
    if t == "fire.alarm_panel":
        return {"status": rng.choices(["normal", "alarm", "fault", "disabled"], [30, 1, 1, 1])[0]}
    if t == "fire.fire_door":
        return {"status": rng.choices(["closed", "open", "fault"], [20, 2, 1])[0]}
    if t == "grid.line":
        return {
            "conductor_temp_c": round(rng.uniform(20.0, 80.0), 1),
            "current_a": round(rng.uniform(100.0, 2500.0), 0),
            "ambient_temp_c": round(rng.uniform(10.0, 30.0), 1),
            "wind_m_s": round(rng.uniform(0.0, 8.0), 1),
        }
    raise AssertionError(f"no test values for {t}")


@dataclass(frozen=True, slots=True)
class Record:
    """One input record as produced: its topic, key, partition (murmur2, as the producer picks it) and bytes."""

    topic: str
    key: bytes
    partition: int
    value: bytes
    sensor_id: str
    event_epoch: float


def readings(pack: CityPack, topics: Topics, seed: int = 20261201) -> list[Record]:
    """``ROUNDS`` readings of every sensor, in production order; event times up to now (UTC), never ahead of it.

    Per sensor the event times grow ``ROUND_STEP_S`` per round; the last round is within 30 s before now, so no
    sensor goes stale (which would change a gauge's score) during a test.
    """
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    specs = sorted(pack.sensors.values(), key=lambda s: s.id)
    out = []
    for r in range(ROUNDS):
        for i, spec in enumerate(specs):
            at = now - timedelta(seconds=ROUND_STEP_S * (ROUNDS - 1 - r) + i % 30)
            value = Reading(spec.type, spec.id, spec.district, at, _values(spec, rng)).encode()
            key = spec.district.encode()
            topic = topics.for_domain(spec.type.split(".", 1)[0])
            out.append(Record(topic, key, default_partition(key, PARTITIONS), value, spec.id, at.timestamp()))
    return out


PURE_FIELDS = ("event_time", "values", "score")


def pure_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a sensor's state that are a function of its records alone (no wall clock, no process)."""
    out = {name: doc.get(name) for name in PURE_FIELDS}
    out["stats"] = {m: {k: s.get(k) for k in ("min", "max", "n")} for m, s in (doc.get("stats") or {}).items()}
    return out


def reference_state(pack: CityPack, records: list[Record]) -> dict[str, dict[str, Any]]:
    """What the state must say: the same records through a pure processor that owns every partition."""
    processor = Processor(pack, ProcessorConfig(partitions=PARTITIONS), SystemClock())
    processor.assign(range(PARTITIONS))
    offsets: dict[tuple[str, int], int] = {}
    for rec in records:
        offset = offsets.get((rec.topic, rec.partition), 0)
        offsets[(rec.topic, rec.partition)] = offset + 1
        outcome = processor.process(Message(rec.topic, rec.partition, offset, rec.key, rec.value))
        assert isinstance(outcome, Accepted), f"the reference refused a test record: {outcome}"
    assert set(processor.sensors) == set(pack.sensors)
    # As a flush publishes it (a power line is rated at the flush), and through JSON, as the state topic carries it.
    published = {key.decode(): value for key, value in processor.drain().state if value is not None}
    return {sid: pure_view(json.loads(published[f"sensor:{sid}"])) for sid in processor.sensors}


def differences(reference: Mapping[str, Mapping[str, Any]], state: Mapping[str, Mapping[str, Any]]) -> list[str]:
    out = []
    for sensor_id, want in sorted(reference.items()):
        doc = state.get(f"sensor:{sensor_id}")
        if doc is None:
            out.append(f"{sensor_id}: no state")
            continue
        got = pure_view(doc)
        if got != want:
            out.append(f"{sensor_id}: {got} != expected {want}")
    return out


# -- producing, reading back -----------------------------------------------------------------------------


@dataclass
class Feeder:
    """Produces the records from a thread, spread over ``STREAM_S``, with a plain kafka-python producer (any
    gateway would do). Buffers through a broker outage (delivery timeout 5 min) and checks every delivery."""

    bootstrap: str
    records: list[Record]
    sent_at: list[float] = field(default_factory=list)
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    futures: list[Any] = field(default_factory=list)
    running: threading.Event = field(default_factory=threading.Event)
    """Cleared by ``pause``: the records due meanwhile are sent in a burst after ``resume``."""

    def start(self) -> Feeder:
        self.running.set()
        threading.Thread(target=self._run, name="feeder", daemon=True).start()
        return self

    def _run(self) -> None:
        producer = KafkaProducer(
            bootstrap_servers=self.bootstrap, client_id="faults-feeder", delivery_timeout_ms=300_000, **CLIENT_BACKOFF
        )
        try:
            futures = self.futures
            t0 = time.monotonic()
            for i, rec in enumerate(self.records):
                delay = t0 + STREAM_S * i / len(self.records) - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.running.wait()
                futures.append(producer.send(rec.topic, key=rec.key, value=rec.value))
                self.sent_at.append(time.monotonic())
            producer.flush(timeout=280)
            for rec, future in zip(self.records, futures, strict=True):
                metadata = future.get(timeout=0)
                assert metadata.partition == rec.partition, f"{rec.sensor_id} went to partition {metadata.partition}"
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            producer.close(timeout=10)
            self.done.set()

    def wait_sent(self, fraction: float, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.sent_at) < fraction * len(self.records):
            assert self.error is None, f"the test's producer failed: {self.error!r}"
            assert time.monotonic() < deadline, "the test's producer stalled"
            time.sleep(0.02)

    def undelivered(self) -> dict[str, int]:
        """Records sent but not yet acknowledged by the broker, per ``topic/partition`` (a failure message says
        whether the test's own producer is the one stuck)."""
        out: dict[str, int] = {}
        for rec, future in zip(self.records, list(self.futures), strict=False):
            if not future.is_done:
                key = f"{rec.topic}/{rec.partition}"
                out[key] = out.get(key, 0) + 1
        return out

    def pause(self) -> None:
        self.running.clear()
        time.sleep(0.05)  # a send under way when we paused is done (and stamped) by now

    def resume(self) -> None:
        self.running.set()

    def check(self) -> None:
        assert self.error is None, f"the test's producer did not deliver every record: {self.error!r}"

    def first_after(self, t: float) -> dict[int, Record]:
        """Per partition, the first record sent after monotonic time ``t`` (the probe of recovery)."""
        probes: dict[int, Record] = {}
        for sent, rec in zip(list(self.sent_at), self.records, strict=False):
            if sent > t and rec.partition not in probes:
                probes[rec.partition] = rec
        return probes


class StateTail:
    """The latest record per key of the state topic, tailed from its beginning by a plain reader in a thread.

    If the reader fails (a broker restart), it starts again from the beginning; readers take ``latest()``."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._latest: dict[str, dict[str, Any]] = {}
        self.read_at: float | None = None
        """Monotonic time of the last batch read (a failure message says whether the reader itself stalled)."""
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="state-tail", daemon=True)
        self._thread.start()

    def latest(self) -> dict[str, dict[str, Any]]:
        return self._latest

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            consumer = None
            try:
                consumer = KafkaConsumer(
                    bootstrap_servers=self._bootstrap,
                    client_id="faults-state-tail",
                    group_id=None,
                    enable_auto_commit=False,
                    auto_offset_reset="earliest",
                    **CLIENT_BACKOFF,
                )
                tps = [KafkaTP(self._topic, p) for p in range(PARTITIONS)]
                consumer.assign(tps)
                consumer.seek_to_beginning(*tps)
                latest: dict[str, dict[str, Any]] = {}
                while not self._stop.is_set():
                    batches = consumer.poll(timeout_ms=200, max_records=5000)
                    if not batches:
                        continue
                    latest = dict(latest)
                    for batch in batches.values():
                        for r in batch:
                            key = (r.key or b"").decode()
                            if r.value is None:
                                latest.pop(key, None)
                            else:
                                latest[key] = json.loads(r.value)
                    self._latest = latest
                    self.read_at = time.monotonic()
            except Exception:
                log.info("state tail failed; starting over", exc_info=True)
                self.restarts += 1
                self._stop.wait(0.5)
            finally:
                if consumer is not None:
                    consumer.close()


def deadlettered(bootstrap: str, topic: str) -> int:
    """How many records the dead-letter topic holds (end offsets; nothing ever deletes from it in a test)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="faults-dlq", group_id=None, **CLIENT_BACKOFF)
    try:
        return sum(consumer.end_offsets([KafkaTP(topic, p) for p in range(PARTITIONS)]).values())
    finally:
        consumer.close()


def delete_topics(bootstrap: str, names: list[str]) -> None:
    """Drop a finished scenario's topics: a broker with fewer partitions restarts faster (it loads every log)."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="faults-cleanup", **CLIENT_BACKOFF)
        try:
            admin.delete_topics(names, timeout_ms=30_000)
        finally:
            admin.close()
    except Exception:  # only housekeeping: the next scenario has topics of its own
        log.warning("could not delete topics %s", names, exc_info=True)


def statuses(state: Mapping[str, Mapping[str, Any]], client_id: str) -> list[Mapping[str, Any]]:
    """Status documents of the consumer processes started with ``client_id`` (ids get host and pid appended)."""
    return [d for k, d in state.items() if k.startswith(f"consumer:{client_id}-")]


def owns_everything(state: Mapping[str, Mapping[str, Any]], client_id: str) -> bool:
    return any(
        d.get("phase") == "running" and d.get("partitions") == list(range(PARTITIONS))
        for d in statuses(state, client_id)
    )


def until(condition: Callable[[], bool], timeout_s: float, what: Callable[[], str]) -> float:
    """Wait for ``condition``; returns the monotonic time at which it held, or fails saying ``what`` is missing."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s: {what()}")
        time.sleep(0.1)


# -- one scenario's world -----------------------------------------------------------------------------------


@dataclass
class Scenario:
    """Topics, group, consumer processes, records and state reader of one test."""

    broker: Broker
    pack: CityPack
    settings: Settings
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    reference: dict[str, dict[str, Any]] = field(default_factory=dict)
    tail: StateTail | None = None
    feeder: Feeder | None = None
    notes: str = ""
    """What a failure message should add (how long the broker was away)."""

    def consumer(self, client_id: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
            "CITYOPS_TOPIC_PREFIX": self.settings.topics.prefix,
            "CITYOPS_CONSUMER_GROUP": self.settings.consumer_group,
            "CITYOPS_CLIENT_ID": client_id,
            "CITYOPS_FLUSH_INTERVAL_S": "0.2",
        }
        out = open(self.log_dir / f"{client_id}.log", "wb")  # noqa: SIM115 - the process owns it until it exits
        process = subprocess.Popen([sys.executable, "-m", "consumers"], cwd=REPO, env=env, stdout=out, stderr=out)
        out.close()
        self.processes[client_id] = process
        return process

    def stream_to(self, client_id: str) -> tuple[subprocess.Popen[bytes], Feeder]:
        """Start consumer ``client_id``, wait until it owns every partition, and feed the records; returns once the
        fault point of the stream is reached and some state is published, with the feeder still running."""
        process = self.consumer(client_id)
        self.wait_owner(client_id)
        feeder = self.feeder = Feeder(self.broker.bootstrap, self.records).start()
        feeder.wait_sent(FAULT_AT)
        until(lambda: any(k.startswith("sensor:") for k in self.state), 30, self.describe)
        return process, feeder

    def log_tail(self, client_id: str, lines: int = 15) -> str:
        """The exceptions a consumer's log reports (tracebacks' last lines, first seen first), then its last lines."""
        text = (self.log_dir / f"{client_id}.log").read_text(errors="replace").splitlines()
        raised = list(dict.fromkeys(line for line in text if EXCEPTION_LINE.match(line)))
        return "exceptions: " + ("; ".join(raised) or "none") + "\nlast lines:\n" + "\n".join(text[-lines:])

    @property
    def state(self) -> dict[str, dict[str, Any]]:
        assert self.tail is not None
        return self.tail.latest()

    def wait_owner(self, client_id: str, timeout_s: float = 60) -> None:
        until(lambda: owns_everything(self.state, client_id), timeout_s, lambda: self.describe())

    def describe(self) -> str:
        """What a timed-out wait reports: enough to tell which side stalled (the consumer's fetch or publishing,
        the test's producer, or the test's state reader)."""
        state = self.state
        consumers = {k: consumer_progress(d) for k, d in state.items() if k.startswith("consumer:")}
        alive = {c: p.poll() for c, p in self.processes.items()}
        diff = differences(self.reference, state) if self.reference else []
        assert self.tail is not None
        read_ago = "never" if self.tail.read_at is None else f"{time.monotonic() - self.tail.read_at:.1f} s ago"
        undelivered = "no feeder" if self.feeder is None else self.feeder.undelivered() or "none"
        return (
            f"{len(diff)} sensors differ from the reference (first: {diff[:3]}); consumers {consumers}; "
            f"process exit codes {alive}; the test's producer: undelivered {undelivered}; the test's state reader: "
            f"last read {read_ago}, restarted {self.tail.restarts} times{self.notes}"
        )

    def wait_recovered(self, feeder: Feeder, fault_at: float, timeout_s: float, keep_running: str) -> float:
        """Wait until the state is the reference; returns the seconds from ``fault_at`` until, on every partition,
        the state showed a record sent after the fault. Fails at once if the consumer ``keep_running`` exits."""
        recovered_at: float | None = None
        process = self.processes[keep_running]

        def done() -> bool:
            nonlocal recovered_at
            self.assert_running(keep_running)
            state = self.state
            if recovered_at is None:
                probes = feeder.first_after(fault_at)
                if len(probes) == PARTITIONS and all(
                    _epoch((state.get(f"sensor:{r.sensor_id}") or {}).get("event_time")) >= r.event_epoch
                    for r in probes.values()
                ):
                    recovered_at = time.monotonic()
            return feeder.done.is_set() and recovered_at is not None and not differences(self.reference, state)

        until(done, timeout_s, self.describe)
        feeder.check()
        assert recovered_at is not None and process.poll() is None
        return recovered_at - fault_at

    def assert_running(self, client_id: str) -> None:
        rc = self.processes[client_id].poll()
        assert rc is None, (
            f"the consumer {client_id} exited with rc {rc}{self.notes}; its log ends:\n{self.log_tail(client_id)}"
        )

    def check_final(self) -> None:
        """The state is the reference (checked by the wait), every sensor is there, no valid record was refused."""
        state = self.state
        assert not differences(self.reference, state)
        assert {k.removeprefix("sensor:") for k in state if k.startswith("sensor:")} == set(self.pack.sensors)
        assert deadlettered(self.broker.bootstrap, self.settings.topics.deadletter) == 0
        live = [d for c, p in self.processes.items() if p.poll() is None for d in statuses(state, c)]
        assert live and all(d.get("deadlettered_total") == 0 for d in live), live


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b.*")


def consumer_progress(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a consumer's status document that say whether it is moving: phase, partitions, what it
    consumed, where it lags, and how old the document is."""
    updated = _epoch(doc.get("updated_at"))
    return {
        "phase": doc.get("phase"),
        "partitions": doc.get("partitions"),
        "consumed": doc.get("consumed"),
        "lagging": {tp: n for tp, n in (doc.get("lag") or {}).items() if n},
        "outages": doc.get("outages"),
        "status_age_s": round(time.time() - updated, 1),
    }


def _epoch(iso: Any) -> float:
    return datetime.fromisoformat(iso).timestamp() if isinstance(iso, str) else float("-inf")


@pytest.fixture
def scenario(
    fault_broker: Broker, pack: CityPack, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Scenario]:
    tag = f"{request.node.name.removeprefix('test_')[:24]}-{os.urandom(3).hex()}"
    settings = replace(
        Settings(), kafka_bootstrap_servers=fault_broker.bootstrap, topics=Topics(f"f{tag}"), consumer_group=f"g{tag}"
    )
    KafkaTransport(fault_broker.bootstrap, client_id="faults").ensure_topics(topic_specs(settings))
    played = landmarks_only(pack)  # every sensor but the generated buildings': 1,480 records, not 19,568
    s = Scenario(fault_broker, played, settings, tmp_path)
    s.records = readings(played, settings.topics)
    s.reference = reference_state(played, s.records)
    s.tail = StateTail(fault_broker.bootstrap, settings.topics.state)
    try:
        yield s
    finally:
        for process in s.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in s.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        s.tail.stop()
        delete_topics(fault_broker.bootstrap, [spec.name for spec in topic_specs(settings)])


def report(
    record_property: Callable[[str, object], None], capsys: pytest.CaptureFixture[str], line: str, **values: float
) -> None:
    for name, value in values.items():
        record_property(name, round(value, 2))
    with capsys.disabled():
        print(f"\n[recovery] {line}")


# -- the scenarios -------------------------------------------------------------------------------------------
# The two broker scenarios come first: a broker restarts faster the fewer partitions it has to load, and the topics
# of a finished scenario are deleted but stay on disk for a minute.


def test_a_broker_restart_mid_stream_leaves_the_running_consumer_with_the_exact_state(
    scenario: Scenario, record_property: Callable[[str, object], None], capsys: pytest.CaptureFixture[str]
) -> None:
    _, feeder = scenario.stream_to("steady")
    # The records go on being produced while the broker is down; the pause only makes sure that the first ones
    # sent after the fault cannot have reached the broker before it went.
    feeder.pause()
    stopped_at = time.monotonic()
    cmdline, cwd = scenario.broker.stop_jvm()
    gone_at = time.monotonic()
    feeder.resume()
    scenario.broker.launch(cmdline, cwd)
    scenario.broker.wait_ready()
    back_at = time.monotonic()
    scenario.notes = (
        f" (the broker took {gone_at - stopped_at:.1f} s to stop and {back_at - gone_at:.1f} s to answer again)"
    )

    recovery = scenario.wait_recovered(feeder, gone_at, timeout_s=120, keep_running="steady")
    scenario.assert_running("steady")
    scenario.check_final()
    report(
        record_property,
        capsys,
        f"broker restart on the same storage: stopping took {gone_at - stopped_at:.1f} s, starting "
        f"{back_at - gone_at:.1f} s; the state flowed again {gone_at + recovery - back_at:.1f} s after the broker "
        f"answered ({recovery:.1f} s after it was gone)",
        recovery_s=recovery,
        recovery_after_broker_back_s=gone_at + recovery - back_at,
        broker_stop_s=gone_at - stopped_at,
        broker_start_s=back_at - gone_at,
    )


def test_a_consumer_outlives_a_long_broker_outage_and_resumes_by_itself(
    scenario: Scenario, record_property: Callable[[str, object], None], capsys: pytest.CaptureFixture[str]
) -> None:
    consumer, feeder = scenario.stream_to("patient")
    # A web worker's view of the state, as the dashboard has it: it must say that the broker is away, and since when.
    view = StateView(scenario.settings, KafkaTransport(scenario.broker.bootstrap, client_id="fault-web")).start()
    until(lambda: view.snapshot.caught_up, 60, lambda: "the web view never caught up")
    feeder.pause()  # as in the restart test: records sent after the fault cannot have reached the broker before it
    cmdline, cwd = scenario.broker.stop_jvm()
    down_at = time.monotonic()
    feeder.resume()
    exited_after: float | None = None
    web_saw: tuple[str, int] | None = None
    try:
        while time.monotonic() < down_at + OUTAGE_S:  # the deliberate outage; watch the consumer meanwhile
            if exited_after is None and consumer.poll() is not None:
                exited_after = time.monotonic() - down_at
            if web_saw is None and view.snapshot.broker_unreachable_since is not None:
                doc, code = health_document(view.snapshot, scenario.settings, time.time())
                web_saw = (doc["status"], code)
                assert doc["broker"]["unreachable_since"] is not None
            time.sleep(0.5)
    finally:
        scenario.broker.launch(cmdline, cwd)  # whatever happens, later tests get their broker back
        scenario.broker.wait_ready()
    back_at = time.monotonic()
    try:
        assert web_saw == ("broker_unreachable", 503), f"during the outage the web view said {web_saw}"
        until(lambda: view.snapshot.broker_unreachable_since is None, 60, lambda: "the web view never saw it back")
    finally:
        view.stop()
    if exited_after is None and consumer.poll() is not None:
        exited_after = back_at - down_at
    assert exited_after is None, (
        f"the consumer exited with rc {consumer.poll()} {exited_after:.0f} s into a {OUTAGE_S:g} s broker outage; "
        f"it must wait for the broker and resume by itself. Its log ends:\n{scenario.log_tail('patient')}"
    )

    scenario.notes = f" after a {back_at - down_at:.0f} s broker outage"
    recovery = scenario.wait_recovered(feeder, down_at, timeout_s=150, keep_running="patient")
    scenario.assert_running("patient")
    scenario.check_final()
    after_back = down_at + recovery - back_at
    report(
        record_property,
        capsys,
        f"{OUTAGE_S:g} s broker outage: the state flowed again {after_back:.1f} s after the broker answered "
        f"({recovery:.1f} s after it went down)",
        recovery_s=recovery,
        recovery_after_broker_back_s=after_back,
    )


@pytest.mark.browser
def test_the_wall_says_the_broker_is_unreachable_and_since_when(
    scenario: Scenario, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    """Web workers outlive a broker outage too, and the screen names it (not just STALE) until it is back."""
    scenario.consumer("wall-feed")
    scenario.wait_owner("wall-feed")
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": scenario.broker.bootstrap,
        "CITYOPS_TOPIC_PREFIX": scenario.settings.topics.prefix,
        "CITYOPS_DEMO_MODE": "1",  # anonymous viewing: this test is about the picture, not sign-in
    }
    url, web = start_dashboard(env, tmp_path / "web.log")
    try:
        browser.get(url)
        until(lambda: not freshness(browser, "", timeout_s=1).startswith("…"), 30, lambda: "the clock never started")
        cmdline, cwd = scenario.broker.stop_jvm()
        try:
            away = freshness(browser, "BROKER UNREACHABLE since", timeout_s=60)
            browser.save_screenshot(str(tmp_path / "map-broker-unreachable.png"))
        finally:
            scenario.broker.launch(cmdline, cwd)
            scenario.broker.wait_ready()
        assert web.poll() is None, "the web process must outlive the outage"
        until(
            lambda: not freshness(browser, "", timeout_s=1).startswith("BROKER UNREACHABLE"),
            90,
            lambda: "the wall still says the broker is unreachable after it came back",
        )
        assert re.search(r"since \d\d:\d\d:\d\d", away), away
    finally:
        web.terminate()
        web.wait(timeout=30)


def test_a_consumer_killed_mid_stream_is_replaced_and_the_state_is_exact(
    scenario: Scenario, record_property: Callable[[str, object], None], capsys: pytest.CaptureFixture[str]
) -> None:
    victim, feeder = scenario.stream_to("victim")
    victim.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait(timeout=10)
    scenario.consumer("replacement")

    recovery = scenario.wait_recovered(feeder, killed_at, timeout_s=120, keep_running="replacement")
    until(lambda: owns_everything(scenario.state, "replacement"), 30, scenario.describe)
    scenario.check_final()
    report(record_property, capsys, f"kill -9 and replace: {recovery:.1f} s", recovery_s=recovery)


def test_the_survivor_of_two_takes_over_the_partitions_of_a_member_killed_mid_stream(
    scenario: Scenario, record_property: Callable[[str, object], None], capsys: pytest.CaptureFixture[str]
) -> None:
    victim = scenario.consumer("victim")
    scenario.consumer("survivor")

    def split() -> bool:
        owned = [
            set(d.get("partitions") or ())
            for c in ("victim", "survivor")
            for d in statuses(scenario.state, c)
            if d.get("phase") == "running"
        ]
        return (
            len(owned) == 2 and all(owned) and not owned[0] & owned[1] and owned[0] | owned[1] == set(range(PARTITIONS))
        )

    until(split, 90, scenario.describe)
    feeder = Feeder(scenario.broker.bootstrap, scenario.records).start()
    feeder.wait_sent(FAULT_AT)
    until(lambda: any(k.startswith("sensor:") for k in scenario.state), 30, scenario.describe)
    victim.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait(timeout=10)

    recovery = scenario.wait_recovered(feeder, killed_at, timeout_s=120, keep_running="survivor")
    until(lambda: owns_everything(scenario.state, "survivor"), 30, scenario.describe)
    scenario.assert_running("survivor")
    scenario.check_final()
    report(record_property, capsys, f"survivor takes over from a kill -9: {recovery:.1f} s", recovery_s=recovery)
