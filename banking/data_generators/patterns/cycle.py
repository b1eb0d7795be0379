"""Cycle (round-tripping): funds leave an account and return to it through 1..k-1 others.

Hops are strictly time-ordered and each hop's amount is the previous one less a fee, so the
money visibly decays on its way round, as in AMLSim's cycle typology.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext
from banking.data_generators.patterns.params import (
    CHANNELS,
    CURRENCIES,
    check_amounts,
    check_fees,
    check_range,
    check_window,
    need,
)

NAME = "cycle"
DEFAULTS = MappingProxyType(
    {
        "min_length": 2,
        "max_length": 6,
        "window_days": 14,
        "amount_min": 5_000.0,
        "amount_max": 100_000.0,
        "min_fee": 0.005,
        "max_fee": 0.03,
        "channel": "wire",
        "currency": "USD",
    }
)
CHOICES = {"channel": CHANNELS, "currency": CURRENCIES}


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    check_range(p, NAME, "min_length", "max_length", 2)
    check_amounts(p, NAME)
    check_fees(p, NAME)
    check_window(ctx, NAME, p["window_days"] * DAY, p["max_length"])
    need(ctx, NAME, accounts=p["max_length"])


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    length = int(inst.rng.integers(p["min_length"], p["max_length"] + 1))
    ring = inst.existing_accounts(length)
    start, end = inst.window(p["window_days"] * DAY)
    times = inst.times(length, start, end)
    amount = inst.amounts(1, p["amount_min"], p["amount_max"])[0]
    txns, amounts = [], []
    for hop, moment in enumerate(times):
        source, target = ring[hop], ring[(hop + 1) % length]
        txns.append(
            inst.transfer(
                source, target, amount, moment, channel=p["channel"], currency=p["currency"]
            )
        )
        amounts.append(amount)
        amount = inst.after_fee(amount, p["min_fee"], p["max_fee"])
    return {
        "cycle": ring,
        "length": length,
        "transactions": txns,
        "amounts": amounts,
        "window": [iso(start), iso(end)],
    }
