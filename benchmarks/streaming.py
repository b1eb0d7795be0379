"""Kafka streaming: ``EntityProducer`` per compression codec, and ``GraphSinkConsumer`` draining a
topic into each graph engine.

Needs Kafka at ``KAFKA_BOOTSTRAP`` (and, for the consumer, the engine: Gremlin Server at
``GREMLIN_URL`` or JanusGraph at ``JANUSGRAPH_URL``, see benchmarks/engines.py); skips
otherwise. Every sample uses fresh topics under a unique prefix (and a fresh consumer group),
deleted in ``teardown``; the consumer's graph elements are deleted too.
"""

from __future__ import annotations

from typing import Any

from . import common, engines
from .serialization import build_events

CODECS = ("none", "gzip", "lz4", "zstd")
PRODUCE_EVENTS = 10_000
CONSUME_SEED = 5_151
CONSUME_PERSONS = 200  # ~20 companies, 240 accounts, 1,000 transfers: ~1,460 events


def _topics(producer: Any, entities: list[str]) -> list[str]:
    return [producer.topic_for(e) for e in entities] + [producer.dlq_topic]


@common.teardown_after_setup
@common.data_or_reason
class Produce:
    """``send_batch`` of 10,000 transaction events then ``flush`` (acks=all, idempotent)."""

    params = CODECS
    param_names = ("codec",)
    number = 1
    repeat = (2, 5, 6.0)
    warmup_time = 0.0
    timeout = 240

    def setup_cache(self) -> list[Any]:
        common.need("banking.streaming", "EntityProducer")
        return build_events("transaction", PRODUCE_EVENTS)

    def setup(self, events: list[Any], codec: str) -> None:
        self.bootstrap = common.require_kafka()
        producer_cls = common.need("banking.streaming", "EntityProducer")
        self.events = events
        self.producer = producer_cls(
            self.bootstrap,
            topic_prefix=common.unique_name("asv-produce") + ".",
            compression_type=None if codec == "none" else codec,
        )
        self.producer.ensure_topics(["transactions"])

    def teardown(self, events: Any, codec: str) -> None:
        self.producer.close()
        common.delete_topics(self.bootstrap, _topics(self.producer, ["transactions"]))

    def _produce(self) -> Any:
        self.producer.send_batch(self.events)
        return self.producer.flush()

    def time_produce(self, events: Any, codec: str) -> None:
        self._produce()

    def peakmem_produce(self, events: Any, codec: str) -> None:
        self._produce()

    def track_events_per_s(self, events: Any, codec: str) -> float:
        return common.rate(self._produce, PRODUCE_EVENTS)

    track_events_per_s.unit = "events/s"

    def track_server_cpu_seconds(self, events: Any, codec: str) -> float:
        """The broker's own CPU time to take the 10,000 events (acks=all)."""
        return common.server_cpu_seconds(self._produce, [common.kafka_port()])

    track_server_cpu_seconds.unit = "seconds (server CPU)"

    def track_payload_bytes(self, events: Any, codec: str) -> int:
        """Keys + values handed to Kafka (deterministic: the serialised events)."""
        return self._produce().bytes

    track_payload_bytes.unit = "bytes"
    track_payload_bytes.rounds = 1

    def track_wire_bytes(self, events: Any, codec: str) -> int:
        """Bytes the client wrote to the network, after compression (batching depends on timing,
        so this varies a little; the codec's effect dominates)."""
        return self._produce().wire_bytes

    track_wire_bytes.unit = "bytes"


def _consume_events() -> list[Any]:
    """Create events of a small bank (persons, companies, accounts, transfers)."""
    make_event = common.need("banking.streaming.events", "make_event")
    gen = common.generator_classes()
    bank = common.core_bank(CONSUME_PERSONS, CONSUME_SEED)
    people = gen["persons"](CONSUME_SEED).generate_batch(CONSUME_PERSONS)
    companies = gen["companies"](CONSUME_SEED).generate_batch(len(bank["company_ids"]))
    accounts = gen["accounts"](CONSUME_SEED, bank["person_ids"] + bank["company_ids"])
    accounts = accounts.generate_batch(len(bank["account_ids"]))
    transfers = common.make_generator("transactions", bank, CONSUME_SEED).generate_batch(1_000)
    events = []
    for entity, models in (
        ("persons", people),
        ("companies", companies),
        ("accounts", accounts),
        ("transactions", transfers),
    ):
        events += [make_event(entity, None, record) for record in common.to_records(models)]
    return events


@common.teardown_after_setup
@common.data_or_reason
class Consume:
    """``GraphSinkConsumer.run()`` from the first offset until caught up: decode, batch into
    graph upserts, commit. Setup (untimed) produces the events to a fresh topic."""

    params = engines.ENGINES
    param_names = ("engine",)
    number = 1
    repeat = (1, 3, 10.0)
    warmup_time = 0.0
    timeout = 300
    ENTITIES = ("persons", "companies", "accounts", "transactions")

    def setup_cache(self) -> dict[str, Any]:
        common.need("banking.streaming.consumer", "GraphSinkConsumer")
        common.need("banking.streaming.sink", "RepositorySink")
        common.need("banking_repository", "GraphRepository")
        return {"events": _consume_events(), "engines": engines.reasons()}

    def setup(self, data: dict[str, Any], engine: str) -> None:
        engines.pick(data["engines"], engine)
        events = data["events"]
        self.bootstrap = common.require_kafka()
        url = engines.require(engine)
        self.engine = engine
        producer_cls = common.need("banking.streaming", "EntityProducer")
        consumer_cls = common.need("banking.streaming.consumer", "GraphSinkConsumer")
        sink_cls = common.need("banking.streaming.sink", "RepositorySink")
        prefix = common.unique_name("asv-consume") + "."
        self.events = events
        with producer_cls(self.bootstrap, topic_prefix=prefix) as producer:
            producer.ensure_topics(list(self.ENTITIES))
            producer.send_batch(events)
            producer.flush()
            self.topics = _topics(producer, list(self.ENTITIES))
        self.repo = engines.repository(engine, url)
        self._clean()
        self.consumer = consumer_cls(
            sink_cls(self.repo),
            self.bootstrap,
            topic_prefix=prefix,
            entities=list(self.ENTITIES),
            group_id=common.unique_name("asv-sink"),
        )

    def teardown(self, data: Any, engine: str) -> None:
        self.consumer.close()
        self._clean()
        self.repo.close()
        common.delete_topics(self.bootstrap, self.topics)

    def _clean(self) -> None:
        by_label: dict[str, list[str]] = {}
        for event in self.events:
            if event.entity_type in ("person", "company", "account"):
                by_label.setdefault(event.entity_type, []).append(event.entity_id)
        for label, ids in by_label.items():
            self.repo.delete_vertices(label, ids)

    def _consume(self) -> Any:
        stats = self.consumer.run()
        if stats.consumed != len(self.events):
            raise RuntimeError(f"consumed {stats.consumed} of {len(self.events)} events")
        return stats

    def time_consume_to_graph(self, data: Any, engine: str) -> None:
        self._consume()

    def peakmem_consume_to_graph(self, data: Any, engine: str) -> None:
        self._consume()

    def track_events_per_s(self, data: Any, engine: str) -> float:
        return common.rate(self._consume, len(self.events))

    track_events_per_s.unit = "events/s"

    def track_server_cpu_seconds(self, data: Any, engine: str) -> float:
        """The broker's and the graph server's own CPU time for the drain, added up."""
        ports = [common.kafka_port(), engines.port(self.engine)]
        return common.server_cpu_seconds(self._consume, ports)

    track_server_cpu_seconds.unit = "seconds (server CPU)"

    def track_graph_requests(self, data: Any, engine: str) -> int:
        """Graph requests for the whole drain (batched upserts: a handful, not one per event;
        depends on how polls split the stream, so close to but not exactly deterministic)."""
        before = self.repo.request_count
        self._consume()
        return self.repo.request_count - before

    track_graph_requests.unit = "requests"
