"""Measure producer settings and compare with Kafka's Java producer benchmark.

    python tools/stream_tuning.py --bootstrap 127.0.0.1:9092 --events 100000

For every codec x batch.size (``--batch-bytes``) it produces the same seeded transaction events
(acks=all, idempotence on) to a fresh topic and reports events/s and the bytes of the record
batches the broker stored, then runs ``org.apache.kafka.tools.ProducerPerformance`` (kafka-tools
jars in services/lib/kafka) on the same broker with the same record count and the average event
size, once with Java's defaults and once with the chosen Python settings. The output is the
markdown table kept in docs/streaming.md.
"""

from __future__ import annotations

import argparse
import gc
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from banking import defaults
from banking.commands import options
from banking.seeding import stream_rng
from banking.streaming.events import event_from_record
from banking.streaming.producer import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COMPRESSION,
    DEFAULT_LINGER_MS,
    EntityProducer,
)
from banking.streaming.topics import bootstrap_servers

CODECS = ("none", "gzip", "lz4", "zstd")
BATCH_BYTES = (16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024)
CHANNELS = ("wire", "ach", "card", "cash", "online", "mobile", "atm", "check")
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF")


def sample_transactions(n: int, seed: int = 42) -> list[dict[str, Any]]:
    """Seeded, varied transaction records (so compression sees realistic entropy)."""
    rng = stream_rng(seed, "streaming:tuning")
    accounts = rng.integers(0, 2**48, size=(n, 2))
    amounts = rng.lognormal(6.0, 1.5, size=n).round(2) + 0.01
    seconds = rng.integers(0, 365 * 86400, size=n)
    channel = rng.integers(0, len(CHANNELS), size=n)
    currency = rng.integers(0, len(CURRENCIES), size=n)
    base = 1_704_067_200  # 2024-01-01T00:00:00Z
    out = []
    for i in range(n):
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + int(seconds[i])))
        out.append(
            {
                "txn_id": f"TXN-{i:016X}",
                "from_account": f"ACC-{int(accounts[i, 0]):016X}",
                "to_account": f"ACC-{int(accounts[i, 1]) + 1:016X}",
                "amount": float(amounts[i]),
                "currency": CURRENCIES[int(currency[i])],
                "timestamp": ts,
                "channel": CHANNELS[int(channel[i])],
                "is_cross_border": bool(channel[i] == 0),
                "pattern_id": None,
            }
        )
    return out


def measure(
    bootstrap: str,
    records: list[dict[str, Any]],
    *,
    codec: str,
    batch_bytes: int,
    linger_ms: int,
    prefix: str,
    chunk: int = defaults.READ_BATCH,
) -> dict[str, Any]:
    """Events/s (queue to last acknowledgement) and stored batch bytes for one setting
    (``batch_bytes``: Kafka's batch.size)."""
    with EntityProducer(
        bootstrap,
        topic_prefix=prefix,
        compression_type=codec,
        batch_size=batch_bytes,
        linger_ms=linger_ms,
        partitions=3,
    ) as producer:
        producer.ensure_topics(["transactions"])
        started = time.perf_counter()
        for i in range(0, len(records), chunk):
            producer.send_records("transactions", records[i : i + chunk])
        stats = producer.flush()
        elapsed = time.perf_counter() - started
    return {
        "codec": codec,
        "batch_bytes": batch_bytes,
        "events_per_s": stats.sent / elapsed,
        "event_bytes": stats.bytes,
        "wire_bytes": stats.wire_bytes,
        "elapsed_s": elapsed,
    }


def default_kafka_lib() -> Path:
    """services/lib/kafka of the checkout the services use (``banking.services.settings``): the
    package's own folder is site-packages after a non-editable install."""
    from banking.services.settings import find_repo_root

    return find_repo_root() / "services" / "lib" / "kafka"


def java_producer_performance(
    bootstrap: str,
    topic: str,
    records: int,
    record_size: int,
    props: dict[str, Any],
    lib: Path | None = None,
) -> float | None:
    """records/s reported by Kafka's ProducerPerformance, or None if it cannot run."""
    java = shutil.which("java")
    lib = default_kafka_lib() if lib is None else lib
    if java is None or not lib.is_dir():
        return None
    # Topic names and numbers hold no spaces.
    arguments = f"--topic {topic} --num-records {records} --record-size {record_size}"
    command = [java, "-Xmx512m", "-cp", f"{lib}/*", "org.apache.kafka.tools.ProducerPerformance"]
    command += [*arguments.split(), "--throughput", "-1", "--producer-props"]
    command += [
        f"bootstrap.servers={bootstrap}",
        "acks=all",
        *(f"{k}={v}" for k, v in props.items()),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    found = re.findall(r"(\d+) records sent, ([\d.]+) records/sec", done.stdout)
    return float(found[-1][1]) if found else None


def serialisation(events: int = 20_000, repeat: int = 5) -> dict[str, float]:
    """Microseconds per event (best of ``repeat`` CPU-time runs) for each serialisation path,
    over varied transaction events, next to the json.dumps way of the reference system."""
    import json

    import orjson

    from banking.streaming.events import EntityEvent

    built = [event_from_record("transactions", r) for r in sample_transactions(events)]
    data = [e.to_bytes() for e in built]
    records = [e.payload for e in built]

    def each(function, items) -> None:
        for item in items:
            function(item)

    # Results are dropped as they are made (as timeit does), so the figures are the
    # serialiser's, not the allocator's cost of keeping 20,000 results alive.
    paths = {
        "to_bytes": lambda: each(EntityEvent.to_bytes, built),
        "from_bytes": lambda: each(EntityEvent.from_bytes, data),
        "orjson.loads alone (parsing floor of from_bytes)": lambda: each(orjson.loads, data),
        "model_dump_json": lambda: each(EntityEvent.model_dump_json, built),
        "event_from_record + to_bytes": lambda: each(
            lambda r: event_from_record("transactions", r).to_bytes(), records
        ),
        "json.dumps(model_dump) (reference)": lambda: each(
            lambda e: json.dumps(e.model_dump(mode="json")), built
        ),
    }
    out = {}
    for name, action in paths.items():
        best = float("inf")
        for _ in range(repeat):
            gc.disable()  # as timeit does: collector pauses are not the serialiser's cost
            try:
                start = time.process_time()
                action()
                best = min(best, time.process_time() - start)
            finally:
                gc.enable()
        out[name] = best / events * 1e6
    return out


class DiscardSink:
    """A GraphSink that counts and drops: measures the consumer without the graph."""

    def apply(self, upserts: Any, deletes: Any) -> int:
        return sum(map(len, upserts.values())) + sum(map(len, deletes.values()))

    def close(self) -> None:
        pass


def consume_to_graph(
    bootstrap: str,
    gremlin: str | None,
    events: int,
    batch_size: int = defaults.CONSUME_BATCH_SIZE,
    discard: bool = False,
) -> dict[str, float]:
    """Produce ``events`` transactions (plus their accounts' owners as bare vertices) to fresh
    topics, then time a GraphSinkConsumer writing them into the graph (or, with ``discard``,
    into a sink that drops them: the Kafka, decoding and validation side alone), as
    ``banking stream consume`` does (``batch_size`` events per graph write, requests in flight
    as it decides)."""
    from banking.services.own import gremlin_in_flight
    from banking.services.settings import gremlin_url
    from banking.streaming.consumer import GraphSinkConsumer
    from banking.streaming.sink import RepositorySink

    prefix = f"tune{int(time.time())}.consume."
    records = sample_transactions(events)
    with EntityProducer(bootstrap, topic_prefix=prefix) as producer:
        producer.send_records("transactions", records)
    url = gremlin_url(gremlin)
    sink: Any = (
        DiscardSink() if discard else RepositorySink.connect(url, in_flight=gremlin_in_flight(url))
    )
    try:
        with GraphSinkConsumer(
            sink, bootstrap, topic_prefix=prefix, group_id=prefix + "sink", batch_size=batch_size
        ) as consumer:
            cpu = time.process_time()
            stats = consumer.run()
            cpu = time.process_time() - cpu
    finally:
        sink.close()
    return {
        "events": stats.consumed,
        "events_per_s": stats.events_per_s,
        "client_cpu_us_per_event": cpu / max(stats.consumed, 1) * 1e6,
    }


FLAGS = {
    "--skip-java": "no Java ProducerPerformance comparison",
    "--serialisation": "only measure serialisation (no broker needed)",
    "--discard-sink": "with --consume: drop the events instead of writing them (Kafka side alone)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/stream_tuning.py", description=__doc__.split("\n\n")[0]
    )
    options.add_bootstrap(parser)
    options.add_number(parser, "--events", 100_000, "transaction events per setting")
    linger = "producer linger of every setting, milliseconds"
    options.add_number(parser, "--linger-ms", defaults.PRODUCER_LINGER_MS, linger, minimum=0)
    parser.add_argument(
        "--codecs", default=",".join(CODECS), help="codecs to measure (default %(default)s)"
    )
    parser.add_argument(
        "--batch-bytes",
        default=",".join(map(str, BATCH_BYTES)),
        metavar="BYTES,...",
        help="Kafka batch.size values to measure, in bytes (default %(default)s)",
    )
    for flag, text in FLAGS.items():
        parser.add_argument(flag, action="store_true", help=text)
    parser.add_argument(
        "--kafka-lib",
        type=Path,
        default=None,
        help="folder with the kafka-tools jars (default: services/lib/kafka of the checkout)",
    )
    consume = "only measure consuming N events into the graph (0: measure producing)"
    options.add_number(parser, "--consume", 0, consume, minimum=0)
    options.add_batch_size(
        parser, defaults.CONSUME_BATCH_SIZE, "with --consume: events per graph write"
    )
    options.add_gremlin(parser)
    args = parser.parse_args(argv)
    if args.consume:
        result = consume_to_graph(
            bootstrap_servers(args.bootstrap),
            args.gremlin,
            args.consume,
            batch_size=args.batch_size,
            discard=args.discard_sink,
        )
        where = "a discarding sink" if args.discard_sink else "the graph"
        print(
            f"consumed {result['events']:,} events into {where}: "
            f"{result['events_per_s']:,.0f} events/s, "
            f"{result['client_cpu_us_per_event']:.0f} µs client CPU per event"
        )
        return 0
    if args.serialisation:
        print("| path | µs per event |\n|---|---:|")
        for name, micros in serialisation().items():
            print(f"| {name} | {micros:.2f} |")
        return 0
    bootstrap = bootstrap_servers(args.bootstrap)
    records = sample_transactions(args.events)
    sizes = [len(event_from_record("transactions", r).to_bytes()) for r in records[:1000]]
    avg_size = round(sum(sizes) / len(sizes))
    run_id = f"tune{int(time.time())}"
    # Warm up the broker and the client (topic creation, JIT of the broker's paths).
    measure(
        bootstrap,
        records[:20_000],
        codec="lz4",
        batch_bytes=65536,
        linger_ms=5,
        prefix=f"{run_id}.warm.",
    )
    rows = []
    print(
        f"{args.events:,} transaction events, average {avg_size} bytes, acks=all, "
        f"idempotence on, linger_ms={args.linger_ms}, 3 partitions\n"
    )
    print("| codec | batch.size | events/s | MB events | MB on the wire | wire/event |")
    print("|---|---:|---:|---:|---:|---:|")
    for codec in args.codecs.split(","):
        for batch_bytes in (int(b) for b in args.batch_bytes.split(",")):
            row = measure(
                bootstrap,
                records,
                codec=codec,
                batch_bytes=batch_bytes,
                linger_ms=args.linger_ms,
                prefix=f"{run_id}.{codec}{batch_bytes}.",
            )
            rows.append(row)
            print(
                f"| {codec} | {batch_bytes // 1024} KiB | {row['events_per_s']:,.0f} | "
                f"{row['event_bytes'] / 1e6:.1f} | {row['wire_bytes'] / 1e6:.1f} | "
                f"{row['wire_bytes'] / args.events:.0f} B |",
                flush=True,
            )
    default = measure(
        bootstrap,
        records,
        codec=DEFAULT_COMPRESSION,
        batch_bytes=DEFAULT_BATCH_SIZE,
        linger_ms=DEFAULT_LINGER_MS,
        prefix=f"{run_id}.default.",
    )
    print(
        f"\nEntityProducer defaults ({DEFAULT_COMPRESSION}, {DEFAULT_BATCH_SIZE // 1024} KiB, "
        f"linger {DEFAULT_LINGER_MS} ms): {default['events_per_s']:,.0f} events/s"
    )
    if args.skip_java:
        return 0
    from banking.streaming.topics import ensure_topics

    java_topic = f"{run_id}.java"
    ensure_topics(bootstrap, [java_topic], partitions=3)
    plain = java_producer_performance(
        bootstrap, java_topic, args.events, avg_size, {}, args.kafka_lib
    )
    tuned = java_producer_performance(
        bootstrap,
        java_topic,
        args.events,
        avg_size,
        {
            "compression.type": DEFAULT_COMPRESSION,
            "batch.size": DEFAULT_BATCH_SIZE,
            "linger.ms": DEFAULT_LINGER_MS,
        },
        args.kafka_lib,
    )
    for label, value in (("Java defaults", plain), ("Java with the same settings", tuned)):
        if value is None:
            print(f"{label}: ProducerPerformance did not run", file=sys.stderr)
            continue
        print(
            f"ProducerPerformance, {label}: {value:,.0f} records/s; "
            f"EntityProducer / Java = {default['events_per_s'] / value:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
