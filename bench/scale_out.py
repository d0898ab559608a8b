"""What limits the product on a real cluster, measured: restore time per GB of changelog, and how long a new web
worker takes to catch up on a ``city.state`` of 100,000 keys.

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 python -m bench.scale_out [--sensors-k 100] [--state-keys 100000]

Restore: the changelog the processor writes for the Guiyang pack with every sensor cloned ``k`` times (as in
``bench.city_scale``), compacted as the broker would keep it, is produced to a fresh changelog topic; a new
consumer then rebuilds its state from it exactly as after a rebalance (``ConsumerRunner.restore``). The check:
every sensor that had state is back.

Catch-up: ``--state-keys`` sensor views of the product's real shape and size are produced to a fresh state topic,
and a new ``StateView`` (what each web worker runs) is timed until it holds all of them.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from kafka.producer import KafkaProducer

from bench.city_scale import messages_for, scaled_pack, simulated_readings
from consumers.citypack import CityPack, load_city_pack
from consumers.clock import ManualClock, SystemClock
from consumers.processor import Processor, ProcessorConfig
from consumers.runner import ConsumerRunner
from consumers.settings import Settings, Topics
from consumers.transport import topic_specs
from consumers.transport.kafka import KafkaTransport
from dashboard.state_view import StateView


def changelog_of(settings: Settings, k: int, records: int) -> tuple[list[tuple[bytes, bytes, int]], int, CityPack]:
    """The compacted changelog of ``records`` readings of the ``k``-times city, and how many sensors it holds."""
    base = load_city_pack(settings.city_dir)
    pack = scaled_pack(base, k)
    readings = simulated_readings(base, records, datetime.now(UTC))
    messages, times = messages_for(settings, readings, k)
    clock = ManualClock(times[0])
    processor = Processor(pack, ProcessorConfig(settings.partitions), clock)
    processor.assign(range(settings.partitions))
    latest: dict[bytes, tuple[bytes | None, int]] = {}
    for start in range(0, len(messages), 5000):
        clock.set(max(times[start : start + 5000]))
        for m in messages[start : start + 5000]:
            processor.process(m)
        for key, value, partition in processor.drain().changelog:
            latest[key] = (value, partition)
    kept = [(key, value, partition) for key, (value, partition) in latest.items() if value is not None]
    return kept, len(processor.sensors), pack


def produce(
    bootstrap: str, topic: str, records: list[tuple[bytes, bytes, int]] | list[tuple[bytes, bytes, None]]
) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=512 * 1024, max_request_size=2**20)
    for key, value, partition in records:
        producer.send(topic, key=key, value=value, partition=partition)
    producer.flush()
    producer.close()


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def restore_figures(base: Settings, k: int, records: int) -> tuple[float, float, int, float]:
    """(seconds, MiB, sensors, MiB of resident memory the restored state added) for a new consumer to rebuild the
    state of every partition."""
    settings = replace(base, topics=Topics(f"scale{uuid.uuid4().hex[:6]}"))
    assert settings.kafka_bootstrap_servers
    changelog, sensors, pack = changelog_of(settings, k, records)
    transport = KafkaTransport(settings.kafka_bootstrap_servers)
    transport.ensure_topics(topic_specs(settings))
    produce(settings.kafka_bootstrap_servers, settings.topics.changelog, list(changelog))
    mib = sum(len(key) + len(value) for key, value, _ in changelog) / 2**20
    del changelog
    gc.collect()
    runner = ConsumerRunner(settings, transport, pack, SystemClock(), "scale")
    before = rss_mib()
    started = time.perf_counter()
    runner.restore(list(range(settings.partitions)))
    elapsed = time.perf_counter() - started
    grown = rss_mib() - before
    if len(runner.processor.sensors) != sensors:
        raise SystemExit(f"restored {len(runner.processor.sensors)} sensors of {sensors}: the restore timed nothing")
    runner.close()
    return elapsed, mib, sensors, grown


def catch_up_figures(base: Settings, keys: int) -> tuple[float, float, float]:
    """(seconds, MiB, MiB of resident memory it added) for a new state view to hold ``keys`` sensor views."""
    settings = replace(base, topics=Topics(f"scale{uuid.uuid4().hex[:6]}"))
    assert settings.kafka_bootstrap_servers
    transport = KafkaTransport(settings.kafka_bootstrap_servers)
    transport.ensure_topics(topic_specs(settings))
    pack = load_city_pack(settings.city_dir)
    processor = Processor(pack, ProcessorConfig(settings.partitions), SystemClock())
    processor.assign(range(settings.partitions))
    factory_readings = simulated_readings(pack, 400, datetime.now(UTC))
    for m in messages_for(settings, factory_readings, 1)[0]:
        processor.process(m)
    views = [value for key, value in processor.drain().state if key.startswith(b"sensor:") and value]
    records = [(f"sensor:S{i:06d}".encode(), views[i % len(views)], None) for i in range(keys)]
    produce(settings.kafka_bootstrap_servers, settings.topics.state, records)
    mib = sum(len(k) + len(v) for k, v, _ in records) / 2**20
    del records
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    view = StateView(settings, transport).start()
    try:
        if not view.wait_until(lambda snap: len(snap.of_kind("sensor")) >= keys, timeout_s=600):
            raise SystemExit(f"the state view did not reach {keys} keys in 600 s")
        return time.perf_counter() - started, mib, rss_mib() - before
    finally:
        view.stop()


def run(base: Settings, k: int = 100, records: int = 100_000, keys: int = 100_000) -> list[tuple[str, str, str]]:
    seconds, mib, sensors, state_mib = restore_figures(base, k, records)
    print(f"restore: {sensors:,} sensors, {mib:.1f} MiB of changelog in {seconds:.1f} s, +{state_mib:.0f} MiB RSS")
    catch_s, catch_mib, view_mib = catch_up_figures(base, keys)
    print(f"catch-up: {keys:,} state keys, {catch_mib:.1f} MiB, in {catch_s:.1f} s, +{view_mib:.0f} MiB RSS")
    return [
        (f"restore, changelog of the {k}x city", f"{mib:.1f} MiB, {sensors:,} sensors in {seconds:.1f} s", ""),
        ("restore time per GiB of changelog", f"{seconds / mib * 1024 / 60:.0f} min", ""),
        ("consumer state per sensor (resident)", f"{state_mib * 1024 / sensors:.1f} KiB", ""),
        (
            f"new web worker catching up on {keys:,} state keys",
            f"{catch_s:.1f} s ({catch_mib:.0f} MiB of records, +{view_mib:.0f} MiB resident)",
            "",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sensors-k", type=int, default=100)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--state-keys", type=int, default=100_000)
    args = parser.parse_args()
    base = Settings.from_env()
    if base.embedded:
        print("set KAFKA_BOOTSTRAP_SERVERS (or run make bench)", file=sys.stderr)
        return 2
    for row in run(base, args.sensors_k, args.records, args.state_keys):
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
