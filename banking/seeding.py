"""Per-stream random generators derived from one root seed.

Each consumer asks for its own stream by name, so its output depends only on (seed, name):
not on which other generators exist, the order they were created in, PYTHONHASHSEED or the date.
"""

from __future__ import annotations

import hashlib

import numpy as np

from banking.errors import UsageError


def _stream_key(name: str) -> int:
    # blake2b, not hash(): str hashing is salted per process by PYTHONHASHSEED.
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


def check_seed(seed: int) -> int:
    """Return ``seed`` if it is a non-negative integer, else raise UsageError."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise UsageError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def stream_rng(seed: int, name: str) -> np.random.Generator:
    """A PCG64 generator for the named stream of ``seed``."""
    sequence = np.random.SeedSequence([check_seed(seed), _stream_key(name)])
    return np.random.Generator(np.random.PCG64(sequence))
