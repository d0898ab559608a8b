"""The product's consumer beside its peers, over the same records, in the same run (issue 8, parts 3 and 4).

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 python -m bench.peers [--records 200000] [--rounds 3]

(`make bench` installs ``bench/requirements-peers.txt``, starts a broker and runs this after bench.throughput.)
The records are bench.throughput's: ``simulated()`` readings of the Guiyang pack, produced by its ``produce()``
to the three input topics (keyed by district, six partitions each). Measured, in rounds whose order rotates so
that machine noise hits every measure, medians reported:

- bare kafka-python: bench.throughput's ``raw_loop`` (receive every record, do nothing), and the same loop with a
  ``json.loads`` per record, the least any consumer of JSON does: the reference of every ratio;
- bare confluent-kafka (librdkafka), with and without the ``json.loads``;
- a quix-streams app (``quix_app``) that does what the product's windows do, per sensor 1-hour windows with
  count, min and max, on quix-streams' own confluent-kafka client;
- the product's ``ConsumerRunner`` (decode, validate, windows, rules, district scores, changelog and state
  published and acknowledged, offsets committed every second) on kafka-python (the default transport) and on
  the confluent-kafka transport (``CITYOPS_KAFKA_CLIENT=confluent``);
- the pure processor, no I/O (bench.throughput's ``processor_only``): the ceiling of any transport.

Every round has topics of its own, and each product run topics of its own within it (it restores its changelog
and skips what it reflects, so two runs on one set of topics would time nothing the second time). Every measure
fails unless it handled exactly the records it was fed: counts equal, nothing replayed. Both sides of each ratio
use the same client set-up: kafka-python with ``crc32c`` (a product dependency), the same librdkafka for every
confluent-kafka measure (the one quix-streams pins, when it is installed).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.throughput import processor_only, produce, raw_loop, simulated
from bench.throughput import product_loop as throughput_product_loop
from consumers.citypack import CityPack, load_city_pack
from consumers.settings import Settings, Topics
from consumers.transport import open_transport, topic_specs

Data = list[tuple[str, bytes, bytes]]
REFERENCE = "bare kafka-python + json.loads"


class NotAllProcessed(RuntimeError):
    """A measure did not handle exactly the records it was fed: its time would mean nothing."""


def confluent_loop(settings: Settings, expected: int, parse: bool) -> float:
    """The same loop on confluent-kafka: assigned partitions from the beginning, batches of up to 2,000."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer
    from confluent_kafka import TopicPartition as KafkaTP

    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap_servers,
            "group.id": f"bench-bare-{uuid.uuid4().hex[:6]}",  # required by librdkafka; never joined or committed
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.assign(
        [KafkaTP(t, p, OFFSET_BEGINNING) for t in settings.topics.inputs for p in range(settings.partitions)]
    )
    started = time.perf_counter()
    seen = 0
    while seen < expected:
        for m in consumer.consume(num_messages=2000, timeout=0.5):
            if m.error() is not None:
                raise NotAllProcessed(f"confluent-kafka: {m.error()}")
            if parse:
                json.loads(m.value() or b"")
            seen += 1
    elapsed = time.perf_counter() - started
    consumer.close()
    if seen != expected:
        raise NotAllProcessed(f"confluent-kafka read {seen} records, fed {expected}")
    return elapsed


def product_loop(settings: Settings, pack: CityPack, expected: int, client: str) -> float:
    """bench.throughput's ``product_loop`` on the transport of ``client``: seconds, or ``NotAllProcessed``."""
    try:
        return throughput_product_loop(settings, pack, expected, client)[0]
    except SystemExit as exc:
        raise NotAllProcessed(str(exc)) from exc


def _event_ms(value: Any, headers: Any, timestamp: float, timestamp_type: Any) -> int:
    """Windows on event time, as the product's (Kafka's timestamp is when the bench produced the record)."""
    return int(datetime.fromisoformat(value["event_time"]).timestamp() * 1000)


def _first(value: dict[str, Any]) -> dict[str, Any]:
    numbers = {k: v for k, v in value.items() if isinstance(v, int | float) and k != "schema"}
    return {"n": 1, "min": numbers, "max": dict(numbers)}


def _fold(agg: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    agg["n"] += 1
    low, high = agg["min"], agg["max"]
    for k, v in value.items():
        if isinstance(v, int | float) and k != "schema":
            low[k] = v if k not in low else min(low[k], v)
            high[k] = v if k not in high else max(high[k], v)
    return agg


def quix_app(settings: Settings, expected: int) -> float:
    """A quix-streams application doing the product's windowing: seconds from its first record to its last.

    What it does, and why that is a fair equivalent: each input topic is read with JSON values and the reading's
    own ``event_time`` as the record's time (the product windows on event time too); ``group_by(sensor_id)`` keys
    the stream by sensor, as the product's windows are per sensor (quix-streams keeps window state per message key,
    and the topics are keyed by district, so it repartitions through a topic of its own: the way quix-streams does
    per-sensor state on these topics, since it cannot know that every sensor of a district stays in one partition);
    a 1-hour tumbling window per sensor folds count, min and max of every numeric field (the product keeps the
    window's samples and their statistics for every numeric field), with its state in RocksDB and a changelog topic
    in Kafka (the product publishes a changelog and a state record), committed every second (the product's flush
    interval), at-least-once (the product's guarantee); ``current()`` emits each window's aggregate as it changes,
    and each emission is counted. The grace period is longer than the records' span, so no record is dropped as
    late (the product drops none of these either): the count must equal the records fed, and the offsets seen
    at the input must be exactly as many (none read twice), or the round fails.

    The product does more per record (validation, rules, district scores, bounded sample windows). The clock starts
    at the first record, so the application's start-up, topic creation and group join are not counted (the product's
    join is): both favour quix-streams.
    """
    from quixstreams import Application, message_context

    state_dir = tempfile.mkdtemp(prefix="bench-quix-")
    app = Application(
        broker_address=settings.kafka_bootstrap_servers,
        consumer_group=f"bench-quix-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        commit_interval=1.0,
        state_dir=state_dir,
        loglevel="WARNING",
        processing_guarantee="at-least-once",
    )
    seen: set[tuple[str, int, int]] = set()
    emitted = 0
    started: float | None = None
    finished: float | None = None

    def arrived(value: Any) -> None:
        nonlocal started
        if started is None:
            started = time.perf_counter()
        ctx = message_context()
        seen.add((ctx.topic, ctx.partition, ctx.offset))

    def counted(value: Any) -> None:
        nonlocal emitted, finished
        emitted += 1
        if emitted >= expected and finished is None:
            finished = time.perf_counter()
            app.stop()

    for name in settings.topics.inputs:
        topic = app.topic(name, value_deserializer="json", key_deserializer="bytes", timestamp_extractor=_event_ms)
        sdf = app.dataframe(topic)
        sdf = sdf.update(arrived)
        sdf = sdf.group_by(lambda value: value["sensor_id"], name=f"sensor-{name.rsplit('.', 1)[-1]}")
        sdf = (
            sdf.tumbling_window(duration_ms=timedelta(hours=1), grace_ms=timedelta(days=30))
            .reduce(reducer=_fold, initializer=_first)
            .current()
        )
        sdf.update(counted)
    try:
        app.run()
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)
    if started is None or finished is None or emitted != expected or len(seen) != expected:
        raise NotAllProcessed(
            f"quix-streams: fed {expected}, {len(seen)} distinct input offsets seen, {emitted} window updates"
        )
    return finished - started


def run(bootstrap: str, records: int, rounds: int) -> list[tuple[str, str, str]]:
    """Measure every peer; rows of (measure, records/s, note) for a combined table (``make bench``)."""
    base = replace(Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": bootstrap}))
    pack = load_city_pack(base.city_dir)
    data = simulated(pack, records)
    n = len(data)
    tag = uuid.uuid4().hex[:6]
    quix = _has("quixstreams")
    confluent = _has("confluent_kafka")

    def fresh(name: str) -> Settings:
        settings = replace(base, topics=Topics(f"peers{tag}{name}"))
        open_transport(settings).ensure_topics(topic_specs(settings))
        produce(settings, data)
        return settings

    measures: list[tuple[str, Callable[[Settings], float], bool]] = [
        ("bare kafka-python", lambda s: raw_loop(s, n), False),
        (REFERENCE, lambda s: raw_loop(s, n, decode=True), False),
        ("product on kafka-python", lambda s: product_loop(s, pack, n, "kafka-python"), True),
    ]
    if confluent:
        measures[2:2] = [
            ("bare confluent-kafka", lambda s: confluent_loop(s, n, parse=False), False),
            ("bare confluent-kafka + json.loads", lambda s: confluent_loop(s, n, parse=True), False),
        ]
        measures.append(("product on confluent-kafka", lambda s: product_loop(s, pack, n, "confluent"), True))
    if quix:
        measures.append(("quix-streams, per-sensor 1 h windows", lambda s: quix_app(s, n), False))
    rates: dict[str, list[float]] = {name: [] for name, _, _ in measures}
    print(f"{n} simulated records per round on the three input topics, {base.partitions} partitions each", flush=True)
    for i in range(rounds):
        shared = fresh(f"r{i}")
        order = measures[i % len(measures) :] + measures[: i % len(measures)]
        for name, measure, own_topics in order:
            settings = fresh(f"r{i}{len(rates[name])}{name.split()[-1].replace('-', '')}") if own_topics else shared
            rates[name].append(n / measure(settings))
            print(f"round {i + 1}: {name}: {rates[name][-1]:,.0f} records/s (all {n} processed once)", flush=True)
    reference = statistics.median(rates[REFERENCE])
    rows = []
    for name, _, _ in measures:
        median = statistics.median(rates[name])
        each = ", ".join(f"{r:,.0f}" for r in rates[name])
        rows.append((name, f"{median:,.0f}", f"{median / reference:.2f} of the reference (rounds: {each})"))
    ceiling = processor_only(shared, pack, data)
    rows.append(("pure processor, no I/O", f"{ceiling:,.0f}", f"{ceiling / reference:.2f} of the reference"))
    if not quix:
        rows.append(("quix-streams", "not measured", "pip install -r bench/requirements-peers.txt"))
    if not confluent:
        rows.append(("confluent-kafka", "not measured", "pip install -r requirements-confluent.txt"))
    return rows


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def table(rows: list[tuple[str, str, str]]) -> str:
    width = max(len(r[0]) for r in rows)
    figure = max(len("records/s"), *(len(r[1]) for r in rows))
    lines = [f"{'measure':<{width}}  {'records/s':>{figure}}  note"]
    lines += [f"{a:<{width}}  {b:>{figure}}  {c}" for a, b, c in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = Settings.from_env()
    if base.embedded:
        print("set KAFKA_BOOTSTRAP_SERVERS (or run make bench)", file=sys.stderr)
        return 2
    assert base.kafka_bootstrap_servers is not None
    try:
        rows = run(base.kafka_bootstrap_servers, args.records, args.rounds)
    except NotAllProcessed as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
