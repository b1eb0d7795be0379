"""Append runs of records straight into kafka-python's record accumulator.

kafka-python's ``send`` costs tens of microseconds per record (argument checks, a partitioner
call, a future and several varint calls per record), which caps a Python producer far below
the broker's speed. ``BulkAppender`` does the same work once per run: it encodes each record
(Kafka message format v2, no headers) with a few byte joins, fills the accumulator's
``ProducerBatch`` objects up to ``batch_size`` under the accumulator's partition lock, and
registers one callback per Kafka batch. From there on kafka-python's sender drains, compresses,
assigns idempotent sequence numbers, retries and completes the batches as usual.

It relies on accumulator internals that kafka-python has kept stable across 2.x and 3.x;
``for_producer`` checks they are there and returns None otherwise, and the producer then uses
the client's public ``send``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

# New batches between wake-ups of the sender within one long ``append`` (8 MiB at 256 KiB).
WAKE_EVERY = 32


def _zigzag_varint(value: int) -> bytes:
    value = (value << 1) ^ (value >> 63)
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# Varints of the small numbers every record uses (offset deltas, key and value lengths).
_VARINT = tuple(_zigzag_varint(i) for i in range(1 << 14))


def _varint(value: int) -> bytes:
    return _VARINT[value] if value < 16384 else _zigzag_varint(value)


def encode_record(offset_delta: int, timestamp_delta: int, key: bytes, value: bytes) -> bytes:
    """One v2 record: length, attributes, deltas, key, value, zero headers."""
    body = b"".join(
        (
            b"\x00",
            _varint(timestamp_delta),
            _varint(offset_delta),
            _varint(len(key)),
            key,
            _varint(len(value)),
            value,
            b"\x00",
        )
    )
    return _varint(len(body)) + body


class BulkAppender:
    """Fills kafka-python ``ProducerBatch``es for one producer; see the module docstring."""

    def __init__(self, producer: Any, on_done: Callable[[int, BaseException | None, int], None]):
        from kafka.producer.producer_batch import ProducerBatch
        from kafka.record.memory_records import MemoryRecordsBuilder
        from kafka.structs import TopicPartition

        self._producer = producer
        self._accumulator = producer._accumulator
        self._sender = producer._sender
        self._config = self._accumulator.config
        self._on_done = on_done
        self._new_batches = 0
        self._batch_cls = ProducerBatch
        self._builder_cls = MemoryRecordsBuilder
        self._tp_cls = TopicPartition

    @classmethod
    def for_producer(
        cls, producer: Any, on_done: Callable[[int, BaseException | None, int], None]
    ) -> BulkAppender | None:
        """An appender, or None if this kafka-python lacks the internals it needs."""
        try:
            accumulator = producer._accumulator
            needed = ("_batches", "_tp_lock", "_incomplete", "_appends_in_progress", "config")
            if not all(hasattr(accumulator, name) for name in needed):
                return None
            if accumulator.config.get("message_version", 2) < 2:
                return None
            if producer.config.get("transactional_id"):
                return None
            len(accumulator._incomplete._incomplete)
            appender = cls(producer, on_done)
            appender._builder_cls(2, 0, 1024)._builder._buffer  # noqa: B018 (v2 builder present)
            return appender
        except Exception:
            return None

    def append(
        self,
        topic: str,
        partitions: Sequence[int],
        keys: Sequence[bytes],
        values: Sequence[bytes],
        max_block_s: float,
    ) -> None:
        """Queue records in order; records of one partition keep their relative order."""
        by_partition: dict[int, list[int]] = {}
        for index, partition in enumerate(partitions):
            by_partition.setdefault(partition, []).append(index)
        timestamp = int(time.time() * 1000)
        try:
            for partition, indexes in by_partition.items():
                tp = self._tp_cls(topic, partition)
                self._append_partition(
                    tp,
                    [keys[i] for i in indexes],
                    [values[i] for i in indexes],
                    timestamp,
                    max_block_s,
                )
        finally:
            # One wake-up per run (and one per WAKE_EVERY new batches in a long run), not one
            # per filled batch: each wake-up hands the GIL to the sender's I/O thread, which
            # keeps it for up to a switch interval (5 ms) while this thread waits; one per
            # batch cost more than encoding the records. ``_wait_for_room`` still wakes the
            # sender whenever the queue is long.
            self._sender.wakeup()

    def _append_partition(
        self,
        tp: Any,
        keys: list[bytes],
        values: list[bytes],
        timestamp: int,
        max_block_s: float,
    ) -> None:
        from kafka.errors import IllegalStateError

        accumulator = self._accumulator
        batch_size = self._config["batch_size"]
        position = 0
        while position < len(keys):
            self._wait_for_room(max_block_s)
            if accumulator._closed:
                raise IllegalStateError("producer is closed")
            accumulator._appends_in_progress.increment()
            try:
                with accumulator._tp_lock(tp):
                    queue = accumulator._batches[tp]
                    batch = queue[-1] if queue else None
                    start = position
                    if batch is not None and not batch.records._closed:
                        position = self._fill(batch, keys, values, position, timestamp, batch_size)
                        self._track(batch)[0] += position - start
                    if position == start:
                        self._new_batches += 1
                        if self._new_batches % WAKE_EVERY == 0:
                            self._sender.wakeup()  # a long run: let the sender start on it
                        batch = self._new_batch(tp)
                        counter = self._track(batch)
                        queue.append(batch)
                        accumulator._incomplete.add(batch)
                        position = self._fill(batch, keys, values, position, timestamp, batch_size)
                        counter[0] += position - start
            finally:
                accumulator._appends_in_progress.decrement()

    def _new_batch(self, tp: Any) -> Any:
        records = self._builder_cls(
            self._config["message_version"],
            self._config["compression_attrs"],
            self._config["batch_size"],
        )
        return self._batch_cls(tp, records, now=time.monotonic())

    def _track(self, batch: Any) -> list[int]:
        """The count of records this appender put in ``batch``, reported once it completes.

        ``send`` may share a batch with us; its records have their own futures, so only ours
        are counted here.
        """
        counter = getattr(batch, "_bulk_records", None)
        if counter is None:
            counter = [0]
            batch._bulk_records = counter
            on_done = self._on_done

            def completed(result: Any) -> None:
                # kafka-python 3 completes a failed batch's future too (an expired batch, say),
                # with a function giving each record's exception: that is a failure, not a send.
                failed = result[2] if isinstance(result, tuple) and len(result) > 2 else None
                if failed is None:
                    on_done(counter[0], None, batch.records.size_in_bytes())
                else:
                    on_done(counter[0], failed(0), 0)

            batch.produce_future.add_callback(completed)
            batch.produce_future.add_errback(lambda exc: on_done(counter[0], exc, 0))
        return counter

    @staticmethod
    def _fill(
        batch: Any,
        keys: list[bytes],
        values: list[bytes],
        position: int,
        timestamp: int,
        batch_size: int,
    ) -> int:
        """Append records from ``position`` until the batch is full; return the new position."""
        memory = batch.records
        builder = memory._builder
        buffer = builder._buffer
        offset = memory._next_offset
        if builder._first_timestamp is None:
            builder._first_timestamp = timestamp
            builder._max_timestamp = timestamp
        delta = max(0, timestamp - builder._first_timestamp)
        largest = batch.max_record_size
        end = len(keys)
        while position < end:
            record = encode_record(offset, delta, keys[position], values[position])
            if len(buffer) + len(record) > batch_size and builder._num_records:
                break
            buffer += record
            builder._num_records += 1
            builder._last_offset = offset
            offset += 1
            position += 1
            if len(record) > largest:
                largest = len(record)
        if builder._max_timestamp < timestamp:
            builder._max_timestamp = timestamp
        memory._next_offset = offset
        batch.max_record_size = largest
        batch.last_append = time.monotonic()
        return position

    def _wait_for_room(self, max_block_s: float) -> None:
        """Back-pressure: block while too many batches wait to be sent (the client's
        Java client's ``buffer.memory`` role), and fail after ``max_block_s`` like ``send`` does."""
        from kafka.errors import KafkaTimeoutError

        limit = 256
        deadline = None
        while len(self._accumulator._incomplete._incomplete) > limit:
            now = time.monotonic()
            deadline = deadline or now + max_block_s
            if now > deadline:
                raise KafkaTimeoutError(f"no room to queue events after {max_block_s:.0f}s")
            self._sender.wakeup()
            time.sleep(0.002)
