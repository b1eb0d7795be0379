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

import contextlib
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from banking import defaults
from banking.errors import ServiceUnavailable, UsageError
from banking.streaming.bulk import BulkAppender
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

# Chosen by `python tools/stream_tuning.py` (table in docs/streaming.md); the values live in
# banking.defaults, which the command line's help shows. DEFAULT_BATCH_SIZE is in bytes.
DEFAULT_BATCH_SIZE = defaults.PRODUCER_BATCH_BYTES
DEFAULT_LINGER_MS = defaults.PRODUCER_LINGER_MS
DEFAULT_COMPRESSION = defaults.PRODUCER_COMPRESSION
DEFAULT_PARTITIONS = defaults.TOPIC_PARTITIONS


RETRY_ADVICE = (
    "check the broker (banking services status) and run the same command again "
    "(events sent twice are harmless: the consumer's upserts are idempotent)"
)


def describe(exc: BaseException | None) -> str:
    """``Type: message`` once (kafka-python's messages often start with their type already)."""
    text = str(exc)
    name = type(exc).__name__
    if text.startswith(name):
        text = text[len(name) :].lstrip(": ")
    return f"{name}: {text}" if text and text != "None" else name


class KafkaUnavailable(ServiceUnavailable):
    """The broker did not answer, or did not acknowledge events, within the time allowed."""


class DeliveryFailed(KafkaUnavailable):
    """Some events were not acknowledged by the broker; the message has the first reason."""


@dataclass(frozen=True)
class ProducerStats:
    """Counters of one producer. ``bytes`` counts keys and values handed to Kafka;
    ``wire_bytes`` the record batches ``send_batch`` built, after compression, as the broker
    stored them (what crossed the network, less request framing)."""

    queued: int
    sent: int
    failed: int
    bytes: int
    wire_bytes: int


class EntityProducer:
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

    # --- delivery bookkeeping (runs on kafka-python's sender thread) ---------------------
    def _note_queued(self) -> None:
        """(Under the lock.) Events queued when none were waiting start the stall clock."""
        if self._queued == self._sent + self._failed:
            self._progress_at = time.monotonic()

    def _on_record_sent(self, _metadata: Any) -> None:
        with self._lock:
            self._sent += 1
            self._progress_at = time.monotonic()

    def _on_record_failed(self, exc: BaseException) -> None:
        with self._lock:
            self._failed += 1
            self._first_error = self._first_error or exc

    def _on_batch_done(self, count: int, exc: BaseException | None, wire_bytes: int) -> None:
        with self._lock:
            if exc is None:
                self._sent += count
                self._wire_bytes += wire_bytes
                self._progress_at = time.monotonic()
            else:
                self._failed += count
                self._first_error = self._first_error or exc

    # --- completion ---------------------------------------------------------------------
    def flush(self, timeout_s: float | None = None) -> ProducerStats:
        """Wait until every queued event is acknowledged; raise if any was not.

        Waits at most ``timeout_s`` (default: the delivery timeout plus 5 s, by when every
        batch has been acknowledged or has failed), and gives up sooner when the broker has
        acknowledged nothing for the producer's ``timeout_s`` (so a broker that died mid-run is
        reported about that long after its death, however late the flush began) or when a
        batch has failed: the run has failed, and waiting for the rest only delays saying so.
        """
        from kafka.errors import KafkaError, KafkaTimeoutError

        timeout = self._flush_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        while self._first_error is None:
            step = min(max(deadline - time.monotonic(), 0.0), 0.5)
            try:
                self._producer.flush(timeout=step)
                break
            except KafkaTimeoutError:
                now = time.monotonic()
                stalled = now - self._progress_at >= self.timeout_s
                if now >= deadline or stalled:
                    stats = self.stats
                    waited = self.timeout_s if stalled and now < deadline else timeout
                    raise KafkaUnavailable(
                        f"Kafka at {self.bootstrap} acknowledged nothing for {waited:.0f}s "
                        f"({stats.queued - stats.sent:,} of {stats.queued:,} events not "
                        f"acknowledged); {RETRY_ADVICE}"
                    ) from None
            except KafkaError as exc:
                raise KafkaUnavailable(
                    f"Kafka at {self.bootstrap} failed while sending events "
                    f"({describe(exc)}); {RETRY_ADVICE}"
                ) from None
        if self._first_error is not None:
            raise self._delivery_failed()
        return self.stats

    def _delivery_failed(self) -> DeliveryFailed:
        stats = self.stats
        error = self._first_error
        return DeliveryFailed(
            f"Kafka at {self.bootstrap} did not acknowledge events "
            f"({describe(error)}); {stats.sent:,} of {stats.queued:,} events "
            f"were acknowledged; {RETRY_ADVICE}"
        )

    @property
    def stats(self) -> ProducerStats:
        with self._lock:
            return ProducerStats(
                self._queued, self._sent, self._failed, self._bytes, self._wire_bytes
            )

    @property
    def sent(self) -> int:
        return self.stats.sent

    @property
    def failed(self) -> int:
        return self.stats.failed

    @property
    def bytes(self) -> int:
        return self.stats.bytes

    def close(self, timeout_s: float | None = None) -> None:
        """Flush, then close the client; when flushing fails, the client is closed without
        waiting and the flush error is the one raised."""
        try:
            self.flush(timeout_s)
        except BaseException:
            self.abort()
            raise
        try:
            self._producer.close(timeout=5)
        except Exception:  # everything was acknowledged: nothing to lose
            self.abort()

    def abort(self) -> None:
        """Close the client at once, dropping what is unsent; never raises (it runs while
        another error is on its way out, which must stay the one reported)."""
        try:
            self._producer.close(timeout=0)
        except Exception:  # kafka-python's close flushes first, and that may time out
            sender = getattr(self._producer, "_sender", None)
            if sender is not None:
                with contextlib.suppress(Exception):
                    sender.force_close()

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
