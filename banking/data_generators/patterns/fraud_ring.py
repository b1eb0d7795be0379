"""Fraud ring: new persons who share an address and/or a phone number, each with an account,
moving money among themselves and communicating with each other.

The members are new ``Person`` records carrying the shared values, so a shared-attribute query
(persons with the same address or phone) finds exactly the ring.
"""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params, vocab
from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext

NAME = "fraud_ring"
SHARED = ("address", "phone", "both")
DEFAULTS = MappingProxyType(
    {
        "min_members": 3,
        "max_members": 6,
        "shared": "random",
        "transfers_per_member": 2,
        "communications_per_member": 3,
        "window_days": 60,
        "amount_min": 100.0,
        "amount_max": 5_000.0,
        "currency": "USD",
    }
)
CHOICES = {"shared": (*SHARED, "random"), "currency": params.CURRENCIES}


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    params.check_range(p, NAME, "min_members", "max_members", 2)
    for key in ("transfers_per_member", "communications_per_member"):
        params.require(p[key] >= 0, NAME, f"{key} must be at least 0, got {p[key]}")
    params.check_amounts(p, NAME)
    events = p["max_members"] * (p["transfers_per_member"] + p["communications_per_member"])
    params.check_window(ctx, NAME, p["window_days"] * DAY, events)


def _distinct(inst: Instance, n: int, make: Any) -> list[str]:
    values: list[str] = []
    while len(values) < n:
        value = make(inst.rng)
        if value not in values:
            values.append(value)
    return values


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    rng = inst.rng
    n = int(rng.integers(p["min_members"], p["max_members"] + 1))
    shared = p["shared"] if p["shared"] != "random" else vocab.pick(rng, SHARED)
    addresses = _distinct(inst, n, vocab.address)
    phones = _distinct(inst, n, vocab.phone)
    city = vocab.pick(rng, vocab.CITIES)
    start, end = inst.window(p["window_days"] * DAY)
    members, accounts = [], []
    for i in range(n):
        person = inst.new_person(
            address=addresses[0] if shared in ("address", "both") else addresses[i],
            phone=phones[0] if shared in ("phone", "both") else phones[i],
            city=city,
            risk_score=round(float(rng.uniform(0.3, 0.8)), 3),
        )
        opened = start.date() - timedelta(days=int(rng.integers(1, 365)))
        account = inst.new_account(person.person_id, opened, currency=p["currency"])
        members.append(person.person_id)
        accounts.append(account.account_id)
    n_txn, n_comm = n * p["transfers_per_member"], n * p["communications_per_member"]
    moments = inst.times(n_txn + n_comm, start, end)
    kinds = rng.permutation(["t"] * n_txn + ["c"] * n_comm).tolist()
    amounts = iter(inst.amounts(n_txn, p["amount_min"], p["amount_max"]))
    for kind, moment in zip(kinds, moments, strict=True):
        a, b = rng.choice(n, size=2, replace=False).tolist()
        if kind == "t":
            inst.transfer(
                accounts[a],
                accounts[b],
                next(amounts),
                moment,
                channel="online",
                currency=p["currency"],
            )
        else:
            inst.communicate(members[a], members[b], moment)
    values = {}
    if shared in ("address", "both"):
        values["address"] = addresses[0]
    if shared in ("phone", "both"):
        values["phone"] = phones[0]
    return {
        "members": members,
        "accounts": accounts,
        "shared": values,
        "window": [iso(start), iso(end)],
    }
