"""Structuring (smurfing): many deposits just under a reporting threshold into one account.

A few smurf accounts make ``n`` deposits into the target within a short window; every amount is
in ``[min_fraction * threshold, threshold)`` and ``n * min_fraction > 1``, so each deposit stays
under the threshold while their total exceeds it.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params
from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext

NAME = "structuring"
DEFAULTS = MappingProxyType(
    {
        "threshold": 10_000.0,
        "min_deposits": 8,
        "max_deposits": 15,
        "max_smurfs": 4,
        "min_fraction": 0.8,
        "window_days": 7,
        "channel": "cash",
        "currency": "USD",
    }
)
CHOICES = params.TRANSFER_CHOICES


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    params.require(
        p["threshold"] >= 1.0, NAME, f"threshold must be at least 1, got {p['threshold']}"
    )
    params.check_range(p, NAME, "min_deposits", "max_deposits", 2)
    params.require(
        p["max_smurfs"] >= 1, NAME, f"max_smurfs must be at least 1, got {p['max_smurfs']}"
    )
    params.require(
        0.0 < p["min_fraction"] < 1.0 and p["min_deposits"] * p["min_fraction"] > 1.0,
        NAME,
        "min_fraction must be in (0, 1) with min_deposits * min_fraction > 1 "
        f"(so the deposits sum over the threshold), got {p['min_fraction']}",
    )
    params.require(
        math.ceil(p["min_fraction"] * p["threshold"] * 100) < math.ceil(p["threshold"] * 100),
        NAME,
        "no whole-cent amount lies in [min_fraction * threshold, threshold)",
    )
    params.check_window(ctx, NAME, p["window_days"] * DAY, p["max_deposits"])
    params.need(ctx, NAME, accounts=1 + min(p["max_smurfs"], p["max_deposits"]))


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    rng = inst.rng
    n = int(rng.integers(p["min_deposits"], p["max_deposits"] + 1))
    k = min(p["max_smurfs"], n)
    target, *smurfs = inst.existing_accounts(k + 1)
    # Every smurf deposits at least once; the rest of the deposits go to random smurfs.
    sources = smurfs + [smurfs[i] for i in rng.integers(0, k, size=n - k).tolist()]
    sources = [sources[i] for i in rng.permutation(n).tolist()]
    threshold_cents = math.ceil(p["threshold"] * 100)  # deposits are < threshold_cents
    low_cents = math.ceil(p["min_fraction"] * p["threshold"] * 100)
    amounts = [c / 100 for c in rng.integers(low_cents, threshold_cents, size=n).tolist()]
    start, end = inst.window(p["window_days"] * DAY)
    times = inst.times(n, start, end)
    for source, amount, moment in zip(sources, amounts, times, strict=True):
        inst.transfer(source, target, amount, moment, channel=p["channel"], currency=p["currency"])
    return {
        "account": target,
        "threshold": p["threshold"],
        "window": [iso(start), iso(end)],
        "deposit_count": n,
        "total": round(sum(amounts), 2),
        "sources": list(dict.fromkeys(sources)),
    }
