"""Scatter-gather: a source splits funds over intermediates, which all forward to one sink.

Every scatter hop happens in the first half of the window and every gather hop in the second,
so each intermediate receives before it forwards.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params
from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext

NAME = "scatter_gather"
DEFAULTS = MappingProxyType(
    {
        "min_intermediates": 3,
        "max_intermediates": 8,
        "window_days": 10,
        **params.transfers(1_000.0, 9_500.0, fees=(0.0, 0.05), channel="wire"),
    }
)
CHOICES = params.TRANSFER_CHOICES


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    params.check_range(p, NAME, "min_intermediates", "max_intermediates", 1)
    params.check_transfers(p, NAME)
    params.check_window(ctx, NAME, p["window_days"] * DAY, 2 * p["max_intermediates"])
    params.need(ctx, NAME, accounts=p["max_intermediates"] + 2)


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    n = int(inst.rng.integers(p["min_intermediates"], p["max_intermediates"] + 1))
    source, sink, *middle = inst.existing_accounts(n + 2)
    start, end = inst.window(p["window_days"] * DAY)
    half = start + (end - start) / 2
    scatter_times, gather_times = inst.times(n, start, half), inst.times(n, half, end)
    amounts = inst.amounts(n, p["amount_min"], p["amount_max"])
    kw = {"channel": p["channel"], "currency": p["currency"]}
    for account, amount, moment in zip(middle, amounts, scatter_times, strict=True):
        inst.transfer(source, account, amount, moment, **kw)
    for account, amount, moment in zip(middle, amounts, gather_times, strict=True):
        inst.transfer(
            account, sink, inst.after_fee(amount, p["min_fee"], p["max_fee"]), moment, **kw
        )
    return {
        "source": source,
        "intermediates": middle,
        "sink": sink,
        "window": [iso(start), iso(end)],
    }
