"""Warm-up traffic for freshly started services, so that what is measured next is not the JIT.

A JVM runs its first minutes interpreted and compiling: an ``asv run`` started seconds after
``up`` read ``graph_load`` 2.1x slower and the producer's throughput 0.3x of the same commit
run minutes later, and asv would publish that as a regression. ``warm`` sends each service a
few seconds of the traffic the benchmarks send (batched upserts, point reads and deletes;
produce and fetch with every codec) and leaves nothing behind: the warm-up vertices and edges
are deleted and the topic is removed, whether the traffic completed or not.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import uuid
from collections.abc import Callable

from banking.defaults import OWN_SERVER_IN_FLIGHT
from banking.errors import ServiceUnavailable, UsageError

LABEL = "warmup"  # vertex label; ids carry the WARM- prefix, which no generated id has
EDGE_LABEL = "warmup_link"
ROWS = 2_000
CODECS = (None, "gzip", "lz4", "zstd")
MESSAGES = 5_000


def check_seconds(seconds: float) -> float:
    if not 0 < seconds < math.inf:
        raise UsageError(f"--seconds must be a positive number, got {seconds}")
    return seconds


def _until(seconds: float) -> Callable[[], bool]:
    deadline = time.monotonic() + check_seconds(seconds)
    return lambda: time.monotonic() < deadline


def gremlin(url: str, seconds: float, in_flight: int = OWN_SERVER_IN_FLIGHT) -> int:
    """Batched vertex and edge upserts, point reads and deletes for ``seconds``; returns the
    number of elements written. ``in_flight`` 1 for JanusGraph: its default schema maker
    creates the warm-up's undeclared keys and labels, and two transactions creating the same
    one at once fail on its lock."""
    from banking_repository import GraphRepository

    tag = uuid.uuid4().hex[:8]
    ids = [f"WARM-{tag}-{i:05d}" for i in range(ROWS)]
    vertices = [
        {"entity_id": v, "name": f"warm {i}", "amount": i / 7, "n": i, "flag": i % 2 == 0}
        for i, v in enumerate(ids)
    ]
    edges = [
        {"edge_id": f"{v}-E", "from_id": v, "to_id": ids[(i + 1) % ROWS]} for i, v in enumerate(ids)
    ]
    for edge in edges:
        edge["from_label"] = edge["to_label"] = LABEL
    going, written = _until(seconds), 0
    # Warm-up targets the project's own server (gremlinPool: 1), so it warms the pipelined path
    # that load and consume use there.
    with GraphRepository(url, in_flight=in_flight) as repo:
        try:
            while going():
                written += repo.upsert_vertices(LABEL, vertices)
                written += repo.upsert_edges(EDGE_LABEL, edges)
                for entity_id in ids[:100]:
                    repo.get_vertex(entity_id, LABEL)
                repo.delete_vertices(LABEL, ids)
        finally:
            repo.delete_vertices(LABEL, ids)
    return written


def kafka(bootstrap: str, seconds: float) -> int:
    """Produce (each codec in turn) and fetch back ~500-byte messages on a scratch topic for
    ``seconds``; returns the number of messages fetched."""
    from kafka.errors import KafkaError

    try:
        return _kafka_traffic(bootstrap, seconds)
    except KafkaError as exc:
        raise ServiceUnavailable(f"kafka warm-up at {bootstrap} failed: {exc}") from None


def _kafka_traffic(bootstrap: str, seconds: float) -> int:
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
    from kafka.admin import NewTopic

    topic = f"warmup-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    value = b"x" * 480
    going, fetched, round_ = _until(seconds), 0, 0
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="banking-warmup")
    try:
        admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
        consumer = KafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
        )
        try:
            while going():
                codec = CODECS[round_ % len(CODECS)]
                round_ += 1
                producer = KafkaProducer(
                    bootstrap_servers=bootstrap, compression_type=codec, linger_ms=5
                )
                try:
                    for i in range(MESSAGES):
                        producer.send(topic, key=str(i).encode(), value=value)
                    producer.flush()
                finally:
                    producer.close()
                wanted = fetched + MESSAGES
                while fetched < wanted and going():
                    batches = consumer.poll(timeout_ms=500)
                    fetched += sum(len(records) for records in batches.values())
        finally:
            consumer.close()
    finally:
        # A topic that was never created has nothing to delete; the error that stopped the
        # warm-up is the one to report.
        with contextlib.suppress(Exception):
            admin.delete_topics([topic])
        admin.close()
    return fetched
