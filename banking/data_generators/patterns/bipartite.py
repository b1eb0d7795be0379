"""Bipartite: every account of a sender set pays every account of a disjoint receiver set."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params
from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext

NAME = "bipartite"
DEFAULTS = MappingProxyType(
    {
        "min_senders": 2,
        "max_senders": 5,
        "min_receivers": 2,
        "max_receivers": 5,
        "window_days": 7,
        **params.transfers(500.0, 9_000.0, channel="wire"),
    }
)
CHOICES = params.TRANSFER_CHOICES


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    params.check_range(p, NAME, "min_senders", "max_senders", 1)
    params.check_range(p, NAME, "min_receivers", "max_receivers", 1)
    params.check_transfers(p, NAME)
    params.check_window(ctx, NAME, p["window_days"] * DAY, p["max_senders"] * p["max_receivers"])
    params.need(ctx, NAME, accounts=p["max_senders"] + p["max_receivers"])


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    rng = inst.rng
    n_s = int(rng.integers(p["min_senders"], p["max_senders"] + 1))
    n_r = int(rng.integers(p["min_receivers"], p["max_receivers"] + 1))
    chosen = inst.existing_accounts(n_s + n_r)
    senders, receivers = chosen[:n_s], chosen[n_s:]
    pairs = [(s, r) for s in senders for r in receivers]
    start, end = inst.window(p["window_days"] * DAY)
    times = inst.times(len(pairs), start, end)
    order = rng.permutation(len(pairs))  # pairs pay in a random order, not sender by sender
    amounts = inst.amounts(len(pairs), p["amount_min"], p["amount_max"])
    for moment, i, amount in zip(times, order.tolist(), amounts, strict=True):
        sender, receiver = pairs[i]
        inst.transfer(
            sender, receiver, amount, moment, channel=p["channel"], currency=p["currency"]
        )
    return {
        "senders": senders,
        "receivers": receivers,
        "edge_count": len(pairs),
        "window": [iso(start), iso(end)],
    }
