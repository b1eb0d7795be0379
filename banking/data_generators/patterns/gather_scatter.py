"""Gather-scatter: many sources pay one hub, which then pays out to many targets.

The gather phase fills the first half of the window and the scatter phase the second; the hub
pays out what it gathered less a fee.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params
from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext

NAME = "gather_scatter"
DEFAULTS = MappingProxyType(
    {
        "min_sources": 3,
        "max_sources": 8,
        "min_targets": 3,
        "max_targets": 8,
        "window_days": 10,
        **params.transfers(1_000.0, 9_500.0, fees=(0.0, 0.05), channel="wire"),
    }
)
CHOICES = params.TRANSFER_CHOICES


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    params.check_range(p, NAME, "min_sources", "max_sources", 1)
    params.check_range(p, NAME, "min_targets", "max_targets", 1)
    params.check_transfers(p, NAME)
    params.check_window(
        ctx, NAME, p["window_days"] * DAY, 2 * max(p["max_sources"], p["max_targets"])
    )
    params.need(ctx, NAME, accounts=p["max_sources"] + p["max_targets"] + 1)


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    rng = inst.rng
    n_in = int(rng.integers(p["min_sources"], p["max_sources"] + 1))
    n_out = int(rng.integers(p["min_targets"], p["max_targets"] + 1))
    hub, *others = inst.existing_accounts(1 + n_in + n_out)
    sources, targets = others[:n_in], others[n_in:]
    start, end = inst.window(p["window_days"] * DAY)
    half = start + (end - start) / 2
    amounts = inst.amounts(n_in, p["amount_min"], p["amount_max"])
    kw = {"channel": p["channel"], "currency": p["currency"]}
    for account, amount, moment in zip(
        sources, amounts, inst.times(n_in, start, half), strict=True
    ):
        inst.transfer(account, hub, amount, moment, **kw)
    payout = inst.after_fee(sum(amounts), p["min_fee"], p["max_fee"])
    parts = inst.split(payout, n_out)
    for account, amount, moment in zip(targets, parts, inst.times(n_out, half, end), strict=True):
        inst.transfer(hub, account, amount, moment, **kw)
    return {
        "sources": sources,
        "hub": hub,
        "targets": targets,
        "window": [iso(start), iso(end)],
    }
