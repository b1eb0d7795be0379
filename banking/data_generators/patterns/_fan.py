"""Shared body of fan-in and fan-out: one hub and many counterparties within a short window."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params
from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext

DEFAULTS = MappingProxyType(
    {
        "min_degree": 5,
        "max_degree": 12,
        "window_days": 3,
        **params.transfers(500.0, 9_000.0, channel="wire"),
    }
)
CHOICES = params.TRANSFER_CHOICES


def validate(name: str, p: dict[str, Any], ctx: PatternContext) -> None:
    params.check_range(p, name, "min_degree", "max_degree", 2)
    params.check_transfers(p, name)
    params.check_window(ctx, name, p["window_days"] * DAY, p["max_degree"])
    params.need(ctx, name, accounts=p["max_degree"] + 1)


def build(inst: Instance, p: dict[str, Any], *, inbound: bool) -> dict[str, Any]:
    n = int(inst.rng.integers(p["min_degree"], p["max_degree"] + 1))
    hub, *others = inst.existing_accounts(n + 1)
    start, end = inst.window(p["window_days"] * DAY)
    times = inst.times(n, start, end)
    amounts = inst.amounts(n, p["amount_min"], p["amount_max"])
    for other, amount, moment in zip(others, amounts, times, strict=True):
        source, target = (other, hub) if inbound else (hub, other)
        inst.transfer(source, target, amount, moment, channel=p["channel"], currency=p["currency"])
    return {
        "hub": hub,
        "sources" if inbound else "targets": others,
        "window": [iso(start), iso(end)],
        "degree": n,
    }
