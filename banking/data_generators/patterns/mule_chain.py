"""Mule chain: funds hop quickly from a source account through a path of mule accounts.

By default each mule is a new person with a freshly opened account (mules are recruited for the
job); each mule keeps a small cut, and the whole chain completes within ``window_hours``.
"""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params
from banking.data_generators.patterns.builder import Instance, iso
from banking.data_generators.patterns.context import PatternContext

NAME = "mule_chain"
DEFAULTS = MappingProxyType(
    {
        "min_mules": 3,
        "max_mules": 6,
        "new_mules": True,
        "window_hours": 72,
        **params.transfers(2_000.0, 20_000.0, fees=(0.01, 0.05), channel="online"),
    }
)
CHOICES = params.TRANSFER_CHOICES


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    params.check_range(p, NAME, "min_mules", "max_mules", 1)
    params.check_transfers(p, NAME)
    params.check_window(ctx, NAME, p["window_hours"] * 3600, p["max_mules"] + 1)
    params.need(ctx, NAME, accounts=2 + (0 if p["new_mules"] else p["max_mules"]))


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    rng = inst.rng
    n = int(rng.integers(p["min_mules"], p["max_mules"] + 1))
    start, end = inst.window(p["window_hours"] * 3600)
    if p["new_mules"]:
        source, destination = inst.existing_accounts(2)
        mules, mule_accounts = [], []
        for _ in range(n):
            person = inst.new_person(risk_score=round(float(rng.uniform(0.5, 0.9)), 3))
            opened = start.date() - timedelta(days=int(rng.integers(1, 60)))
            account = inst.new_account(person.person_id, opened, currency=p["currency"])
            mules.append(person.person_id)
            mule_accounts.append(account.account_id)
    else:
        source, destination, *mule_accounts = inst.existing_accounts(n + 2)
        mules = [inst.owner_of(a) for a in mule_accounts]
    path = [source, *mule_accounts, destination]
    times = inst.times(len(path) - 1, start, end)
    amount = inst.amounts(1, p["amount_min"], p["amount_max"])[0]
    txns, _ = inst.hops(path, times, amount, p)
    return {
        "path": path,
        "source": source,
        "destination": destination,
        "mules": mules,
        "mule_accounts": mule_accounts,
        "transactions": txns,
        "window": [iso(start), iso(end)],
    }
