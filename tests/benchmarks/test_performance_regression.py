"""Performance regression suite (pytest-benchmark): the hot paths at small sizes, each checked.

asv (``benchmarks/``) keeps the history; this suite is the quick guard a developer runs before
pushing: ``tools/perf_regression.py`` compares a run with the committed baseline under
``results/pytest-benchmark/`` and fails on a slowdown beyond a generous factor (README,
"Performance regression tests"). Every benchmark also asserts that what it timed is right
(counts, known ids, round trips, injected ground truth found), so a "speed-up" that breaks the
output fails here first.

Sizes are small so the whole file takes well under a minute and a half with the services up.
Stateful work (a generator continues its stream, a consumer group its offsets) gets a fresh
object per round from ``benchmark.pedantic(setup=...)``, outside the timing. Streaming and graph
benchmarks need the real services (``services/run.sh up``): they skip without them, or fail
when ``BANKING_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from banking.data_generators.core import AccountGenerator, CompanyGenerator, PersonGenerator
from banking.data_generators.events import CommunicationGenerator, TransactionGenerator
from banking.data_generators.orchestration import generate_bank
from banking.data_generators.patterns import PatternContext, inject
from banking.dataset import DatasetReader
from banking.ids import IdSequence
from banking.seeding import stream_rng
from banking.streaming import EntityEvent, event_from_record

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the asv suite's helpers
from benchmarks.common import delete_topics

pytestmark = pytest.mark.perf


def cpu_time(group: str) -> pytest.MarkDecorator:
    """Timed in this process's CPU time (all its threads): other processes on a shared machine
    move it far less than wall-clock time (between runs: up to 4x wall clock, 2x CPU time).
    For everything that computes here, including the producer's side of Kafka."""
    return pytest.mark.benchmark(group=group, timer=time.process_time)


def wall_clock(group: str) -> pytest.MarkDecorator:
    """Timed in wall-clock time: the time goes into Gremlin Server (and a Kafka consumer group
    join), which CPU time would miss."""
    return pytest.mark.benchmark(group=group)


SEED = 42
ENTITIES = 1_000  # per generate_batch / generate_columns call
BANK_SCALE = 0.001  # ~7,000 records, every typology
TYPOLOGY_COUNT = 20  # pattern instances per inject call
EVENTS = 2_000  # serialised / produced per round
QUERY_SEED = 9_107  # the loaded bank's own ids: disjoint from other tests' and asv's banks
CONSUME_SEED = 9_151

# short name -> (class, IdSequence kind, id field)
GENERATORS = {
    "persons": (PersonGenerator, "person", "person_id"),
    "companies": (CompanyGenerator, "company", "company_id"),
    "accounts": (AccountGenerator, "account", "account_id"),
    "transactions": (TransactionGenerator, "transaction", "txn_id"),
    "communications": (CommunicationGenerator, "communication", "comm_id"),
}


# --- shared data ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def id_bank() -> dict[str, list[str]]:
    """Ids of a 500-customer bank straight from ``banking.ids``: what dependent generators and
    typologies draw over (the shape asv's ``benchmarks/common.id_bank`` uses)."""
    persons = IdSequence(SEED, "person", "core").take(500).tolist()
    companies = IdSequence(SEED, "company", "core").take(50).tolist()
    accounts = IdSequence(SEED, "account", "core").take(600).tolist()
    owners = persons + companies
    picks = stream_rng(SEED, "perf:account-owners").integers(0, len(owners), len(accounts))
    return {
        "person_ids": persons,
        "company_ids": companies,
        "account_ids": accounts,
        "account_owner_ids": [owners[i] for i in picks.tolist()],
    }


def fresh_generator(kind: str, bank: dict[str, list[str]]) -> Any:
    cls = GENERATORS[kind][0]
    if kind in ("persons", "companies"):
        return cls(SEED)
    if kind == "accounts":
        return cls(SEED, bank["person_ids"] + bank["company_ids"])
    if kind == "transactions":
        return cls(SEED, bank["account_ids"])
    return cls(SEED, bank["person_ids"])


def fresh_each_round(factory: Callable[[], Any]) -> Callable[[], tuple[tuple[Any], dict]]:
    """A pedantic ``setup``: a new object per round, so every round times the same work."""
    return lambda: ((factory(),), {})


def expected_ids(kind: str, n: int) -> list[str]:
    """A fresh generator's first ``n`` ids: its kind's core ``IdSequence``."""
    return IdSequence(SEED, GENERATORS[kind][1], "core").take(n).tolist()


# kind -> (fields holding references, the id lists they must come from)
REFERENCES = {
    "accounts": (("owner_id",), ("person_ids", "company_ids")),
    "transactions": (("from_account", "to_account"), ("account_ids",)),
    "communications": (("from_person", "to_person"), ("person_ids",)),
}


def check_references(kind: str, column: Callable[[str], list], bank: dict[str, list]) -> None:
    """Dependent generators only draw over the ids they were given."""
    if kind not in REFERENCES:
        return
    names, sources = REFERENCES[kind]
    allowed = {i for source in sources for i in bank[source]}
    for name in names:
        assert set(column(name)) <= allowed, name


# --- generation -----------------------------------------------------------------------------------


@cpu_time("generation")
@pytest.mark.parametrize("kind", list(GENERATORS))
def test_generate_batch(benchmark, id_bank, kind):
    models = benchmark.pedantic(
        lambda generator: generator.generate_batch(ENTITIES),
        setup=fresh_each_round(lambda: fresh_generator(kind, id_bank)),
        rounds=15,
        warmup_rounds=1,
    )
    id_field = GENERATORS[kind][2]
    assert [getattr(m, id_field) for m in models] == expected_ids(kind, ENTITIES)
    check_references(kind, lambda name: [getattr(m, name) for m in models], id_bank)


@cpu_time("generation")
@pytest.mark.parametrize("kind", list(GENERATORS))
def test_generate_columns(benchmark, id_bank, kind):
    columns = benchmark.pedantic(
        lambda generator: generator.generate_columns(ENTITIES),
        setup=fresh_each_round(lambda: fresh_generator(kind, id_bank)),
        rounds=15,
        warmup_rounds=1,
    )
    id_field = GENERATORS[kind][2]
    assert all(len(values) == ENTITIES for values in columns.values())
    assert np.asarray(columns[id_field]).tolist() == expected_ids(kind, ENTITIES)
    check_references(kind, lambda name: np.asarray(columns[name]).tolist(), id_bank)
    # The columnar path and the model path are the same data.
    generator = fresh_generator(kind, id_bank)
    assert generator.models_from_columns(columns) == fresh_generator(kind, id_bank).generate_batch(
        ENTITIES
    )


@cpu_time("generation")
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_generate_bank(benchmark, tmp_path, fmt):
    out = tmp_path / "bank"
    summary = benchmark.pedantic(
        lambda: generate_bank(BANK_SCALE, SEED, out_dir=out, fmt=fmt, overwrite=True),
        rounds=5,
        warmup_rounds=1,
    )
    reader = DatasetReader(out)
    for entity, count in summary.counts.items():
        assert reader.count(entity) == count, entity
    assert len(summary.typologies) == 11 and min(summary.typologies.values()) > 0
    patterns = reader.patterns()
    assert len(patterns) == summary.counts["patterns"] == sum(summary.typologies.values())
    transfers = {r["txn_id"] for r in reader.iter_records("transactions")}
    assert {t for p in patterns for t in p.transaction_ids} <= transfers


# --- typologies -----------------------------------------------------------------------------------


def _hops(result: Any) -> dict[str, tuple[str, str]]:
    return {t.txn_id: (t.from_account, t.to_account) for t in result.transactions}


def check_structuring(result: Any) -> None:
    by_id = {t.txn_id: t for t in result.transactions}
    for pattern in result.patterns:
        expected = pattern.expected
        deposits = [by_id[t] for t in pattern.transaction_ids]
        assert all(t.to_account == expected["account"] for t in deposits)
        assert all(t.amount < expected["threshold"] for t in deposits)
        assert sum(t.amount for t in deposits) > expected["threshold"]


def check_fan_in(result: Any) -> None:
    hops = _hops(result)
    for pattern in result.patterns:
        hub = pattern.expected["hub"]
        senders = {hops[t][0] for t in pattern.transaction_ids if hops[t][1] == hub}
        assert senders >= set(pattern.expected["sources"])
        assert len(senders) >= pattern.expected["degree"]


def check_cycle(result: Any) -> None:
    hops = _hops(result)
    for pattern in result.patterns:
        ring = pattern.expected["cycle"]
        walked = [hops[t] for t in pattern.expected["transactions"]]
        assert walked == [(ring[i], ring[(i + 1) % len(ring)]) for i in range(len(ring))]


def check_ownership_chain(result: Any) -> None:
    owners = defaultdict(set)
    for link in result.ownership_links:
        owners[link.company_id].add(link.owner_id)
    for pattern in result.patterns:
        expected = pattern.expected
        assert expected["ubos"]
        assert all(pct >= expected["threshold"] for pct in expected["ubos"].values())
        # Every ownership path of the ground truth is a chain of injected links.
        for person in expected["ubos"]:
            for chain in expected["chains"][person]:
                assert chain[0] == person and chain[-1] == expected["company"]
                assert all(a in owners[b] for a, b in itertools.pairwise(chain))


TYPOLOGY_CHECKS = {
    "structuring": check_structuring,
    "fan_in": check_fan_in,
    "cycle": check_cycle,
    "ownership_chain": check_ownership_chain,
}


@cpu_time("typologies")
@pytest.mark.parametrize("typology", list(TYPOLOGY_CHECKS))
def test_inject_typology(benchmark, id_bank, typology):
    ctx = PatternContext(**id_bank)
    # A pure function of its arguments: as many rounds as fit in --benchmark-max-time.
    result = benchmark(inject, typology, ctx, TYPOLOGY_COUNT, SEED)
    assert len(result.patterns) == TYPOLOGY_COUNT
    assert {p.typology.value for p in result.patterns} == {typology}
    labelled = {t for p in result.patterns for t in p.transaction_ids}
    assert labelled == {t.txn_id for t in result.transactions}
    TYPOLOGY_CHECKS[typology](result)


# --- serialisation --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def events(id_bank) -> list[EntityEvent]:
    generator = fresh_generator("transactions", id_bank)
    return [
        event_from_record("transactions", m.model_dump(mode="json"))
        for m in generator.generate_batch(EVENTS)
    ]


@cpu_time("serialisation")
def test_event_to_bytes(benchmark, events):
    blobs = benchmark(lambda: [e.to_bytes() for e in events])
    assert [EntityEvent.from_bytes(b) for b in blobs] == events


@cpu_time("serialisation")
def test_event_from_bytes(benchmark, events):
    blobs = [e.to_bytes() for e in events]
    decoded = benchmark(lambda: [EntityEvent.from_bytes(b) for b in blobs])
    assert decoded == events


@cpu_time("serialisation")
def test_event_model_dump_json(benchmark, events):
    texts = benchmark(lambda: [e.model_dump_json() for e in events])
    assert [orjson.loads(t)["entity_id"] for t in texts] == [e.entity_id for e in events]
    assert [EntityEvent.from_bytes(t) for t in texts] == events


# --- streaming (Kafka, Gremlin Server) ------------------------------------------------------------


def unique_prefix(name: str) -> str:
    """Topic prefix / group id no other run uses (names only, never part of data)."""
    return f"perf{os.getpid()}{time.monotonic_ns() % 10**9}.{name}."


def end_offsets_total(bootstrap: str, topic: str) -> int:
    """Messages in ``topic`` (all partitions), read from the broker itself."""
    from kafka import KafkaConsumer
    from kafka.structs import TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(ends.values())
    finally:
        consumer.close(autocommit=False)


@cpu_time("streaming")
@pytest.mark.integration
def test_produce_send_batch_flush(benchmark, kafka_bootstrap, events):
    from banking.streaming import EntityProducer

    calls = []  # rounds + warm-up, or a single call under --benchmark-disable
    with EntityProducer(kafka_bootstrap, topic_prefix=unique_prefix("produce")) as producer:
        producer.ensure_topics(["transactions"])
        topic = producer.topic_for("transactions")
        try:

            def produce() -> Any:
                calls.append(producer.send_batch(events))
                return producer.flush()

            stats = benchmark.pedantic(produce, rounds=10, warmup_rounds=1)
            assert stats.failed == 0
            assert calls == [EVENTS] * len(calls)
            assert stats.sent == stats.queued == len(calls) * EVENTS
            assert end_offsets_total(kafka_bootstrap, topic) == len(calls) * EVENTS
        finally:
            delete_topics(kafka_bootstrap, [topic, producer.dlq_topic])


def _small_bank_events() -> tuple[list[EntityEvent], dict[str, list[str]]]:
    """Create events of a ~400-record bank (persons, companies, accounts, transfers) and the ids
    per vertex label."""
    persons = PersonGenerator(CONSUME_SEED).generate_batch(50)
    companies = CompanyGenerator(CONSUME_SEED).generate_batch(5)
    owners = [p.person_id for p in persons] + [c.company_id for c in companies]
    accounts = AccountGenerator(CONSUME_SEED, owners).generate_batch(60)
    transfers = TransactionGenerator(CONSUME_SEED, [a.account_id for a in accounts])
    transfers = transfers.generate_batch(300)
    events = []
    for entity, models in (
        ("persons", persons),
        ("companies", companies),
        ("accounts", accounts),
        ("transactions", transfers),
    ):
        events += [event_from_record(entity, m.model_dump(mode="json")) for m in models]
    ids = {
        "person": [p.person_id for p in persons],
        "company": [c.company_id for c in companies],
        "account": [a.account_id for a in accounts],
        "transfer": [t.txn_id for t in transfers],
    }
    return events, ids


@wall_clock("streaming")
@pytest.mark.integration
def test_consume_into_graph(benchmark, kafka_bootstrap, gremlin_url):
    from banking.streaming import EntityProducer
    from banking.streaming.consumer import GraphSinkConsumer
    from banking.streaming.sink import RepositorySink
    from banking_repository import GraphRepository

    entities = ["persons", "companies", "accounts", "transactions"]
    prefix = unique_prefix("consume")
    events, ids = _small_bank_events()
    with EntityProducer(kafka_bootstrap, topic_prefix=prefix) as producer:
        producer.ensure_topics(entities)
        producer.send_batch(events)
        producer.flush()
        topics = [producer.topic_for(e) for e in entities] + [producer.dlq_topic]
    repo = GraphRepository(gremlin_url)
    sink = RepositorySink(repo)

    def clean() -> None:
        for label in ("person", "company", "account"):
            repo.delete_vertices(label, ids[label])

    def new_consumer() -> tuple[tuple[Any], dict]:
        clean()  # every round writes into a graph without this bank
        consumer = GraphSinkConsumer(
            sink,
            kafka_bootstrap,
            topic_prefix=prefix,
            entities=entities,
            group_id=unique_prefix("sink"),  # a new group reads from the first offset
        )
        return (consumer,), {}

    def drain(consumer: Any) -> Any:
        try:
            return consumer.run()
        finally:
            consumer.close()

    try:
        stats = benchmark.pedantic(drain, setup=new_consumer, rounds=3)
        assert stats.consumed == len(events) and stats.dead_lettered == 0
        assert repo.get_vertex(ids["person"][0], "person")["entity_id"] == ids["person"][0]
        some = ids["transfer"][::37]
        assert all(repo.get_edge(t, "transfer") is not None for t in some)
    finally:
        clean()
        repo.close()
        delete_topics(kafka_bootstrap, topics)


# --- graph queries over a loaded bank -------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded_bank(gremlin_url, tmp_path_factory) -> Iterator[tuple[Any, dict[str, Any]]]:
    """A scale-0.001 bank (its own seed) upserted into the graph once; its ids deleted after."""
    from banking.graph.loader import load_dataset
    from banking_repository import GraphRepository

    out = tmp_path_factory.mktemp("perf-bank") / "bank"
    generate_bank(BANK_SCALE, QUERY_SEED, out_dir=out, fmt="jsonl")
    reader = DatasetReader(out)
    repo = GraphRepository(gremlin_url)
    try:
        load_dataset(reader, repo)
        by_typology = defaultdict(list)
        for pattern in reader.patterns():
            by_typology[pattern.typology.value].append(pattern)
        person = next(iter(reader.iter_records("persons")))
        yield repo, {"person": person, "patterns": by_typology}
    finally:
        for label, entity, id_field in (
            ("person", "persons", "person_id"),
            ("company", "companies", "company_id"),
            ("account", "accounts", "account_id"),
        ):
            repo.delete_vertices(label, [r[id_field] for r in reader.iter_records(entity)])
        repo.close()


def _window(pattern: Any) -> tuple[int, int]:
    """A pattern's ``[start, end)`` window as inclusive epoch-millis bounds."""
    from banking.graph.mapping import to_epoch_millis

    start, end = pattern.expected["window"]
    return to_epoch_millis(start), to_epoch_millis(end) - 1


@wall_clock("graph queries")
@pytest.mark.integration
def test_query_round_trip(benchmark, loaded_bank):
    """The trivial traversal's round trip: what the machine's load adds to every request. The
    compare (tools/perf_regression.py) divides the wall-clock benchmarks' slowdowns by this
    one's, so a loaded machine is not taken for a slower query."""
    repo, _ = loaded_bank
    assert benchmark(repo.health) is True


@wall_clock("graph queries")
@pytest.mark.integration
def test_query_point_read(benchmark, loaded_bank):
    repo, truth = loaded_bank
    person = truth["person"]
    found = benchmark(repo.get_vertex, person["person_id"], "person")
    assert found["entity_id"] == person["person_id"]
    assert found["label"] == "person"


@wall_clock("graph queries")
@pytest.mark.integration
def test_query_fan_in(benchmark, loaded_bank):
    repo, truth = loaded_bank
    pattern = truth["patterns"]["fan_in"][0]
    hub = pattern.expected["hub"]
    t0, t1 = _window(pattern)
    found = benchmark(repo.fan_in, pattern.expected["degree"], t0, t1, [hub])
    assert list(found) == [hub]
    assert set(pattern.expected["sources"]) <= set(found[hub])


@wall_clock("graph queries")
@pytest.mark.integration
def test_query_cycles(benchmark, loaded_bank):
    repo, truth = loaded_bank
    pattern = truth["patterns"]["cycle"][0]
    expected = pattern.expected
    t0, t1 = _window(pattern)
    found = benchmark(
        lambda: repo.cycles(
            expected["cycle"][0], max_length=expected["length"], time_ordered=True, t0=t0, t1=t1
        )
    )
    assert frozenset(expected["transactions"]) in {frozenset(c.transfers) for c in found}


@wall_clock("graph queries")
@pytest.mark.integration
def test_query_ubo(benchmark, loaded_bank):
    repo, truth = loaded_bank
    pattern = truth["patterns"]["ownership_chain"][0]
    expected = pattern.expected
    owners = benchmark(
        repo.ubo, expected["company"], expected["threshold"], max(10, expected["max_depth"])
    )
    found = {o.person_id: o.effective_pct for o in owners}
    assert set(found) == set(expected["ubos"])
    for person, pct in expected["ubos"].items():
        assert found[person] == pytest.approx(pct, abs=1e-6)
