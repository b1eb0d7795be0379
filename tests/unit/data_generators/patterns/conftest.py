"""A small bank of ids (no records needed: typologies only draw ids from it)."""

from __future__ import annotations

import numpy as np
import pytest

from banking.data_generators.patterns import PatternContext
from banking.ids import IdSequence

SEED = 7


def make_context(
    seed: int = SEED, persons: int = 40, companies: int = 10, accounts: int = 120, **kw
) -> PatternContext:
    person_ids = IdSequence(seed, "person", "test").take(persons)
    company_ids = IdSequence(seed, "company", "test").take(companies)
    owners = np.concatenate([person_ids, company_ids])
    account_ids = IdSequence(seed, "account", "test").take(accounts)
    account_owner_ids = owners[np.arange(accounts) % len(owners)] if len(owners) else owners
    return PatternContext(person_ids, company_ids, account_ids, account_owner_ids, **kw)


@pytest.fixture(scope="session")
def ctx() -> PatternContext:
    return make_context()
