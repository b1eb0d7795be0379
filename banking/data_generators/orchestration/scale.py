"""How many of each entity and typology instance a bank of a given scale has.

Scale 1 is about IBM AMLworld HI-Small (about 515k accounts, 5M transactions). Persons and
companies are sized so each owner holds about 1.5 accounts (retail 88% / business 12% of
owners); communications are two per person. Typology instances scale linearly (100 per typology
at scale 1, about 0.2% of transactions laundering-related) with a floor so even a tiny bank has
a few of each.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from banking.data_generators.base import check_count
from banking.errors import UsageError
from banking.models import Typology

SCALE_1_COUNTS = {
    "persons": 300_000,
    "companies": 40_000,
    "accounts": 500_000,
    "transactions": 5_000_000,
    "communications": 600_000,
}
# Smallest scale-derived counts: enough owners and accounts for every typology to find members.
MIN_COUNTS = {
    "persons": 50,
    "companies": 10,
    "accounts": 60,
    "transactions": 100,
    "communications": 20,
}
TYPOLOGY_INSTANCES_AT_SCALE_1 = 100
MIN_TYPOLOGY_INSTANCES = 3


def check_scale(scale: Any) -> float:
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise UsageError(f"scale must be a number, got {scale!r}")
    value = float(scale)
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"scale must be a positive number, got {scale!r}")
    return value


def entity_counts(scale: float, overrides: dict[str, int] | None = None) -> dict[str, int]:
    """Counts per generated entity: ``scale`` times the scale-1 counts, then ``overrides``."""
    scale = check_scale(scale)
    counts = {
        name: max(MIN_COUNTS[name], round(base * scale)) for name, base in SCALE_1_COUNTS.items()
    }
    for name, value in (overrides or {}).items():
        if name not in counts:
            raise UsageError(f"unknown entity count {name!r}; known: {', '.join(counts)}")
        if value is not None:
            counts[name] = check_count(value, name)
    if counts["accounts"] and counts["persons"] + counts["companies"] == 0:
        raise UsageError("accounts need owners: persons + companies must be at least 1")
    if counts["companies"] and counts["persons"] == 0:
        raise UsageError("companies need shareholders: persons must be at least 1")
    if counts["transactions"] and counts["accounts"] < 2:
        raise UsageError("transactions need at least 2 accounts")
    if counts["communications"] and counts["persons"] < 2:
        raise UsageError("communications need at least 2 persons")
    return counts


def typology_counts(scale: float, overrides: dict[str, int] | None = None) -> dict[str, int]:
    """Instances per typology (in ``Typology`` order): linear in ``scale`` with a floor."""
    scale = check_scale(scale)
    default = max(MIN_TYPOLOGY_INSTANCES, round(TYPOLOGY_INSTANCES_AT_SCALE_1 * scale))
    counts = {t.value: default for t in Typology}
    for name, value in (overrides or {}).items():
        key = getattr(name, "value", name)
        if key not in counts:
            raise UsageError(f"unknown typology {name!r}; known: {', '.join(counts)}")
        counts[key] = check_count(value, f"count of {key}")
    return counts
