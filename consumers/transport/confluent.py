"""The ``Transport`` over Apache Kafka with confluent-kafka (librdkafka), for those who outgrow kafka-python.

Optional: ``CITYOPS_KAFKA_CLIENT=confluent`` chooses it, ``requirements-confluent.txt`` installs it, and
kafka-python stays the default (the design card's client). It keeps every promise ``kafka.py`` makes, with
librdkafka's own means:
- producers are idempotent with ``acks=all`` and the ``murmur2_random`` partitioner, so a keyed record lands
  on the partition kafka-python and the Java client pick (co-partitioning with any gateway); ``flush``
  raises if any record sent since the last flush failed, so offsets are never committed past unpublished
  state;
- group members use the range assignor (eager rebalancing, as kafka-python: every partition is revoked
  before each rebalance, and the runner keeps what comes back);
- auto-commit is off: the runner commits after its state is published;
- every call that waits on the broker has a bound of seconds (librdkafka's defaults are up to a minute, and
  its synchronous commit has none at all), and every librdkafka error leaves this module as
  ``TransportError``, so the runner can tell "the broker is away" from a bug and wait the outage out;
- a login the broker refuses (SASL) or a TLS handshake that fails is a configuration error
  (``KafkaLoginRefused``), not an outage, as ``kafka_login.py`` makes it for kafka-python: librdkafka
  reports both as errors of their own (``_AUTHENTICATION``, ``_SSL``), so no log needs watching here.

librdkafka's callbacks (delivery reports, rebalances, errors) run on the thread that polls the client, never
on a thread of its own: the runner's rebalance listener runs inside ``GroupConsumer.poll``, as with
kafka-python.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
)
from confluent_kafka import Message as KafkaMessage
from confluent_kafka import TopicPartition as KafkaTP
from confluent_kafka.admin import AdminClient, ClusterMetadata, NewTopic

from consumers.kafka_security import KafkaLoginRefused, KafkaSecurity
from consumers.transport.base import (
    Headers,
    Message,
    RebalanceListener,
    TopicPartition,
    TopicSpec,
    TransportError,
)
from consumers.transport.kafka_login import SASL_HINT, TIMES_TO_BE_SURE, TLS_HINT

log = logging.getLogger(__name__)

METADATA_WAIT_S = 30.0
REQUEST_TIMEOUT_S = 10.0
"""Bound of every call that waits on the broker (kafka.py's ``REQUEST_TIMEOUT_MS``)."""
MAX_BLOCK_S = 10.0
"""How long ``send`` waits for room in a full local queue before it fails (kafka.py's ``MAX_BLOCK_MS``)."""
RECONNECT_BACKOFF_MAX_MS = 2000
"""librdkafka backs off reconnecting up to 10 s by default: a broker back after an outage would go unused that long."""
MAX_REQUEST_BYTES = 1024 * 1024
"""The broker's default ``message.max.bytes``: a record the broker would refuse is refused here, at ``send``."""
DELIVERY_TIMEOUT_MS = 30_000

P = ParamSpec("P")
R = TypeVar("R")


def _describe(exc: BaseException) -> str:
    err = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
    if err is not None:
        return f"{err.name()}: {err.str()}"
    return f"{type(exc).__name__}: {exc}"


def translated(call: Callable[P, R]) -> Callable[P, R]:
    """Re-raise librdkafka's errors as ``TransportError`` (the runner's signal to back off and retry)."""

    @functools.wraps(call)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return call(*args, **kwargs)
        except (TransportError, KafkaLoginRefused):
            raise
        except (KafkaException, BufferError, OSError) as exc:
            raise TransportError(_describe(exc)) from exc

    return wrapper


def _ours(tp: KafkaTP) -> TopicPartition:
    return TopicPartition(tp.topic, tp.partition)


def _theirs(tp: TopicPartition, offset: int | None = None) -> KafkaTP:
    return KafkaTP(tp.topic, tp.partition) if offset is None else KafkaTP(tp.topic, tp.partition, offset)


def _messages(records: list[KafkaMessage], where: str) -> list[Message]:
    """Our ``Message``s; librdkafka hands errors over in the same list (fatal ones fail the call)."""
    out = []
    for r in records:
        err = r.error()
        if err is not None:
            if err.fatal():
                raise TransportError(f"{err.name()}: {err.str()}")
            if err.code() != KafkaError._PARTITION_EOF:
                log.warning("%s: %s", where, err.str())
            continue
        headers: Any = r.headers()  # a list of (name, bytes) pairs, as produced, or None
        out.append(
            Message(
                r.topic() or "",
                r.partition() or 0,
                r.offset() or 0,
                r.key(),
                r.value(),
                r.timestamp()[1],
                tuple(headers or ()),
            )
        )
    return out


RETRIED = (
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._UNKNOWN_PARTITION,
)
"""What a freshly created topic answers for a moment (its leader is not known everywhere yet); kafka-python retries
these within its request timeout, and so does ``_watermarks``."""


def _watermarks(consumer: Consumer, tp: KafkaTP) -> tuple[int, int]:
    """A partition's low and high watermarks from its leader, within ``REQUEST_TIMEOUT_S``."""
    deadline = time.monotonic() + REQUEST_TIMEOUT_S
    while True:
        try:
            low, high = consumer.get_watermark_offsets(tp, timeout=REQUEST_TIMEOUT_S, cached=False)
            return low, high
        except KafkaException as exc:
            err = exc.args[0]
            if err.code() not in RETRIED or time.monotonic() > deadline:
                raise
        time.sleep(0.1)


class _LoginWatch:
    """librdkafka's error callback for every client of one transport: logs, and tells a refusal from an outage.

    ``_AUTHENTICATION`` is the broker's answer to a login (a wrong password, a mechanism it does not offer), so
    once is enough; ``_SSL`` is also raised by a stream that merely ends, so, as in kafka_login.py, it takes
    ``TIMES_TO_BE_SURE`` of them in a row with no successful call in between.
    """

    def __init__(self, bootstrap: str, security: KafkaSecurity) -> None:
        self._bootstrap = bootstrap
        self._security = security
        self._lock = threading.Lock()
        self._tls: list[str] = []
        self._sasl: list[str] = []
        self.refused: str | None = None

    def error(self, err: KafkaError) -> None:
        code = err.code()
        with self._lock:
            if code == KafkaError._AUTHENTICATION and self._security.uses_sasl:
                self._sasl.append(err.str())
            elif code == KafkaError._SSL and self._security.uses_tls:
                self._tls.append(err.str())
        if code in (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN):
            log.info("librdkafka: %s", err.str())
        else:
            log.warning("librdkafka: %s%s", err.str(), " (fatal)" if err.fatal() else "")

    def answered(self) -> None:
        """A call succeeded: TLS failures seen before were a broker that went away, not a refusal."""
        with self._lock:
            self._tls.clear()

    def check(self) -> None:
        """Raise ``KafkaLoginRefused`` once what was seen is a refusal (and for every later client)."""
        if self.refused is None:
            with self._lock:
                why = None
                if self._sasl:
                    why = f"it answered the login with {self._sasl[-1]} ({SASL_HINT})"
                elif len(self._tls) >= TIMES_TO_BE_SURE:
                    why = f"the TLS handshake failed {len(self._tls)} times: {self._tls[-1]} ({TLS_HINT})"
            if why is None:
                return
            self.refused = f"Kafka at {self._bootstrap} refused the connection over {self._security.describe()}: {why}"
        raise KafkaLoginRefused(self.refused)


class _LibrdkafkaLog:
    """Where librdkafka's log lines go (confluent-kafka calls ``log(level, format, facility, client, text)``).

    librdkafka logs every failed connection attempt at error level ("FAIL"), a line every backoff for as long as
    a broker is away; the error callback already says so once per state change, so those lines go to debug.
    """

    def __init__(self) -> None:
        self._log = logging.getLogger(f"{__name__}.librdkafka")

    def log(self, level: int, fmt: str, *args: Any) -> None:
        if args and args[0] == "FAIL":
            level = logging.DEBUG
        self._log.log(level, fmt, *args)


def client_config(security: KafkaSecurity) -> dict[str, Any]:
    """librdkafka's names for ``KafkaSecurity`` (kafka_security.py builds kafka-python's)."""
    config: dict[str, Any] = {"security.protocol": security.protocol}
    if security.uses_sasl:
        assert security.sasl_password is not None
        config["sasl.mechanism"] = security.sasl_mechanism
        config["sasl.username"] = security.sasl_username
        config["sasl.password"] = security.sasl_password.reveal()
    if security.uses_tls:
        # librdkafka's wheels carry their own OpenSSL, whose built-in paths are not this system's: "probe" finds the
        # system's trust store, which is what kafka-python uses without a CA file.
        config["ssl.ca.location"] = str(security.ssl_cafile) if security.ssl_cafile is not None else "probe"
        config["ssl.endpoint.identification.algorithm"] = "https" if security.ssl_check_hostname else "none"
        if security.ssl_certfile is not None:
            config["ssl.certificate.location"] = str(security.ssl_certfile)
        if security.ssl_keyfile is not None:
            config["ssl.key.location"] = str(security.ssl_keyfile)
        elif security.ssl_certfile is not None:
            config["ssl.key.location"] = str(security.ssl_certfile)  # key and certificate in one PEM, as kafka-python
        if security.ssl_key_password is not None:
            config["ssl.key.password"] = security.ssl_key_password.reveal()
    return config


class ConfluentProducer:
    """Counts delivery failures as librdkafka reports them so that ``flush`` can prove every record landed."""

    def __init__(self, config: Mapping[str, Any], watch: _LoginWatch) -> None:
        self._watch = watch
        self._failed: list[str] = []
        self._producer = Producer(
            {
                **config,
                "enable.idempotence": True,
                "acks": "all",
                "partitioner": "murmur2_random",
                "linger.ms": 5,
                "batch.size": 256 * 1024,
                "message.max.bytes": MAX_REQUEST_BYTES,
                "request.timeout.ms": int(REQUEST_TIMEOUT_S * 1000),
                "message.timeout.ms": DELIVERY_TIMEOUT_MS,
                "allow.auto.create.topics": False,
                "on_delivery": self._delivered,
            }
        )

    def _delivered(self, err: KafkaError | None, msg: KafkaMessage) -> None:
        if err is not None:
            self._failed.append(f"{err.name()}: {err.str()} ({msg.topic()})")

    @translated
    def send(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None = None,
        partition: int | None = None,
        headers: Headers = (),
        best_effort: bool = False,
    ) -> None:
        extra: dict[str, Any] = {}
        if partition is not None:
            extra["partition"] = partition
        if headers:
            extra["headers"] = list(headers)
        if best_effort:
            extra["on_delivery"] = self._best_effort_callback(headers)
        deadline = time.monotonic() + MAX_BLOCK_S
        while True:
            try:
                self._producer.produce(topic, value, key, **extra)
                return
            except BufferError:
                # The local queue is full: wait for deliveries to make room, as kafka-python's send blocks.
                if time.monotonic() > deadline:
                    raise TransportError(f"the producer's queue stayed full for {MAX_BLOCK_S:g} s") from None
                self._producer.poll(0.1)
            except KafkaException as exc:
                err = exc.args[0]
                if best_effort and err.code() == KafkaError.MSG_SIZE_TOO_LARGE:
                    _log_dropped(topic, headers, err.str())
                    return
                raise

    def _best_effort_callback(self, headers: Headers) -> Callable[[KafkaError | None, KafkaMessage], None]:
        failed = self._failed

        def delivered(err: KafkaError | None, msg: KafkaMessage) -> None:
            if err is None:
                return
            if err.code() == KafkaError.MSG_SIZE_TOO_LARGE:
                # Too large is the one refusal a dead letter may meet for good: it must never stop a partition.
                _log_dropped("dead letter", headers, err.str())
            else:
                failed.append(f"{err.name()}: {err.str()} ({msg.topic()})")

        return delivered

    @translated
    def flush(self, timeout_s: float = 30.0) -> None:
        pending = self._producer.flush(timeout_s)
        self._watch.check()
        failed, self._failed[:] = list(self._failed), []
        if failed:
            raise TransportError(f"{len(failed)} records were not delivered: {failed[0]}")
        if pending:
            raise TransportError(f"{pending} records still unacknowledged after {timeout_s} s")
        self._watch.answered()

    def close(self, timeout_s: float = 10.0) -> None:
        try:
            if self._producer.flush(timeout_s) > 0:
                # What is still unacknowledged is abandoned (after a failed flush the runner resends it all).
                self._producer.purge(in_queue=True, in_flight=True, blocking=False)
                self._producer.flush(0)
        except KafkaException as exc:
            log.warning("producer did not close cleanly: %s", _describe(exc))


def _log_dropped(topic: str, headers: Headers, why: str) -> None:
    """A dead letter the broker will never take: its coordinates go to the log so that it can be found."""
    where = {k: v.decode(errors="replace") for k, v in headers if k in ("dlq.topic", "dlq.partition", "dlq.offset")}
    log.error("dropped a %s record the broker refuses (%s): %s", topic, why, where)


def _partitions_known(metadata: ClusterMetadata, topics: Iterable[str]) -> bool:
    for topic in topics:
        t = metadata.topics.get(topic)
        if t is None or t.error is not None or not t.partitions:
            return False
    return True


class ConfluentGroupConsumer:
    """A group member with manual commits."""

    def __init__(
        self,
        config: Mapping[str, Any],
        topics: Sequence[str],
        group_id: str,
        listener: RebalanceListener,
        watch: _LoginWatch,
    ) -> None:
        self._watch = watch
        self._listener = listener
        self._consumer = Consumer(
            {
                **config,
                "group.id": group_id,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "partition.assignment.strategy": "range",
                "max.poll.interval.ms": 600_000,
                "session.timeout.ms": 10_000,
                "heartbeat.interval.ms": 2_000,
                "allow.auto.create.topics": False,
            }
        )
        try:
            # Know every topic's partitions before joining, as kafka.py does: a leader that assigns while its
            # metadata is still empty hands out nothing and rejoins at once.
            deadline = time.monotonic() + METADATA_WAIT_S
            while True:
                try:
                    metadata = self._consumer.list_topics(timeout=min(REQUEST_TIMEOUT_S, METADATA_WAIT_S))
                    if _partitions_known(metadata, topics):
                        break
                except KafkaException:
                    self._consumer.poll(0)  # serves the error callback: a refused login is known only there
                    self._watch.check()
                    if time.monotonic() > deadline:
                        raise
                if time.monotonic() > deadline:
                    raise TransportError(f"no partition metadata for {list(topics)} after {METADATA_WAIT_S:g} s")
                time.sleep(0.1)
            self._consumer.subscribe(list(topics), on_assign=self._assigned, on_revoke=self._revoked)
        except BaseException:
            self._consumer.close()
            raise

    def _assigned(self, consumer: Consumer, partitions: list[KafkaTP]) -> None:
        # librdkafka assigns the partitions itself once this returns (from the committed offsets).
        self._listener.on_assigned({_ours(tp) for tp in partitions})

    def _revoked(self, consumer: Consumer, partitions: list[KafkaTP]) -> None:
        self._listener.on_revoked({_ours(tp) for tp in partitions})

    @translated
    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        records = self._consumer.consume(num_messages=max_records, timeout=timeout_s)
        self._watch.check()
        return _messages(records, "group consumer")

    @translated
    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Synchronously, within ``REQUEST_TIMEOUT_S``.

        librdkafka's synchronous commit has no timeout (it waits for the coordinator for as long as it is away), so
        the commit is sent asynchronously and then the committed offsets are read back, with a bound, until they
        are the ones sent. A commit the coordinator refuses (a rebalance under way) never shows and fails here.
        """
        if not offsets:
            return
        wanted = [_theirs(tp, o) for tp, o in offsets.items()]
        self._consumer.commit(offsets=wanted, asynchronous=True)
        deadline = time.monotonic() + REQUEST_TIMEOUT_S
        want = {(tp.topic, tp.partition): o for tp, o in ((tp, tp.offset) for tp in wanted)}
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TransportError(f"offsets not committed after {REQUEST_TIMEOUT_S:g} s")
            got = self._consumer.committed([_theirs(tp) for tp in offsets], timeout=left)
            if all(want[(tp.topic, tp.partition)] == tp.offset for tp in got):
                return
            time.sleep(0.01)

    def assignment(self) -> set[TopicPartition]:
        return {_ours(tp) for tp in self._consumer.assignment()}

    @translated
    def lag(self) -> dict[TopicPartition, int]:
        """From the high watermarks of the last fetches (no request): partitions not fetched yet are left out."""
        assigned = self._consumer.assignment()
        out = {}
        for tp in self._consumer.position(assigned):
            if tp.offset < 0:
                continue
            low_high = self._consumer.get_watermark_offsets(tp, cached=True)
            if low_high is not None and low_high[1] >= 0:
                out[_ours(tp)] = max(0, low_high[1] - tp.offset)
        return out

    def close(self) -> None:
        try:
            self._consumer.close()
        except (KafkaException, RuntimeError) as exc:
            log.warning("consumer did not close cleanly: %s", _describe(exc))


class ConfluentReader:
    """Manually assigned consumer (no group, nothing committed) that starts at the beginning of each partition."""

    def __init__(self, config: Mapping[str, Any], partitions: Iterable[TopicPartition], watch: _LoginWatch) -> None:
        self._watch = watch
        self._tps = list(partitions)
        self._start: dict[TopicPartition, int] = dict.fromkeys(self._tps, OFFSET_BEGINNING)
        self._beginning: dict[TopicPartition, int] = {}
        self._sought: dict[TopicPartition, int] = {}
        """Where a ``seek`` put a partition, until its first record: librdkafka reports the old position till then."""
        self._consumer = Consumer(
            {
                **config,
                # librdkafka wants a group id for any consumer; this one never joins, subscribes or commits.
                "group.id": f"{config.get('client.id', 'reader')}-unused",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "allow.auto.create.topics": False,
            }
        )
        self._consumer.assign([_theirs(tp, OFFSET_BEGINNING) for tp in self._tps])

    @translated
    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        records = self._consumer.consume(num_messages=max_records, timeout=timeout_s)
        self._watch.check()
        messages = _messages(records, "reader")
        if self._sought:
            for m in messages:
                self._sought.pop(m.tp, None)
        return messages

    @translated
    def end_offsets(self) -> dict[TopicPartition, int]:
        out = {}
        for tp in self._tps:
            try:
                low, high = _watermarks(self._consumer, _theirs(tp))
            except KafkaException:
                self._watch.check()  # what this transport's other clients were told (polling here would read records)
                raise
            out[tp] = high
            self._beginning[tp] = low  # the same answer has the beginning: ``positions`` needs no request of its own
        self._watch.answered()
        return out

    @translated
    def positions(self) -> dict[TopicPartition, int]:
        """Where reading goes on. Before the first record of a partition librdkafka knows no position: it is then
        where the reader was put, the partition's beginning (its low watermark, asked once) or a ``seek``."""
        out = {}
        for tp in self._consumer.position([_theirs(tp) for tp in self._tps]):
            ours = _ours(tp)
            if ours in self._sought:
                out[ours] = self._sought[ours]
                continue
            if tp.offset >= 0:
                out[ours] = tp.offset
                continue
            start = self._start[ours]
            if start >= 0:
                out[ours] = start
                continue
            if ours not in self._beginning:
                low, _ = _watermarks(self._consumer, tp)
                self._beginning[ours] = low
            out[ours] = self._beginning[ours]
        return out

    @translated
    def seek(self, offsets: Mapping[TopicPartition, int]) -> None:
        # Re-assigning with offsets works whether or not a partition has started fetching (``seek`` on one that has
        # not fails with "erroneous state").
        current = {_ours(tp): tp.offset for tp in self._consumer.position([_theirs(tp) for tp in self._tps])}
        for tp, offset in offsets.items():
            self._start[tp] = offset
            self._sought[tp] = offset
            current[tp] = offset
        assignment = []
        for tp in self._tps:
            at = current.get(tp, -1)
            assignment.append(_theirs(tp, at if at >= 0 else self._start[tp]))
        self._consumer.assign(assignment)

    def close(self) -> None:
        try:
            self._consumer.close()
        except (KafkaException, RuntimeError) as exc:
            log.warning("reader did not close cleanly: %s", _describe(exc))


_LIBRDKAFKA_LOG = _LibrdkafkaLog()


class ConfluentTransport:
    """Creates confluent-kafka clients for one cluster; all of them get the same ``security`` (TLS, SASL) config."""

    def __init__(self, bootstrap: str, client_id: str = "cityops", *, security: KafkaSecurity | None = None) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.security = security or KafkaSecurity()
        self._watch = _LoginWatch(bootstrap, self.security)

    def _config(self, client_id: str) -> dict[str, Any]:
        """What every client of this transport shares: where, who, the bounds, and where librdkafka logs go."""
        return {
            "bootstrap.servers": self.bootstrap,
            "client.id": client_id,
            **client_config(self.security),
            "socket.timeout.ms": int(REQUEST_TIMEOUT_S * 1000),
            "reconnect.backoff.max.ms": RECONNECT_BACKOFF_MAX_MS,
            "error_cb": self._watch.error,
            "logger": _LIBRDKAFKA_LOG,
        }

    def _admin(self) -> AdminClient:
        self._watch.check()
        return AdminClient(self._config(f"{self.client_id}-admin"))

    def _metadata(self, admin: AdminClient) -> ClusterMetadata:
        try:
            metadata = admin.list_topics(timeout=REQUEST_TIMEOUT_S)
        except KafkaException:
            admin.poll(0)  # serves the error callback: a refused login is known only there
            self._watch.check()
            raise
        self._watch.answered()
        return metadata

    @translated
    def ensure_topics(self, specs: Iterable[TopicSpec]) -> None:
        """Create missing topics; refuse to run on existing ones whose partition count breaks co-partitioning."""
        specs = list(specs)
        admin = self._admin()
        existing = {name: len(t.partitions) for name, t in self._metadata(admin).topics.items() if t.error is None}
        missing = [
            NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=-1,
                config={"cleanup.policy": "compact"} if spec.compacted else {},
            )
            for spec in specs
            if spec.name not in existing
        ]
        if missing:
            futures = admin.create_topics(missing, request_timeout=REQUEST_TIMEOUT_S)
            for name, future in futures.items():
                try:
                    future.result(timeout=REQUEST_TIMEOUT_S)
                except KafkaException as exc:
                    if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                        raise
                    log.info("topic %s was created concurrently by another process", name)
            # As kafka-python's ``wait_for_metadata``: the topics are usable once the broker's metadata has them.
            names = [t.topic for t in missing]
            deadline = time.monotonic() + METADATA_WAIT_S
            while not _partitions_known(self._metadata(admin), names):
                if time.monotonic() > deadline:
                    raise TransportError(f"created topics {names} have no metadata after {METADATA_WAIT_S:g} s")
                time.sleep(0.1)
        wrong = [
            f"{s.name} has {existing[s.name]} partitions, expected {s.partitions}"
            for s in specs
            if s.name in existing and existing[s.name] != s.partitions
        ]
        if wrong:
            raise TransportError("; ".join(wrong) + " (set CITYOPS_PARTITIONS to match)")

    @translated
    def partition_count(self, topic: str) -> int:
        # All topics, not ``list_topics(topic)``: asking for one by name is how a client asks a broker to create it.
        found = self._metadata(self._admin()).topics.get(topic)
        if found is None or found.error is not None or not found.partitions:
            raise TransportError(f"unknown topic {topic}")
        return len(found.partitions)

    @translated
    def producer(self) -> ConfluentProducer:
        self._watch.check()
        return ConfluentProducer(self._config(self.client_id), self._watch)

    @translated
    def group_consumer(
        self, topics: Sequence[str], group_id: str, listener: RebalanceListener, client_id: str
    ) -> ConfluentGroupConsumer:
        self._watch.check()
        return ConfluentGroupConsumer(self._config(client_id), topics, group_id, listener, self._watch)

    @translated
    def reader(self, partitions: Iterable[TopicPartition]) -> ConfluentReader:
        self._watch.check()
        return ConfluentReader(self._config(f"{self.client_id}-reader"), partitions, self._watch)

    def close(self) -> None:
        return None
