"""EntityProducer: entity events onto one Kafka topic per entity type, keyed by entity id.

Durability settings are fixed (acks=all, idempotence on), so a broker restart neither loses nor
duplicates an event. Throughput comes from two things:

* tuned ``batch_size`` / ``linger_ms`` / ``compression_type`` defaults, chosen by the
  measurement in docs/streaming.md;
* ``send_batch`` appends whole runs of records to kafka-python's accumulator
  (``banking.streaming.bulk.BulkAppender``): one partition hash per batch (numpy murmur2), one
  record encoding per event, one delivery callback per Kafka batch instead of one future per
  record. The records, sequence numbers and retries are still kafka-python's, so the wire
  format and the idempotence guarantees are the client's own. ``send`` keeps the one-record
  client path.

Delivery failures are counted and re-raised by ``flush`` (and so by ``close`` and the context
manager): nothing fails silently. Every wait is bounded: a batch the broker has not acknowledged
within the delivery timeout (``timeout_s``) fails, ``flush`` stops at the first failure, and
closing after an error drops what is still unsent instead of waiting for it (or raising over
the error that ended the run).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from banking import defaults
from banking.errors import UsageError
from banking.streaming.bulk import BulkAppender
from banking.streaming.delivery import (
    RETRY_ADVICE,
    DeliveryFailed,
    DeliveryTracker,
    KafkaUnavailable,
    ProducerStats,
    describe,
)
from banking.streaming.entities import ENTITY_NAMES, spec_for
from banking.streaming.events import EntityEvent, event_from_record
from banking.streaming.partitioning import partitions_for
from banking.streaming.topics import (
    DEFAULT_PREFIX,
    START_ADVICE,
    bootstrap_servers,
    dlq_topic,
    ensure_topics,
    topic_for,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_COMPRESSION",
    "DEFAULT_LINGER_MS",
    "DEFAULT_PARTITIONS",
    "RETRY_ADVICE",
    "START_ADVICE",
    "DeliveryFailed",
    "EntityProducer",
    "KafkaUnavailable",
    "ProducerStats",
    "describe",
]

# Chosen by `python tools/stream_tuning.py` (table in docs/streaming.md); the values live in
# banking.defaults, which the command line's help shows. DEFAULT_BATCH_SIZE is in bytes.
DEFAULT_BATCH_SIZE = defaults.PRODUCER_BATCH_BYTES
DEFAULT_LINGER_MS = defaults.PRODUCER_LINGER_MS
DEFAULT_COMPRESSION = defaults.PRODUCER_COMPRESSION
DEFAULT_PARTITIONS = defaults.TOPIC_PARTITIONS


class EntityProducer(DeliveryTracker):
    """Produce entity events; use as a context manager (``flush`` + ``close`` on exit)."""

    def __init__(
        self,
        bootstrap: str | None = None,
        *,
        topic_prefix: str = DEFAULT_PREFIX,
        partitions: int = DEFAULT_PARTITIONS,
        replication_factor: int | None = None,  # None: min(3, brokers), see ensure_topics
        batch_size: int = DEFAULT_BATCH_SIZE,
        linger_ms: int = DEFAULT_LINGER_MS,
        compression_type: str | None = DEFAULT_COMPRESSION,
        timeout_s: float = 30.0,
        create_topics: bool = True,
        client_id: str = "banking-producer",
        **kafka_config: Any,
    ) -> None:
        from kafka import KafkaProducer
        from kafka.errors import KafkaError

        if partitions < 1:
            raise UsageError(f"partitions must be at least 1, got {partitions}")
        if compression_type in ("none", ""):
            compression_type = None
        self.bootstrap = bootstrap_servers(bootstrap)
        self.topic_prefix = topic_prefix
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.timeout_s = timeout_s
        self._create_topics = create_topics
        self._ready_topics: set[str] = set()
        self._partition_counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._queued = self._sent = self._failed = self._bytes = self._wire_bytes = 0
        self._first_error: BaseException | None = None
        # When the broker last acknowledged something, or when events began waiting for it:
        # flush gives up once nothing has moved for timeout_s (a dead broker, not a slow one).
        self._progress_at = time.monotonic()
        timeout_ms = int(timeout_s * 1000)
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap,
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": True,
            "batch_size": batch_size,
            "linger_ms": linger_ms,
            "compression_type": compression_type,
            "max_block_ms": timeout_ms,
            "delivery_timeout_ms": max(timeout_ms, linger_ms + 30_000),
            "request_timeout_ms": min(timeout_ms, 30_000),
            "bootstrap_timeout_ms": min(timeout_ms, 10_000),
        }
        config.update(kafka_config)
        config["delivery_timeout_ms"] = max(
            config["delivery_timeout_ms"], config["linger_ms"] + config["request_timeout_ms"]
        )
        # Every batch is acknowledged or failed by then; the margin covers the last callbacks.
        self._flush_timeout_s = config["delivery_timeout_ms"] / 1000 + 5.0
        try:
            self._producer = KafkaProducer(**_supported(KafkaProducer, config))
        except (KafkaError, OSError) as exc:
            raise KafkaUnavailable(
                f"Kafka does not answer at {self.bootstrap} ({describe(exc)}); {START_ADVICE}"
            ) from None
        except (AssertionError, ValueError) as exc:
            raise UsageError(f"invalid producer setting: {exc}") from None
        self._bulk = BulkAppender.for_producer(self._producer, self._on_batch_done)

    # --- topics -------------------------------------------------------------------------
    def topic_for(self, entity: str) -> str:
        return topic_for(entity, self.topic_prefix)

    @property
    def dlq_topic(self) -> str:
        return dlq_topic(self.topic_prefix)

    def ensure_topics(self, entities: Iterable[str] = ENTITY_NAMES) -> None:
        """Create the topics for ``entities`` (and the DLQ) if they do not exist."""
        topics = [self.topic_for(e) for e in entities] + [self.dlq_topic]
        self._ensure(topics)

    def _ensure(self, topics: list[str]) -> None:
        missing = [t for t in topics if t not in self._ready_topics]
        if not missing:
            return
        if self._create_topics:
            ensure_topics(
                self.bootstrap,
                missing,
                partitions=self.partitions,
                replication_factor=self.replication_factor,
                timeout_s=min(self.timeout_s, 30.0),
            )
        for topic in missing:
            self._partition_counts[topic] = self._wait_partitions(topic)
            self._ready_topics.add(topic)

    def _wait_partitions(self, topic: str) -> int:
        from kafka.errors import KafkaError

        try:
            found = self._producer.partitions_for(topic)
        except (KafkaError, OSError) as exc:
            raise KafkaUnavailable(
                f"Kafka at {self.bootstrap} gave no metadata for topic {topic!r} "
                f"({describe(exc)}); {RETRY_ADVICE}"
            ) from None
        if not found:
            raise KafkaUnavailable(f"topic {topic!r} has no partitions")
        return len(found)

    # --- sending ------------------------------------------------------------------------
    def send(self, event: EntityEvent, headers: list[tuple[str, bytes]] | None = None):
        """Send one event (kafka-python's own path); returns its future."""
        topic = self.topic_for(event.entity_type)
        return self.send_raw(topic, event.key, event.to_bytes(), headers)

    def send_raw(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: list[tuple[str, bytes]] | None = None,
    ):
        """Send pre-encoded bytes to any topic (the DLQ, replays, tests); returns the future."""
        from kafka.errors import KafkaError

        self._ensure([topic])
        try:
            future = self._producer.send(topic, value=value, key=key, headers=headers or [])
        except KafkaError as exc:
            raise KafkaUnavailable(f"could not queue a message for {topic}: {exc}") from None
        size = len(value) + (len(key) if key else 0)
        with self._lock:
            self._note_queued()
            self._queued += 1
            self._bytes += size
        future.add_callback(self._on_record_sent)
        future.add_errback(self._on_record_failed)
        return future

    def send_batch(self, events: Iterable[EntityEvent]) -> int:
        """Queue many events without waiting for any; returns how many were queued."""
        by_type: dict[str, tuple[list[bytes], list[bytes]]] = {}
        for event in events:  # one dict lookup per event; topic names once per entity type
            keys, values = by_type.get(event.entity_type) or by_type.setdefault(
                event.entity_type, ([], [])
            )
            keys.append(event.entity_id.encode())
            values.append(event.to_bytes())
        by_topic = {self.topic_for(t): kv for t, kv in by_type.items()}
        return sum(self._send_encoded(t, k, v) for t, (k, v) in by_topic.items())

    def send_records(self, entity: str, records: Iterable[Mapping[str, Any]]) -> int:
        """Queue one create event per dataset record (the `stream produce` path)."""
        spec = spec_for(entity)
        keys: list[bytes] = []
        values: list[bytes] = []
        for record in records:
            event = event_from_record(spec.plural, record)
            keys.append(event.entity_id.encode())
            values.append(event.to_bytes())
        return self._send_encoded(self.topic_for(spec.plural), keys, values)

    def _send_encoded(self, topic: str, keys: list[bytes], values: list[bytes]) -> int:
        from kafka.errors import KafkaError

        if not keys:
            return 0
        if self._first_error is not None:
            raise self._delivery_failed()  # the run has failed already: queue no more
        self._ensure([topic])
        partitions = partitions_for(keys, self._partition_counts[topic])
        size = sum(map(len, keys)) + sum(map(len, values))
        try:
            if self._bulk is not None:
                self._bulk.append(topic, partitions, keys, values, self.timeout_s)
            else:
                send = self._producer.send
                for key, value, partition in zip(keys, values, partitions, strict=True):
                    future = send(topic, value=value, key=key, partition=partition)
                    future.add_callback(self._on_record_sent)
                    future.add_errback(self._on_record_failed)
        except KafkaError as exc:
            raise KafkaUnavailable(
                f"could not queue events for {topic} at {self.bootstrap} within "
                f"{self.timeout_s:.0f}s ({describe(exc)}); {RETRY_ADVICE}"
            ) from None
        with self._lock:
            self._note_queued()
            self._queued += len(keys)
            self._bytes += size
        return len(keys)

    def __enter__(self) -> EntityProducer:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _supported(cls: type, config: dict[str, Any]) -> dict[str, Any]:
    """Drop settings this kafka-python version does not know (older clients lack a few)."""
    known = getattr(cls, "DEFAULT_CONFIG", None)
    if not known:
        return config
    return {k: v for k, v in config.items() if k in known}
