"""The producer's own encoding must be byte-identical to kafka-python's (and so Kafka's)."""

from __future__ import annotations

import random

from kafka.partitioner.default import murmur2
from kafka.record.default_records import DefaultRecordBatchBuilder

from banking.streaming.bulk import encode_record
from banking.streaming.partitioning import murmur2_many, partitions_for


def test_vectorised_murmur2_matches_the_client():
    rng = random.Random(7)
    keys = [rng.randbytes(rng.randint(0, 40)) for _ in range(2000)]
    keys += [f"TXN-{i:016X}".encode() for i in range(500)]
    assert murmur2_many(keys).tolist() == [murmur2(k) & 0xFFFFFFFF for k in keys]
    assert partitions_for(keys, 7) == [(murmur2(k) & 0x7FFFFFFF) % 7 for k in keys]
    assert partitions_for(keys[:3], 1) == [0, 0, 0]
    assert murmur2_many([]).tolist() == []


def test_record_encoding_matches_the_client_builder():
    rng = random.Random(3)
    builder = DefaultRecordBatchBuilder(2, 0, 0, -1, -1, -1, 10**7)
    ours = bytearray()
    first = 1_700_000_000_000
    for offset in range(300):
        key = rng.randbytes(rng.randint(1, 30))
        value = rng.randbytes(rng.choice([0, 5, 200, 20000]))
        timestamp = first + rng.randint(0, 5000) if offset else first
        builder.append(offset, timestamp, key, value, [])
        ours += encode_record(offset, timestamp - first, key, value)
    header = DefaultRecordBatchBuilder.HEADER_STRUCT.size
    assert bytes(builder._buffer[header:]) == bytes(ours)
