"""A small bank with injected AML typologies, loaded once per graph engine into the test
session's own server (``graph_url``: TinkerGraph and JanusGraph, tests/integration/conftest.py).

With the generators on the branch (``generate_bank``) the bank is a scale-0.01 dataset written
to a temporary directory and loaded with ``load_dataset``, the path users take. Without them it
is a hand-made core (persons, companies, accounts, random transfers) with the typologies
injected by ``banking.data_generators.patterns.inject`` and loaded with ``load_models``. Either
way the tests see the same thing: the records per entity (for expected counts) and the
``Pattern`` ground truth. These tests drop the whole graph, which is the session's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from banking.graph.loader import LoadSummary, load_dataset, load_models
from banking.graph.mapping import ENTITIES
from banking.models import Account, Company, Pattern, Person, Transaction
from banking.seeding import stream_rng
from banking_repository import GraphRepository

SEED = 7
TYPOLOGY_COUNTS = {
    "structuring": 3,
    "fan_in": 3,
    "fan_out": 3,
    "cycle": 4,
    "ownership_chain": 4,
    "fraud_ring": 2,
}


@dataclass
class Bank:
    """What a test needs to know about the loaded bank."""

    records: dict[str, int]
    patterns: list[Pattern]
    summary: LoadSummary
    source: str
    extra: dict[str, Any] = field(default_factory=dict)

    def of(self, typology: str) -> list[Pattern]:
        return [p for p in self.patterns if p.typology.value == typology]


def _generate_dataset(directory) -> Any | None:
    try:
        from banking.data_generators.orchestration import generate_bank
        from banking.dataset import DatasetReader
    except ImportError:
        return None
    generate_bank(0.01, SEED, out_dir=directory, fmt="jsonl", typology_counts=TYPOLOGY_COUNTS)
    return DatasetReader(directory)


def _hand_made_core(n_persons=150, n_companies=30, n_accounts=240, n_transfers=1500):
    """Valid models built directly (no generators): enough background for the typologies."""
    rng = stream_rng(SEED, "graph-tests:core")
    persons = [
        Person(
            person_id=f"PER-T{i:05d}",
            first_name=f"First{i}",
            last_name=f"Last{i}",
            date_of_birth=date(1950, 1, 1) + timedelta(days=int(rng.integers(0, 18000))),
            nationality="GB",
            address=f"{i} High Street",
            city="London",
            country="GB",
            email=f"p{i}@example.com",
            phone=f"+44 20 {i:07d}",
            tax_id=f"TAX{i:06d}",
        )
        for i in range(n_persons)
    ]
    companies = [
        Company(
            company_id=f"COM-T{i:05d}",
            name=f"Company {i} Ltd",
            registration_number=f"REG{i:06d}",
            country="GB",
            industry="retail",
            incorporation_date=date(2001, 1, 1),
            address=f"{i} Market Road",
            phone=f"+44 161 {i:07d}",
            tax_id=f"CT{i:06d}",
        )
        for i in range(n_companies)
    ]
    owners = [p.person_id for p in persons] + [c.company_id for c in companies]
    accounts = []
    for i in range(n_accounts):
        owner = owners[int(rng.integers(0, len(owners)))]
        accounts.append(
            Account(
                account_id=f"ACC-T{i:05d}",
                iban=f"GB{i:02d}BANK{i:014d}"[:22],
                owner_id=owner,
                owner_type="person" if owner.startswith("PER") else "company",
                account_type="checking",
                currency="GBP",
                opened_date=date(2015, 1, 1),
                balance=1000.0,
                bank_country="GB",
            )
        )
    start = datetime(2024, 1, 1)
    transfers = []
    for i in range(n_transfers):
        a, b = rng.choice(n_accounts, size=2, replace=False)
        transfers.append(
            Transaction(
                txn_id=f"TXN-T{i:06d}",
                from_account=accounts[int(a)].account_id,
                to_account=accounts[int(b)].account_id,
                amount=float(rng.integers(100, 2_000_000)) / 100,
                currency="GBP",
                timestamp=start + timedelta(seconds=int(rng.integers(0, 365 * 86400))),
                channel="online",
            )
        )
    return persons, companies, accounts, transfers


def _hand_made_bank() -> dict[str, list]:
    from banking.data_generators.patterns import PatternContext, inject

    persons, companies, accounts, transfers = _hand_made_core()
    ctx = PatternContext(
        person_ids=[p.person_id for p in persons],
        company_ids=[c.company_id for c in companies],
        account_ids=[a.account_id for a in accounts],
        account_owner_ids=[a.owner_id for a in accounts],
    )
    bank: dict[str, list] = {
        "persons": persons,
        "companies": companies,
        "accounts": accounts,
        "transactions": transfers,
        "ownership_links": [],
        "communications": [],
        "patterns": [],
    }
    for offset, (typology, count) in enumerate(TYPOLOGY_COUNTS.items()):
        injected = inject(typology, ctx, count, SEED + offset)
        for name in bank:
            bank[name].extend(getattr(injected, name))
    return bank


@pytest.fixture(scope="session")
def bank_repo(graph_url):
    with GraphRepository(graph_url, timeout_s=300) as repo:
        yield repo


@pytest.fixture(scope="session")
def bank_reader(tmp_path_factory) -> Any | None:
    """The scale-0.01 dataset (one for every engine), or None without the generators."""
    return _generate_dataset(tmp_path_factory.mktemp("bank") / "data")


@pytest.fixture(scope="session")
def bank(bank_repo, bank_reader) -> Bank:
    bank_repo.drop_all()
    reader = bank_reader
    if reader is not None:
        summary = load_dataset(reader, bank_repo)
        records = {e: int(reader.manifest["counts"].get(e, 0)) for e in ENTITIES}
        return Bank(records, reader.patterns(), summary, "generate_bank(0.01)", {"reader": reader})
    models = _hand_made_bank()
    summary = load_models(bank_repo, models)
    records = {e: len(models[e]) for e in ENTITIES}
    source = "hand-made core + inject()"
    return Bank(records, models["patterns"], summary, source, {"models": models})


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory):
    """A scale-0.001 dataset directory written by ``generate_bank`` (read-only for the tests
    that share it: the load CLI and the graph benchmark)."""
    generate = pytest.importorskip("banking.data_generators.orchestration").generate_bank
    directory = tmp_path_factory.mktemp("small") / "data"
    generate(0.001, 3, out_dir=directory, fmt="jsonl")
    return directory
