"""Cycle (round-tripping): funds leave an account and return to it through 1..k-1 others.

Hops are strictly time-ordered and each hop's amount is the previous one less a fee, so the
money visibly decays on its way round, as in AMLSim's cycle typology.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params
from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext

NAME = "cycle"
DEFAULTS = MappingProxyType(
    {
        "min_length": 2,
        "max_length": 6,
        "window_days": 14,
        **params.transfers(5_000.0, 100_000.0, fees=(0.005, 0.03), channel="wire"),
    }
)
CHOICES = params.TRANSFER_CHOICES


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    params.check_range(p, NAME, "min_length", "max_length", 2)
    params.check_transfers(p, NAME)
    params.check_window(ctx, NAME, p["window_days"] * DAY, p["max_length"])
    params.need(ctx, NAME, accounts=p["max_length"])


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    length = int(inst.rng.integers(p["min_length"], p["max_length"] + 1))
    ring = inst.existing_accounts(length)
    start, end = inst.window(p["window_days"] * DAY)
    times = inst.times(length, start, end)
    amount = inst.amounts(1, p["amount_min"], p["amount_max"])[0]
    txns, amounts = inst.hops([*ring, ring[0]], times, amount, p)
    return {
        "cycle": ring,
        "length": length,
        "transactions": txns,
        "amounts": amounts,
        "window": [iso(start), iso(end)],
    }
