"""Consumer throughput against a raw kafka-python consume loop over the same records, in the same run.

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 python -m bench.throughput [--records 200000] [--rounds 3]

(`make bench` starts a broker and runs this.) The baselines read every record of the three input topics
with a plain ``KafkaConsumer`` and do nothing with it, or only ``json.loads`` it: the ceiling for any Python
consumer of JSON records with this client (both with the ``crc32c`` package the product depends on). The
measured path is the product's ``ConsumerRunner``: decode, validate, windows, rules, district scores,
changelog and state published and acknowledged, offsets committed. Rounds alternate between the loops so
that machine noise hits all of them; the figures are medians.

Every round gets topics of its own (the same records produced again), and checks that the consumer processed
every record it was fed: with one set of topics, rounds after the first restored the state the first round had
written and skipped every record as already reflected (200,000 of 200,000 replayed), so they timed nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka.consumer import KafkaConsumer
from kafka.producer import KafkaProducer
from kafka.structs import TopicPartition

from consumers.citypack import CityPack, load_city_pack
from consumers.clock import SystemClock
from consumers.contract import topic_suffix
from consumers.gc_policy import FlushCollector
from consumers.processor import Processor, ProcessorConfig
from consumers.runner import ConsumerRunner
from consumers.settings import Settings, Topics
from consumers.testing import MessageFactory
from consumers.transport import open_transport, topic_specs
from consumers.transport.kafka import KafkaTransport
from simulator.model import CitySimulator


def simulated(pack: CityPack, records: int) -> list[tuple[str, bytes, bytes]]:
    """``records`` valid readings from the simulator, ending now: (domain, key, value)."""
    span_h = records / 1.1 / 3600 + 1  # the Guiyang pack reports about 1.2 records per second of event time
    start = datetime.now(UTC) - timedelta(hours=span_h)
    sim = CitySimulator(pack, seed=1, start=start, scenario="demo")
    out = []
    for reading in sim.until(datetime.now(UTC)):
        out.append((topic_suffix(reading.type), reading.district.encode(), reading.encode()))
        if len(out) == records:
            break
    return out


def produce(settings: Settings, data: list[tuple[str, bytes, bytes]]) -> None:
    assert settings.kafka_bootstrap_servers
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=20, batch_size=512 * 1024)
    for domain, key, value in data:
        producer.send(settings.topics.for_domain(domain), key=key, value=value)
    producer.flush()
    producer.close()


def raw_loop(settings: Settings, expected: int, decode: bool = False) -> float:
    """Seconds for a bare kafka-python loop to receive every record (the reference loop of kafka.benchmarks);
    with ``decode``, it also ``json.loads`` each value: the fair ceiling for a consumer of JSON records."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
    tps = [TopicPartition(t, p) for t in settings.topics.inputs for p in range(settings.partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    started = time.perf_counter()
    seen = 0
    while seen < expected:
        for records in consumer.poll(timeout_ms=500, max_records=2000).values():
            seen += len(records)
            if decode:
                for record in records:
                    json.loads(record.value)
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def product_loop(settings: Settings, pack: CityPack, expected: int, client: str = "kafka-python") -> tuple[float, int]:
    """Seconds for the product's consumer (on the Kafka client ``client``, ``CITYOPS_KAFKA_CLIENT``) to turn every
    record into published, committed state, and how many it dead-lettered. Exits if it did not process exactly the
    records it was fed (a replay times nothing)."""
    group = replace(settings, consumer_group=f"bench-{uuid.uuid4().hex[:6]}", flush_interval_s=1.0, kafka_client=client)
    collector = FlushCollector(full_every_s=settings.consumer_full_gc_every_s)  # as ``python -m consumers`` has
    runner = ConsumerRunner(group, open_transport(group), pack, SystemClock(), "bench", collector=collector)
    runner.open()
    collector.start()
    started = time.perf_counter()
    p = runner.processor
    while sum(p.consumed.values()) + sum(p.deadlettered.values()) + p.replayed < expected:
        runner.step(timeout_s=0.5)
    runner.flush()
    elapsed = time.perf_counter() - started
    collector.stop()
    dead = sum(p.deadlettered.values())
    processed = sum(p.consumed.values())
    runner.close()
    if p.replayed or processed + dead != expected:
        raise SystemExit(
            f"the consumer on {client} did not do the work it was timed for: fed {expected}, processed {processed}, "
            f"dead-lettered {dead}, skipped as replays {p.replayed}"
        )
    return elapsed, dead


def processor_only(settings: Settings, pack: CityPack, data: list[tuple[str, bytes, bytes]]) -> float:
    """Records per second through the pure processor, no I/O at all (where the CPU time goes)."""
    factory = MessageFactory(settings)
    messages = [factory.raw(settings.topics.for_domain(d), v, k) for d, k, v in data]
    processor = Processor(pack, ProcessorConfig(settings.partitions), SystemClock())
    processor.assign(range(settings.partitions))
    started = time.perf_counter()
    for m in messages:
        processor.process(m)
    processor.drain()
    return len(messages) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = Settings.from_env()
    if base.embedded:
        print("set KAFKA_BOOTSTRAP_SERVERS (or run make bench)", file=sys.stderr)
        return 2

    for row in run(base, args.records, args.rounds):
        print(" | ".join(row))
    return 0


def run(base: Settings, records: int = 200_000, rounds: int = 3) -> list[tuple[str, str, str]]:
    """Alternating rounds of the bare loops and the product on fresh topics; rows (measure, figure, target)."""
    run_id = uuid.uuid4().hex[:6]
    pack = load_city_pack(base.city_dir)
    data = simulated(pack, records)
    print(f"{len(data)} simulated records per round on the three input topics, {base.partitions} partitions each")
    raw, raw_json, ours = [], [], []
    for i in range(rounds):
        settings = replace(base, topics=Topics(f"bench{run_id}r{i}"))  # fresh topics: nothing to restore or skip
        KafkaTransport(str(settings.kafka_bootstrap_servers)).ensure_topics(topic_specs(settings))
        produce(settings, data)
        raw.append(len(data) / raw_loop(settings, len(data)))
        raw_json.append(len(data) / raw_loop(settings, len(data), decode=True))
        elapsed, dead = product_loop(settings, pack, len(data))
        ours.append(len(data) / elapsed)
        print(
            f"round {i + 1}: bare kafka-python {raw[-1]:,.0f} rec/s, with json.loads {raw_json[-1]:,.0f}, "
            f"product consumer {ours[-1]:,.0f} (every record processed, {dead} dead-lettered)"
        )
    r, rj, o = statistics.median(raw), statistics.median(raw_json), statistics.median(ours)
    pure = processor_only(settings, pack, data)
    return [
        ("bare kafka-python loop", f"{r:,.0f} rec/s", ""),
        ("bare kafka-python loop + json.loads", f"{rj:,.0f} rec/s", ""),
        ("product consumer (state published, committed)", f"{o:,.0f} rec/s", ""),
        ("product / bare + json.loads", f"{o / rj:.2f}", ">= 0.8"),
        ("pure processor, no I/O", f"{pure:,.0f} rec/s", ""),
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
