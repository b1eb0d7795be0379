"""Mule chain: funds hop quickly from a source account through a path of mule accounts.

By default each mule is a new person with a freshly opened account (mules are recruited for the
job); each mule keeps a small cut, and the whole chain completes within ``window_hours``.
"""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns.builder import Instance, iso
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

NAME = "mule_chain"
DEFAULTS = MappingProxyType(
    {
        "min_mules": 3,
        "max_mules": 6,
        "new_mules": True,
        "window_hours": 72,
        "amount_min": 2_000.0,
        "amount_max": 20_000.0,
        "min_fee": 0.01,
        "max_fee": 0.05,
        "channel": "online",
        "currency": "USD",
    }
)
CHOICES = {"channel": CHANNELS, "currency": CURRENCIES}


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    check_range(p, NAME, "min_mules", "max_mules", 1)
    check_amounts(p, NAME)
    check_fees(p, NAME)
    check_window(ctx, NAME, p["window_hours"] * 3600, p["max_mules"] + 1)
    need(ctx, NAME, accounts=2 + (0 if p["new_mules"] else p["max_mules"]))


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
    txns = []
    for hop, moment in enumerate(times):
        txns.append(
            inst.transfer(
                path[hop],
                path[hop + 1],
                amount,
                moment,
                channel=p["channel"],
                currency=p["currency"],
            )
        )
        amount = inst.after_fee(amount, p["min_fee"], p["max_fee"])
    return {
        "path": path,
        "source": source,
        "destination": destination,
        "mules": mules,
        "mule_accounts": mule_accounts,
        "transactions": txns,
        "window": [iso(start), iso(end)],
    }
