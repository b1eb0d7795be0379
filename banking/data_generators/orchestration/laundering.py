"""Typology instances sized to hit a laundering-transaction target (for the presets' rates).

A chunk must hold ``target`` laundering transactions (transactions with a ``pattern_id``), so
that the dataset's rate is the preset's "1 per N". Instances vary in size, so the target is
met in steps, each one ``inject`` call with its own random stream and its own id range:

1. ``n`` instances of every typology, ``n`` sized from the mean transactions per instance
   (``MEAN_TRANSACTIONS``) to reach about 90% of the target: the typology mix stays even;
2. fan-in instances with exactly ``TOP_UP_DEGREE`` sources (one transaction each) for most of
   what is left, then one fan-in whose degree is the exact remainder.

The result is exact except when one transaction is left after step 1 (a fan-in needs two):
then the chunk has one more. Windows longer than the preset's span are shortened to it.
"""

from __future__ import annotations

import importlib
from typing import Any

from banking.models import Typology
from banking.seeding import stream_rng

# Mean laundering transactions per instance of each typology with default parameters (1,000
# instances each, seed 42, span 10 or 97 days); only step 1's first guess depends on them.
MEAN_TRANSACTIONS: dict[str, float] = {
    "structuring": 11.6,
    "fan_in": 8.5,
    "fan_out": 8.5,
    "cycle": 4.0,
    "scatter_gather": 11.0,
    "gather_scatter": 11.0,
    "bipartite": 12.3,
    "stack": 22.0,
    "mule_chain": 5.5,
    "fraud_ring": 9.0,
    "ownership_chain": 0.0,
}
FIRST_STEP_SHARE = 0.9
TOP_UP_DEGREE = 12
# Counter bits of one inject call's ids inside a chunk's range (ids.py counts 48 bits per
# namespace: a chunk owns 2**CHUNK_ID_BITS of them, each call 2**CALL_ID_BITS).
CHUNK_ID_BITS = 28
CALL_ID_BITS = 22


def _patterns() -> Any:
    return importlib.import_module("banking.data_generators.patterns")


def span_params(span_days: int) -> dict[str, dict[str, Any]]:
    """Per typology: its time windows shortened to fit a ``span_days`` dataset."""
    registry = importlib.import_module("banking.data_generators.patterns.registry")
    out: dict[str, dict[str, Any]] = {}
    for typology, defaults in registry.TYPOLOGY_DEFAULTS.items():
        params: dict[str, Any] = {}
        if defaults.get("window_days", 0) > span_days:
            params["window_days"] = span_days
        if defaults.get("window_hours", 0) > span_days * 24:
            params["window_hours"] = span_days * 24
        out[typology.value] = params
    return out


def _laundering(injected: Any) -> int:
    return len(injected.transactions)


def inject_to_target(
    ctx: Any, target: int, seed: int, chunk_seed: int, chunk: int, span_days: int
) -> Any:
    """Typology instances over ``ctx`` holding ``target`` laundering transactions (see module
    docstring); ids from the root ``seed`` in chunk ``chunk``'s range, streams from
    ``chunk_seed``. Returns ``InjectedPatterns``."""
    patterns = _patterns()
    params = span_params(span_days)
    injected = patterns.InjectedPatterns()
    calls = 0

    def call(typology: str, count: int, **extra: Any) -> None:
        nonlocal calls
        if count <= 0:
            return
        stream = stream_rng(chunk_seed, f"typologies:{calls}")
        call_seed = int(stream.integers(0, 2**63))
        start = (chunk << CHUNK_ID_BITS) + (calls << CALL_ID_BITS)
        calls += 1
        injected.extend(
            patterns.inject(
                typology,
                ctx,
                count,
                call_seed,
                id_seed=seed,
                id_start=start,
                **{**params[typology], **extra},
            )
        )

    per_round = sum(MEAN_TRANSACTIONS.values())
    each = int(target * FIRST_STEP_SHARE // per_round)
    for typology in Typology:  # fixed order: deterministic
        call(typology.value, each)
    left = target - _laundering(injected)
    full, rest = divmod(max(left, 0), TOP_UP_DEGREE)
    if rest == 1 and full:
        full, rest = full - 1, TOP_UP_DEGREE + 1
    fixed = {"min_degree": TOP_UP_DEGREE, "max_degree": TOP_UP_DEGREE}
    call("fan_in", full, **fixed)
    if rest:
        degree = max(rest, 2)
        call("fan_in", 1, min_degree=degree, max_degree=degree)
    return injected
