"""Kafka -> graph, end to end on the real broker and each graph engine (``graph_url``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import samples as records
from gremlin_python.driver.driver_remote_connection import DriverRemoteConnection
from gremlin_python.process.anonymous_traversal import traversal
from gremlin_python.process.traversal import P
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from stream_helpers import RestartableBroker, read_topic, unique_prefix

from banking.streaming import EntityProducer
from banking.streaming.consumer import GraphSinkConsumer
from banking.streaming.dlq import replay, show
from banking.streaming.events import event_from_record
from banking.streaming.sink import RepositorySink

pytestmark = pytest.mark.integration


def id_base() -> int:
    """Ids no other run uses (the graph is shared between runs)."""
    return (os.getpid() * 1_000_003 + time.time_ns()) % (1 << 44) << 12


class Graph:
    """Counts by id, straight from the server (independent of the code under test)."""

    def __init__(self, url: str) -> None:
        self.connection = DriverRemoteConnection(url, "g")
        self.g = traversal().with_remote(self.connection)

    def edges(self, label: str, ids: list[str]) -> int:
        total = 0
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            total += self.g.E().has(label, "edge_id", P.within(chunk)).count().next()
        return total

    def vertices(self, label: str, ids: list[str]) -> int:
        total = 0
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            total += self.g.V().has(label, "entity_id", P.within(chunk)).count().next()
        return total

    def edge_values(self, label: str, ids: list[str], key: str) -> dict[str, object]:
        rows = (
            self.g.E()
            .has(label, "edge_id", P.within(ids))
            .project("id", "v")
            .by("edge_id")
            .by(key)
            .to_list()
        )
        return {row["id"]: row["v"] for row in rows}

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def graph(graph_url):
    g = Graph(graph_url)
    yield g
    g.close()


@pytest.fixture
def sink(graph_url):
    s = RepositorySink.connect(graph_url)
    yield s
    s.close()


def bank(base: int, accounts: int, transactions: int) -> dict[str, list[dict]]:
    accs = [records.account(base + i, owner=base + i) for i in range(accounts)]
    txns = [
        records.transaction(base + i, src=base + i % accounts, dst=base + (i + 1) % accounts)
        for i in range(transactions)
    ]
    return {"accounts": accs, "transactions": txns}


def produce(bootstrap, prefix, data, **kwargs) -> None:
    with EntityProducer(bootstrap, topic_prefix=prefix, **kwargs) as producer:
        for entity, rows in data.items():
            producer.send_records(entity, rows)


def consume(bootstrap, prefix, sink, **kwargs):
    with GraphSinkConsumer(
        sink, bootstrap, topic_prefix=prefix, group_id=prefix + "sink", **kwargs
    ) as consumer:
        return consumer.run()


def test_events_arrive_exactly_once_even_when_redelivered(kafka_bootstrap, sink, graph):
    prefix = unique_prefix("once")
    base = id_base()
    data = bank(base, 200, 2000)
    produce(kafka_bootstrap, prefix, data)
    stats = consume(kafka_bootstrap, prefix, sink)
    assert stats.consumed == 2200 and stats.dead_lettered == 0
    txn_ids = [r["txn_id"] for r in data["transactions"]]
    acc_ids = [r["account_id"] for r in data["accounts"]]
    assert graph.edges("transfer", txn_ids) == 2000
    assert graph.vertices("account", acc_ids) == 200
    # At-least-once redelivery: the same events again, consumed by a fresh group.
    produce(kafka_bootstrap, prefix, data)
    with GraphSinkConsumer(
        sink, kafka_bootstrap, topic_prefix=prefix, group_id=prefix + "again"
    ) as consumer:
        assert consumer.run().consumed == 4400
    assert graph.edges("transfer", txn_ids) == 2000
    assert graph.vertices("account", acc_ids) == 200
    # The first group is caught up: nothing more to apply.
    assert consume(kafka_bootstrap, prefix, sink).consumed == 2200


def test_poison_messages_land_in_the_dlq_and_the_rest_is_processed(kafka_bootstrap, sink, graph):
    prefix = unique_prefix("poison")
    base = id_base()
    good = bank(base, 10, 100)
    bad_payload = records.transaction(base + 999)
    bad_payload["amount"] = -1.0
    person = event_from_record("persons", records.person(base))
    with EntityProducer(kafka_bootstrap, topic_prefix=prefix) as producer:
        producer.send_records("transactions", good["transactions"][:50])
        producer.send_raw(prefix + "transactions", b"k1", b"this is not json")
        producer.send_records("transactions", [bad_payload])
        producer.send_raw(prefix + "transactions", person.key, person.to_bytes())
        producer.send_records("transactions", good["transactions"][50:])
        producer.send_records("accounts", good["accounts"])
    stats = consume(kafka_bootstrap, prefix, sink)
    assert stats.consumed == 113 and stats.dead_lettered == 3
    assert graph.edges("transfer", [r["txn_id"] for r in good["transactions"]]) == 100
    assert graph.edges("transfer", [bad_payload["txn_id"]]) == 0
    letters = show(kafka_bootstrap, prefix)
    assert b"this is not json" in [letter.value for letter in letters]  # original bytes kept
    reasons = " | ".join(letter.error for letter in letters)
    assert "JSON" in reasons.upper() and "amount" in reasons and "person event" in reasons
    assert {letter.source_topic for letter in letters} == {prefix + "transactions"}
    # Replay puts them back on their topic; they are still bad, so they come back to the DLQ.
    assert replay(kafka_bootstrap, prefix) == 3
    assert replay(kafka_bootstrap, prefix) == 0  # progress is committed
    assert consume(kafka_bootstrap, prefix, sink).dead_lettered == 3
    assert len(show(kafka_bootstrap, prefix)) == 6


def test_order_per_key_is_preserved_across_batches(kafka_bootstrap, sink, graph):
    prefix = unique_prefix("order")
    base = id_base()
    ids = [records.transaction(base + i)["txn_id"] for i in range(40)]
    with EntityProducer(kafka_bootstrap, topic_prefix=prefix, partitions=3) as producer:
        for version in range(1, 16):
            producer.send_batch(
                event_from_record(
                    "transactions",
                    records.transaction(base + i, amount=float(version)),
                    event_type="create" if version == 1 else "update",
                    version=version,
                )
                for i in range(40)
            )
    stats = consume(kafka_bootstrap, prefix, sink, batch_size=7)
    assert stats.consumed == 600 and stats.batches > 10
    assert graph.edge_values("transfer", ids, "amount") == {i: 15.0 for i in ids}


def test_broker_restart_mid_stream_loses_and_doubles_nothing(tmp_path, sink, graph):
    broker = RestartableBroker(tmp_path / "services")
    broker.start()
    try:
        prefix = unique_prefix("restart")
        base = id_base()
        data = bank(base, 100, 6000)
        txns = data["transactions"]
        producer = EntityProducer(broker.bootstrap, topic_prefix=prefix, timeout_s=180)
        producer.send_records("accounts", data["accounts"])
        producer.send_records("transactions", txns[:3000])
        producer.flush()
        consumer = GraphSinkConsumer(
            sink,
            broker.bootstrap,
            topic_prefix=prefix,
            group_id=prefix + "sink",
            batch_size=500,
            max_retries=60,
            timeout_s=180,
        )
        assert consumer.run(max_events=1500).consumed >= 1500
        broker.stop()
        producer.send_records("transactions", txns[3000:])  # queued while the broker is down
        broker.start()
        producer.close()  # flush: every queued event acknowledged after the restart
        assert producer.stats.sent == 6100 and producer.stats.failed == 0
        stats = consumer.run()
        consumer.close()
        assert stats.dead_lettered == 0
        ids = [r["txn_id"] for r in txns]
        assert graph.edges("transfer", ids) == 6000
        assert len(read_topic(broker.bootstrap, prefix + "transactions")) == 6000
    finally:
        broker.stop()


def test_sigterm_stops_the_consumer_after_a_final_commit(kafka_bootstrap, graph_url, graph):
    prefix = unique_prefix("sigterm")
    base = id_base()
    data = bank(base, 20, 3000)
    produce(kafka_bootstrap, prefix, data)
    command = [
        sys.executable,
        "-m",
        "banking.cli",
        "stream",
        "consume",
        "--follow",
        "--quiet",
        "--bootstrap",
        kafka_bootstrap,
        "--gremlin",
        graph_url,
        "--topic-prefix",
        prefix,
        "--batch-size",
        "500",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ids = [r["txn_id"] for r in data["transactions"]]
    deadline = time.monotonic() + 120
    while graph.edges("transfer", ids) < 3000 and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "consumed 3,020 events" in out
    consumer = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap,
        group_id=prefix + "graph-sink",
        enable_auto_commit=False,
    )
    try:
        tps = [
            TopicPartition(prefix + e, p)
            for e in ("accounts", "transactions")
            for p in sorted(consumer.partitions_for_topic(prefix + e))
        ]
        end = consumer.end_offsets(tps)
        assert {tp: consumer.committed(tp) or 0 for tp in tps} == end
    finally:
        consumer.close(autocommit=False)


def test_consumer_writes_concurrently_produced_events(kafka_bootstrap, sink, graph):
    """Follow mode picks up events produced while it runs."""
    prefix = unique_prefix("follow")
    base = id_base()
    data = bank(base, 10, 500)
    with EntityProducer(kafka_bootstrap, topic_prefix=prefix) as producer:
        producer.ensure_topics()  # the consumer reads topics, it does not create them
    consumer = GraphSinkConsumer(
        sink, kafka_bootstrap, topic_prefix=prefix, group_id=prefix + "sink"
    )
    thread = threading.Thread(target=consumer.run, kwargs={"follow": True})
    thread.start()
    try:
        produce(kafka_bootstrap, prefix, data)
        ids = [r["txn_id"] for r in data["transactions"]]
        deadline = time.monotonic() + 60
        while graph.edges("transfer", ids) < 500 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        consumer.stop()
        thread.join(timeout=60)
        consumer.close()
    assert graph.edges("transfer", ids) == 500
    assert consumer.stats.consumed == 510
