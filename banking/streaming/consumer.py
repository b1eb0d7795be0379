"""GraphSinkConsumer: entity events from Kafka into the graph, nothing lost, nothing doubled.

Each poll is one unit of work: decode and validate every message, collapse the batch to the last
event per entity (messages of one key share a partition, so "last" is the newest), write the
upserts and deletes through the sink, send the undecodable ones to the dead-letter topic and
wait for its acknowledgement, and only then commit the offsets. A crash anywhere before the
commit replays the batch; replaying is harmless because the upserts are idempotent. The
offsets committed are exactly the positions after the messages returned by the poll.

Graph failures (``ServiceUnavailable``) are retried with exponential backoff; any other error
from the sink is narrowed down by applying events one at a time, and the events the graph
rejects go to the dead-letter topic too. ``stop()`` (the CLI wires SIGTERM/SIGINT to it) ends
the loop after the batch in hand has been applied and committed.

Kafka failures are bounded by one budget, ``timeout_s``: a commit, an end-offsets request or a
liveness probe (sent when a following consumer has heard nothing for ``probe_interval_s``) is
retried with backoff for at most that long, so a broker restarted within it is survived and a
broker that stays away ends the run with one ``KafkaUnavailable`` line well within a minute.
The consumer reads, and never creates, entity topics: a prefix none of whose topics exist is a
``UsageError`` naming the prefixes the broker has (a misspelt prefix would otherwise read
nothing, successfully).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from banking.defaults import CONSUME_BATCH_SIZE
from banking.errors import ServiceUnavailable, UsageError
from banking.streaming.batches import (
    ConsumerStats,
    DecodedBatch,
    PendingBatch,
    decode_messages,
    next_offsets,
)
from banking.streaming.consumer_kafka import (
    RESUME_ADVICE,
    InstanceFenced,
    KafkaLink,
    quietly,
)
from banking.streaming.entities import ENTITY_NAMES
from banking.streaming.producer import DEFAULT_PARTITIONS, KafkaUnavailable
from banking.streaming.sink import GraphSink
from banking.streaming.topics import (
    DEFAULT_PREFIX,
    bootstrap_servers,
    dlq_topic,
    ensure_topics,
    existing_topics,
    topic_for,
)

__all__ = [
    "DEFAULT_GROUP",
    "RESUME_ADVICE",
    "ConsumerStats",
    "DecodedBatch",
    "GraphSinkConsumer",
    "InstanceFenced",
    "decode_messages",
]

DEFAULT_GROUP = "banking-graph-sink"


class GraphSinkConsumer(KafkaLink):
    """Consume entity topics into a ``GraphSink``; see the module docstring for the contract."""

    def __init__(
        self,
        sink: GraphSink,
        bootstrap: str | None = None,
        *,
        topic_prefix: str = DEFAULT_PREFIX,
        entities: Sequence[str] = ENTITY_NAMES,
        group_id: str = DEFAULT_GROUP,
        batch_size: int = CONSUME_BATCH_SIZE,
        poll_timeout_s: float = 0.5,
        max_retries: int = 8,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        partitions: int = DEFAULT_PARTITIONS,
        timeout_s: float = 30.0,
        instance_id: str | None = None,
        session_timeout_s: float | None = None,
        probe_interval_s: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        consumer: Any = None,
        dlq_producer: Any = None,
    ) -> None:
        if batch_size < 1:
            raise UsageError(f"batch size must be at least 1, got {batch_size}")
        if instance_id is not None and not instance_id.strip():
            raise UsageError("the instance id must not be empty")
        self.sink = sink
        self.bootstrap = bootstrap_servers(bootstrap)
        self.topic_prefix = topic_prefix
        self.topics = [topic_for(e, topic_prefix) for e in entities]
        self.dlq_topic = dlq_topic(topic_prefix)
        self.group_id = group_id
        self.instance_id = instance_id
        self.session_timeout_s = session_timeout_s
        self.probe_interval_s = probe_interval_s
        self.batch_size = batch_size
        self.poll_timeout_ms = int(poll_timeout_s * 1000)
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        self.stats = ConsumerStats()
        self._sleep = sleep
        self._clock = clock
        self._stop = threading.Event()
        self._last_contact = clock()
        self._partitions: list[Any] = []  # every partition of the topics read (for probes)
        if consumer is None:
            # Only the topics that exist: the reader must not create them (a typo would).
            self.topics = existing_topics(
                self.bootstrap, self.topics, prefix=topic_prefix, timeout_s=min(timeout_s, 10.0)
            )
            # The dead-letter topic is this consumer's output: creating it is the writer's job.
            ensure_topics(
                self.bootstrap,
                [self.dlq_topic],
                partitions=partitions,
                timeout_s=min(timeout_s, 30.0),
            )
            consumer = self._kafka_consumer()
            try:
                self._load_metadata(consumer)
                consumer.subscribe(self.topics)
                dlq_producer = dlq_producer if dlq_producer is not None else self._dlq_producer()
            except BaseException:
                quietly(lambda: consumer.close(autocommit=False, timeout_ms=1000))
                raise
        self._consumer = consumer
        self._dlq = dlq_producer if dlq_producer is not None else self._dlq_producer()

    # --- control ------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the loop to finish the batch in hand, commit and return (signal-safe)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(
        self,
        *,
        follow: bool = False,
        max_events: int | None = None,
        on_batch: Callable[[ConsumerStats], None] | None = None,
    ) -> ConsumerStats:
        """Consume until caught up with the end of every topic (or forever with ``follow``),
        until ``max_events`` or until ``stop()``.

        While one batch is written to the graph (on a writer thread: the write mostly waits on
        the server), the next is fetched and decoded; a batch is committed only after its own
        write, with its own offsets, so the pipeline changes no guarantee.
        """
        start = time.perf_counter()
        idle_since = time.monotonic()
        pending: PendingBatch | None = None
        failed = True
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-sink-writer")
        try:
            while not self._stop.is_set():
                polled = self._poll()
                messages = [m for tp in sorted(polled) for m in polled[tp]]
                if messages:
                    batch = decode_messages(messages, self.topic_prefix)
                    offsets = next_offsets(messages)
                    if pending is not None:
                        self._finish(pending, on_batch)
                    pending = PendingBatch(batch, offsets, writer.submit(self._apply, batch))
                    idle_since = time.monotonic()
                    queued = self.stats.consumed + batch.count
                    if max_events is not None and queued >= max_events:
                        break
                    if not follow and self._drained() and self._caught_up():
                        break  # no poll timeout to sit out: the end is known already
                    continue
                if pending is not None:
                    # Nothing more came while the last batch was written: finish it and ask
                    # the broker at once whether that was the end, rather than after another
                    # empty poll (poll_timeout_ms).
                    self._finish(pending, on_batch)
                    pending = None
                if not follow and self._caught_up():
                    break
                if follow:
                    self._probe_if_quiet()
                if (
                    not follow
                    and not self._assignment()
                    and (time.monotonic() - idle_since > self.timeout_s)
                ):
                    raise KafkaUnavailable(
                        f"no partitions assigned within {self.timeout_s:.0f}s "
                        f"(group {self.group_id!r} at {self.bootstrap})"
                    )
            failed = False
        finally:
            if pending is not None:
                if failed:  # leave it uncommitted (it is replayed), but let the write end
                    pending.write.exception()
                else:
                    self._finish(pending, on_batch)
            writer.shutdown(wait=True)
            self.stats.elapsed_s = time.perf_counter() - start
        return self.stats

    def _finish(
        self, pending: PendingBatch, on_batch: Callable[[ConsumerStats], None] | None
    ) -> None:
        """Wait for a batch's write, dead-letter its rejects, commit its offsets."""
        rejects = list(pending.batch.rejects)
        rejects.extend(pending.write.result())
        if rejects:
            self._dead_letter(rejects)
        self._commit(pending.offsets)
        self.stats.consumed += pending.batch.count
        self.stats.dead_lettered += len(rejects)
        self.stats.batches += 1
        if on_batch is not None:
            on_batch(self.stats)

    def _probe_if_quiet(self) -> None:
        """A following consumer that has heard nothing for ``probe_interval_s`` asks the broker
        for end offsets: an empty poll looks the same whether the topics are idle or the broker
        is gone, and only the answer tells them apart."""
        if self._clock() - self._last_contact < self.probe_interval_s:
            return
        partitions = self._partitions or list(self._assignment())
        if partitions:
            self._with_broker(
                "asking for end offsets",
                lambda ms: self._consumer.end_offsets(partitions, timeout_ms=ms),
            )
        else:
            self._last_contact = self._clock()
        if self.instance_id is not None:
            # A static member fenced by a namesake only hears of it from a request to the
            # group (its heartbeats just stop): commit the positions it already committed.
            self._with_broker("checking the group membership", self._recommit_positions)

    def _drained(self) -> bool:
        """Every assigned partition whose high watermark a fetch response has reported is at
        it: a free hint that the end is near. Only a hint: a watermark can predate this run
        (events produced while the consumer was idle), and a partition not fetched yet (most
        often an empty one: the sink subscribes to every entity topic) has none, so
        ``_caught_up`` confirms with the broker before the run stops."""
        assigned = self._assignment()
        known = False
        for tp in assigned:
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            if self._consumer.position(tp) < highwater:
                return False
            known = True
        return known

    def _caught_up(self) -> bool:
        assigned = self._assignment()
        if not assigned:
            return False

        def caught_up(ms: int) -> bool:
            end = self._consumer.end_offsets(list(assigned), timeout_ms=ms)
            return all(self._consumer.position(tp, timeout_ms=ms) >= end[tp] for tp in assigned)

        return self._with_broker("asking for end offsets", caught_up)

    # --- one batch ----------------------------------------------------------------------
    def process(self, messages: Sequence[Any]) -> None:
        """Apply one poll's messages, dead-letter the rejects, then commit (synchronously)."""
        batch = decode_messages(messages, self.topic_prefix)
        done: Future = Future()
        try:
            done.set_result(self._apply(batch))
        except BaseException as exc:
            done.set_exception(exc)
        self._finish(PendingBatch(batch, next_offsets(messages), done), None)

    def _apply(self, batch: DecodedBatch) -> list[tuple[Any, str]]:
        """Write the batch; return the events the graph rejected (as dead letters)."""
        upserts, deletes = batch.upsert_lists(), batch.delete_lists()
        if not upserts and not deletes:
            return []
        try:
            self.stats.applied += self._with_retries(lambda: self.sink.apply(upserts, deletes))
            return []
        except ServiceUnavailable:
            raise
        except Exception:  # the graph rejected something: find out which events
            pass
        rejected = []
        for (entity, entity_id), message in batch.events.items():
            one_upsert = (
                {entity: [batch.upserts[entity][entity_id]]}
                if (entity_id in batch.upserts.get(entity, {}))
                else {}
            )
            one_delete = {entity: [entity_id]} if entity_id in batch.deletes.get(entity, {}) else {}
            try:
                self.stats.applied += self._with_retries(
                    lambda u=one_upsert, d=one_delete: self.sink.apply(u, d)
                )
            except ServiceUnavailable:
                raise
            except Exception as exc:
                rejected.append((message, f"graph rejected the event: {type(exc).__name__}: {exc}"))
        return rejected

    def _with_retries(self, action: Callable[[], int]) -> int:
        delay = self.backoff_s
        attempt = 0
        while True:
            try:
                return action()
            except ServiceUnavailable:
                attempt += 1
                if attempt > self.max_retries:
                    raise
                self.stats.retries += 1
                self._sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)

    def __enter__(self) -> GraphSinkConsumer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(timeout_s=1.0 if exc_info[0] is not None else 5.0)
