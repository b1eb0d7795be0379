"""Kafka's default key partitioning (murmur2), vectorised over a batch of keys.

The Java client and kafka-python put a keyed record on ``(murmur2(key) & 0x7fffffff) % n``. The
pure-Python murmur2 costs more than everything else the producer does per event, so batches are
hashed with numpy, grouped by key length (entity ids have a fixed length, so usually one group).
The result is bit-identical to the Java client's, so other clients agree on where a key lives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_SEED = 0x9747B28C
_M = np.uint32(0x5BD1E995)


def murmur2_many(keys: Sequence[bytes]) -> np.ndarray:
    """Kafka's murmur2 of each key, as uint32."""
    out = np.empty(len(keys), dtype=np.uint32)
    if not keys:
        return out
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    for length in np.unique(lengths).tolist():
        index = np.flatnonzero(lengths == length)
        if len(index) == len(keys):
            data = b"".join(keys)
        else:
            data = b"".join([keys[i] for i in index.tolist()])
        out[index] = _murmur2_fixed(np.frombuffer(data, dtype=np.uint8), len(index), length)
    return out


def _murmur2_fixed(flat: np.ndarray, count: int, length: int) -> np.ndarray:
    rows = flat.reshape(count, length) if length else np.zeros((count, 0), np.uint8)
    h = np.full(count, (_SEED ^ length) & 0xFFFFFFFF, dtype=np.uint32)
    with np.errstate(over="ignore"):
        blocks = length // 4
        if blocks:
            words = rows[:, : blocks * 4].copy().view("<u4").astype(np.uint32)
            for i in range(blocks):
                k = words[:, i] * _M
                k ^= k >> np.uint32(24)
                k *= _M
                h *= _M
                h ^= k
        tail = length & ~3
        extra = length % 4
        if extra >= 3:
            h ^= rows[:, tail + 2].astype(np.uint32) << np.uint32(16)
        if extra >= 2:
            h ^= rows[:, tail + 1].astype(np.uint32) << np.uint32(8)
        if extra >= 1:
            h ^= rows[:, tail].astype(np.uint32)
            h *= _M
        h ^= h >> np.uint32(13)
        h *= _M
        h ^= h >> np.uint32(15)
    return h


def partitions_for(keys: Sequence[bytes], num_partitions: int) -> list[int]:
    """The partition the default partitioner picks for each key."""
    if num_partitions <= 1:
        return [0] * len(keys)
    hashes = murmur2_many(keys) & np.uint32(0x7FFFFFFF)
    return (hashes % np.uint32(num_partitions)).tolist()
