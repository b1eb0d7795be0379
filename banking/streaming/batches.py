"""The batching core of the graph-sink consumer: one poll decoded into the newest event per
entity plus the rejects, and the offsets that batch commits once its write is done."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from banking.streaming.entities import spec_for
from banking.streaming.events import EntityEvent, InvalidEvent
from banking.streaming.topics import DEFAULT_PREFIX, entity_for_topic


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
class PendingBatch:
    """A decoded batch whose graph write is in flight, and the offsets it will commit."""

    batch: DecodedBatch
    offsets: dict[Any, Any]
    write: Future


def next_offsets(messages: Sequence[Any]) -> dict[Any, Any]:
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
