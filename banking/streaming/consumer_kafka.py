"""The graph-sink consumer's Kafka side: creating its clients, polling, committing, writing
dead letters, and retrying a broker request with backoff within one ``timeout_s`` budget.

``KafkaLink`` is a mixin of ``GraphSinkConsumer`` (banking.streaming.consumer), which sets the
attributes it declares; the contract is in that module's docstring."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from banking.errors import UsageError
from banking.streaming.batches import ConsumerStats
from banking.streaming.delivery import KafkaUnavailable, describe
from banking.streaming.dlq import dead_letter_headers
from banking.streaming.topics import START_ADVICE

T = TypeVar("T")
# What to do after a broker failure: the tail of those messages.
RESUME_ADVICE = (
    "check the broker (banking services status) and run the same command again: "
    "it resumes from the last committed batch"
)


class InstanceFenced(UsageError):
    """Another consumer joined the group with the same static instance id and took over."""


class KafkaLink:
    """Kafka clients and broker requests of a ``GraphSinkConsumer``."""

    bootstrap: str
    group_id: str
    instance_id: str | None
    session_timeout_s: float | None
    batch_size: int
    poll_timeout_ms: int
    topics: list[str]
    dlq_topic: str
    backoff_s: float
    max_backoff_s: float
    timeout_s: float
    stats: ConsumerStats
    _sleep: Callable[[float], None]
    _clock: Callable[[], float]
    _last_contact: float
    _partitions: list[Any]
    _consumer: Any
    _dlq: Any

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
        quietly(lambda: self._consumer.close(autocommit=False, timeout_ms=int(timeout_s * 1000)))
        quietly(lambda: self._dlq.close(timeout=timeout_s))


def quietly(action: Callable[[], object]) -> None:
    """Run a clean-up step; an error from it is dropped (it would hide the first error)."""
    with contextlib.suppress(Exception):  # clean-up only: nothing is left to save
        action()
