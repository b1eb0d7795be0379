"""The dead-letter topic: messages the consumer could not apply, with the reason.

A dead letter keeps the original key and bytes untouched as its key and value, so it can be
inspected byte for byte and replayed as it was; the reason and the origin travel in headers:
``error``, ``error_type``, ``source_topic``, ``source_partition``, ``source_offset``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from banking.errors import ServiceUnavailable, UsageError
from banking.streaming.topics import (
    DEFAULT_PREFIX,
    START_ADVICE,
    bootstrap_servers,
    dlq_topic,
    existing_topics,
)

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    partition: int
    key: bytes | None
    value: bytes
    error: str
    error_type: str
    source_topic: str
    source_partition: int
    source_offset: int

    def summary(self, width: int = 80) -> str:
        preview = self.value[:width].decode("utf-8", "replace").replace("\n", " ")
        return (
            f"{self.source_topic}[{self.source_partition}]@{self.source_offset} "
            f"{self.error_type}: {self.error} | {preview}"
        )


def dead_letter_headers(
    error: BaseException | str, source_topic: str, source_partition: int, source_offset: int
) -> list[tuple[str, bytes]]:
    """Kafka headers describing why and where a message failed."""
    message = str(error).replace("\n", " ")[:MAX_ERROR_CHARS]
    error_type = "InvalidEvent" if isinstance(error, str) else type(error).__name__
    return [
        ("error", message.encode()),
        ("error_type", error_type.encode()),
        ("source_topic", source_topic.encode()),
        ("source_partition", str(source_partition).encode()),
        ("source_offset", str(source_offset).encode()),
    ]


def parse_dead_letter(message) -> DeadLetter:
    headers = {k: v for k, v in (message.headers or [])}

    def text(name: str, default: str = "") -> str:
        value = headers.get(name)
        return value.decode("utf-8", "replace") if value is not None else default

    return DeadLetter(
        offset=message.offset,
        partition=message.partition,
        key=message.key,
        value=message.value or b"",
        error=text("error"),
        error_type=text("error_type"),
        source_topic=text("source_topic"),
        source_partition=int(text("source_partition", "-1") or -1),
        source_offset=int(text("source_offset", "-1") or -1),
    )


def _consumer(bootstrap: str, group_id: str | None, timeout_s: float):
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    try:
        return KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id="banking-dlq",
            allow_auto_create_topics=False,
            request_timeout_ms=int(max(timeout_s, 5) * 1000) + 1000,
            bootstrap_timeout_ms=int(timeout_s * 1000),
        )
    except (KafkaError, OSError) as exc:
        raise ServiceUnavailable(
            f"Kafka does not answer at {bootstrap} ({exc}); {START_ADVICE}"
        ) from None


class DeadLetterReader:
    """Reads the dead-letter topic from the start (no group: changes nothing) or from a
    group's committed position up to the end it had when reading began."""

    def __init__(
        self,
        bootstrap: str | None = None,
        prefix: str = DEFAULT_PREFIX,
        *,
        group_id: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.bootstrap = bootstrap_servers(bootstrap)
        self.topic = dlq_topic(prefix)
        self.group_id = group_id
        self.timeout_s = timeout_s
        self._consumer = _consumer(self.bootstrap, group_id, timeout_s)

    def __iter__(self) -> Iterator[DeadLetter]:
        from kafka.structs import TopicPartition

        consumer = self._consumer
        partitions = consumer.partitions_for_topic(self.topic)
        if not partitions:
            return
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        if self.group_id is None:
            consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        remaining = {tp for tp in tps if consumer.position(tp) < end[tp]}
        while remaining:
            polled = consumer.poll(timeout_ms=int(self.timeout_s * 1000))
            if not polled:
                raise ServiceUnavailable(f"dead-letter topic {self.topic} stopped answering")
            for tp, messages in sorted(polled.items()):
                for message in messages:
                    if message.offset < end[tp]:
                        yield parse_dead_letter(message)
                if consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)

    def commit(self) -> None:
        """Record the position reached (only with a group)."""
        if self.group_id is not None:
            self._consumer.commit()

    def close(self) -> None:
        self._consumer.close(autocommit=False)

    def __enter__(self) -> DeadLetterReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def show(
    bootstrap: str | None = None, prefix: str = DEFAULT_PREFIX, limit: int | None = None
) -> list[DeadLetter]:
    """Up to ``limit`` dead letters, oldest first (reads without a group: changes nothing)."""
    if limit is not None and limit < 0:
        raise UsageError(f"limit must be non-negative, got {limit}")
    bootstrap = bootstrap_servers(bootstrap)
    existing_topics(bootstrap, [dlq_topic(prefix)], prefix=prefix)  # a typo is no empty DLQ
    letters: list[DeadLetter] = []
    with DeadLetterReader(bootstrap, prefix) as reader:
        for letter in reader:
            if limit is not None and len(letters) >= limit:
                break
            letters.append(letter)
    return letters


def replay(
    bootstrap: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    *,
    group_id: str | None = None,
    timeout_s: float = 30.0,
) -> int:
    """Send each dead letter not yet replayed back to its source topic, as it was.

    Progress is the ``<prefix>dlq-replay`` group's committed offset, committed only after the
    replayed messages are acknowledged, so a replay can be interrupted and repeated.
    """
    from banking.streaming.producer import EntityProducer

    bootstrap = bootstrap_servers(bootstrap)
    existing_topics(bootstrap, [dlq_topic(prefix)], prefix=prefix)  # before anything is created
    group = group_id or f"{prefix}dlq-replay"
    count = 0
    with (
        EntityProducer(bootstrap, topic_prefix=prefix, timeout_s=timeout_s) as producer,
        DeadLetterReader(bootstrap, prefix, group_id=group) as reader,
    ):
        for letter in reader:
            if not letter.source_topic:
                continue
            producer.send_raw(letter.source_topic, letter.key, letter.value)
            count += 1
            if count % 1000 == 0:
                producer.flush()
                reader.commit()
        producer.flush()
        reader.commit()
    return count
