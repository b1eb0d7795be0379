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

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from banking.defaults import CONSUME_BATCH_SIZE
from banking.errors import ServiceUnavailable, UsageError
from banking.streaming.dlq import dead_letter_headers
from banking.streaming.entities import ENTITY_NAMES, spec_for
from banking.streaming.events import EntityEvent, InvalidEvent
from banking.streaming.producer import (
    DEFAULT_PARTITIONS,
    START_ADVICE,
    KafkaUnavailable,
    describe,
)
from banking.streaming.sink import GraphSink
from banking.streaming.topics import (
    DEFAULT_PREFIX,
    bootstrap_servers,
    dlq_topic,
    ensure_topics,
    entity_for_topic,
    existing_topics,
    topic_for,
)

DEFAULT_GROUP = "banking-graph-sink"
T = TypeVar("T")
# What to do after a broker failure: the tail of those messages.
RESUME_ADVICE = (
    "check the broker (banking services status) and run the same command again: "
    "it resumes from the last committed batch"
)


class InstanceFenced(UsageError):
    """Another consumer joined the group with the same static instance id and took over."""


@dataclass
class ConsumerStats:
    consumed: int = 0
    applied: int = 0
    dead_lettered: int = 0
    batches: int = 0
    retries: int = 0
    commits: int = 0
    elapsed_s: float = 0.0

    @property
    def events_per_s(self) -> float:
        return self.consumed / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass
class DecodedBatch:
    """One poll's messages, decoded: the newest event per entity and the rejects."""

    upserts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    deletes: dict[str, dict[str, None]] = field(default_factory=dict)
    events: dict[tuple[str, str], Any] = field(default_factory=dict)
    rejects: list[tuple[Any, str]] = field(default_factory=list)
    count: int = 0

    def add(self, entity: str, event: EntityEvent, message: Any) -> None:
        upserts = self.upserts.setdefault(entity, {})
        deletes = self.deletes.setdefault(entity, {})
        entity_id = event.entity_id
        # Remove first so a re-insert moves the id to the end: the newest event wins.
        upserts.pop(entity_id, None)
        deletes.pop(entity_id, None)
        if event.event_type == "delete":
            deletes[entity_id] = None
        else:
            upserts[entity_id] = event.payload
        self.events[(entity, entity_id)] = message

    def upsert_lists(self) -> dict[str, list[dict[str, Any]]]:
        return {entity: list(rows.values()) for entity, rows in self.upserts.items() if rows}

    def delete_lists(self) -> dict[str, list[str]]:
        return {entity: list(ids) for entity, ids in self.deletes.items() if ids}


def decode_messages(messages: Iterable[Any], prefix: str = DEFAULT_PREFIX) -> DecodedBatch:
    """Decode and validate messages in order; invalid ones become rejects with a reason."""
    batch = DecodedBatch()
    topics: dict[str, tuple[str | None, str | None]] = {}
    for message in messages:
        batch.count += 1
        known = topics.get(message.topic)
        if known is None:
            entity = entity_for_topic(message.topic, prefix)
            singular = spec_for(entity).singular if entity else None
            known = topics[message.topic] = (entity, singular)
        entity, singular = known
        try:
            if entity is None:
                raise InvalidEvent(f"topic {message.topic!r} carries no known entity type")
            if message.value is None:
                raise InvalidEvent("empty message (no value)")
            event = EntityEvent.from_bytes(message.value)
            if event.entity_type != singular:
                raise InvalidEvent(
                    f"a {event.entity_type} event on the {entity} topic {message.topic!r}"
                )
            event.validate_payload()
        except InvalidEvent as exc:
            batch.rejects.append((message, str(exc)))
            continue
        batch.add(entity, event, message)
    return batch


@dataclass
class _Pending:
    """A decoded batch whose graph write is in flight, and the offsets it will commit."""

    batch: DecodedBatch
    offsets: dict[Any, Any]
    write: Future


def _next_offsets(messages: Sequence[Any]) -> dict[Any, Any]:
    """The offsets to commit after ``messages``: one past the last of each partition."""
    from kafka.structs import OffsetAndMetadata, TopicPartition

    last: dict[tuple[str, int], int] = {}
    for message in messages:
        key = (message.topic, message.partition)
        if message.offset >= last.get(key, -1):
            last[key] = message.offset
    return {
        TopicPartition(topic, partition): OffsetAndMetadata(offset + 1, "", -1)
        for (topic, partition), offset in last.items()
    }


class GraphSinkConsumer:
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
                _quietly(lambda: consumer.close(autocommit=False, timeout_ms=1000))
                raise
        self._consumer = consumer
        self._dlq = dlq_producer if dlq_producer is not None else self._dlq_producer()

    def _kafka_consumer(self) -> Any:
        from kafka import KafkaConsumer
        from kafka.errors import KafkaError

        membership: dict[str, Any] = {}
        if self.instance_id is not None:
            # Static membership: a restarted consumer with the same id takes its partitions
            # back at once, instead of waiting out the dead member's session.
            membership["group_instance_id"] = self.instance_id
        if self.session_timeout_s is not None:
            membership["session_timeout_ms"] = int(self.session_timeout_s * 1000)
            membership["heartbeat_interval_ms"] = max(int(self.session_timeout_s * 1000) // 3, 100)
        try:
            return KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=self.group_id,
                client_id="banking-graph-sink",
                allow_auto_create_topics=False,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=self.batch_size,
                # An idle fetch long-polls this long, and requests on the connection (the end
                # offsets that decide "caught up") queue behind it: 100 ms, not 500.
                fetch_max_wait_ms=100,
                max_partition_fetch_bytes=8 * 1024 * 1024,
                fetch_max_bytes=64 * 1024 * 1024,
                bootstrap_timeout_ms=int(min(self.timeout_s, 10.0) * 1000),
                request_timeout_ms=int(self.timeout_s * 1000) + 5000,
                **membership,
            )
        except (KafkaError, OSError) as exc:
            raise KafkaUnavailable(
                f"Kafka does not answer at {self.bootstrap} ({describe(exc)}); {START_ADVICE}"
            ) from None

    def _load_metadata(self, consumer: Any) -> None:
        """Know the topics' partitions before joining the group: a leader that assigns without
        them hands out nothing and the group has to rebalance again (a few hundred ms)."""
        from kafka.errors import KafkaError
        from kafka.structs import TopicPartition

        try:
            for topic in self.topics:
                for partition in sorted(consumer.partitions_for_topic(topic) or ()):
                    self._partitions.append(TopicPartition(topic, partition))
        except (KafkaError, OSError) as exc:
            raise KafkaUnavailable(f"no metadata from Kafka at {self.bootstrap}: {exc}") from None

    def _dlq_producer(self) -> Any:
        from kafka import KafkaProducer
        from kafka.errors import KafkaError

        try:
            return KafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id="banking-graph-sink-dlq",
                allow_auto_create_topics=False,
                acks="all",
                enable_idempotence=True,
                linger_ms=5,
                bootstrap_timeout_ms=int(min(self.timeout_s, 10.0) * 1000),
                max_block_ms=int(self.timeout_s * 1000),
            )
        except (KafkaError, OSError) as exc:
            raise KafkaUnavailable(
                f"Kafka does not answer at {self.bootstrap} ({describe(exc)}); {START_ADVICE}"
            ) from None

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
        pending: _Pending | None = None
        failed = True
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-sink-writer")
        try:
            while not self._stop.is_set():
                polled = self._poll()
                messages = [m for tp in sorted(polled) for m in polled[tp]]
                if messages:
                    batch = decode_messages(messages, self.topic_prefix)
                    offsets = _next_offsets(messages)
                    if pending is not None:
                        self._finish(pending, on_batch)
                    pending = _Pending(batch, offsets, writer.submit(self._apply, batch))
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

    def _finish(self, pending: _Pending, on_batch: Callable[[ConsumerStats], None] | None) -> None:
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

    def _poll(self) -> dict[Any, list[Any]]:
        from kafka.errors import FencedInstanceIdError, KafkaError

        try:
            polled = self._consumer.poll(
                timeout_ms=self.poll_timeout_ms, max_records=self.batch_size
            )
        except FencedInstanceIdError:
            raise self._fenced() from None
        except KafkaError as exc:
            raise KafkaUnavailable(
                f"Kafka at {self.bootstrap} failed while fetching: {exc}; {RESUME_ADVICE}"
            ) from None
        if polled:
            self._last_contact = self._clock()
        return polled

    def _fenced(self) -> InstanceFenced:
        return InstanceFenced(
            f"another consumer joined group {self.group_id!r} at {self.bootstrap} with the same "
            f"instance id {self.instance_id!r} and took over its partitions; give each "
            "consumer of a group its own --instance-id"
        )

    def _with_broker(self, what: str, action: Callable[[int], T]) -> T:
        """Run a broker request, retrying failures with backoff for up to ``timeout_s`` in all
        (a broker restart within that is survived); then fail naming ``what``.

        ``action`` gets the milliseconds left, to pass on as the request's own timeout, so no
        single call can outlive the budget (kafka-python's defaults would wait 35 s each)."""
        from kafka.errors import FencedInstanceIdError, KafkaError

        deadline = self._clock() + self.timeout_s
        delay = self.backoff_s
        while True:
            left = deadline - self._clock()
            try:
                result = action(max(int(left * 1000), 100))
            except FencedInstanceIdError:
                raise self._fenced() from None
            except KafkaError as exc:
                if self._clock() + delay >= deadline:
                    raise KafkaUnavailable(
                        f"Kafka at {self.bootstrap} did not answer for {self.timeout_s:.0f}s "
                        f"while {what} ({describe(exc)}); {RESUME_ADVICE}"
                    ) from None
                self.stats.retries += 1
                self._sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
                continue
            self._last_contact = self._clock()
            return result

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

    def _recommit_positions(self, timeout_ms: int) -> None:
        """Commit the positions of the assigned partitions again (between batches they are
        exactly what was committed last, so this changes nothing but the question it asks)."""
        from kafka.errors import CommitFailedError
        from kafka.structs import OffsetAndMetadata

        assigned = self._assignment()
        if not assigned:
            return
        offsets = {
            tp: OffsetAndMetadata(self._consumer.position(tp, timeout_ms=timeout_ms), "", -1)
            for tp in assigned
        }
        with contextlib.suppress(CommitFailedError):  # mid-rebalance: ask again next time
            self._consumer.commit(offsets=offsets, timeout_ms=timeout_ms)

    def _assignment(self) -> set[Any]:
        return set(self._consumer.assignment())

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
        self._finish(_Pending(batch, _next_offsets(messages), done), None)

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

    def _dead_letter(self, rejects: list[tuple[Any, str]]) -> None:
        from kafka.errors import KafkaError

        try:
            futures = [
                self._dlq.send(
                    self.dlq_topic,
                    key=message.key,
                    value=message.value if message.value is not None else b"",
                    headers=dead_letter_headers(
                        reason, message.topic, message.partition, message.offset
                    ),
                )
                for message, reason in rejects
            ]
            self._dlq.flush(timeout=self.timeout_s)
            for future in futures:
                future.get(timeout=self.timeout_s)
        except KafkaError as exc:
            raise KafkaUnavailable(
                f"could not write {len(rejects)} dead letters to {self.dlq_topic} at "
                f"{self.bootstrap} within {self.timeout_s:.0f}s: {describe(exc)}; "
                f"{RESUME_ADVICE}"
            ) from None
        self._last_contact = self._clock()

    def _commit(self, offsets: dict[Any, Any]) -> None:
        from kafka.errors import CommitFailedError

        def commit(ms: int) -> bool:
            try:
                self._consumer.commit(offsets=offsets, timeout_ms=ms)
            except CommitFailedError:
                # The partitions moved to another member during this batch; it will replay
                # the batch from the last commit, which the idempotent upserts make harmless.
                return False
            return True

        if self._with_broker("committing offsets", commit):
            self.stats.commits += 1

    def close(self, timeout_s: float = 5.0) -> None:
        """Close the Kafka clients, each within ``timeout_s``; never raises (offsets are
        committed after every batch and dead letters acknowledged before it, so nothing is
        lost, and an error from closing must not hide the one that ended the run)."""
        _quietly(lambda: self._consumer.close(autocommit=False, timeout_ms=int(timeout_s * 1000)))
        _quietly(lambda: self._dlq.close(timeout=timeout_s))

    def __enter__(self) -> GraphSinkConsumer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(timeout_s=1.0 if exc_info[0] is not None else 5.0)


def _quietly(action: Callable[[], object]) -> None:
    """Run a clean-up step; an error from it is dropped (it would hide the first error)."""
    with contextlib.suppress(Exception):  # clean-up only: nothing is left to save
        action()
