"""Mule chain: a time-ordered path through freshly recruited mules."""

from __future__ import annotations

import itertools

from _pattern_support import in_window, txns_of
from conftest import SEED, make_context
from hypothesis import given, settings
from hypothesis import strategies as st

from banking.data_generators.patterns import inject
from banking.data_generators.patterns.vocab import iban_is_valid

CTX = make_context()


def check_path(out, pattern):
    exp, txns = pattern.expected, txns_of(out, pattern)
    path = exp["path"]
    assert path == [exp["source"], *exp["mule_accounts"], exp["destination"]]
    assert len(path) == len(set(path))
    assert [(t.from_account, t.to_account) for t in txns] == list(itertools.pairwise(path))
    assert [t.txn_id for t in txns] == exp["transactions"]
    times = [t.timestamp for t in txns]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(b.amount <= a.amount for a, b in itertools.pairwise(txns))
    assert all(in_window(t.timestamp, pattern) for t in txns)


def test_new_mules_are_new_people_with_new_accounts(ctx):
    out = inject("mule_chain", ctx, 5, SEED)
    persons = {p.person_id: p for p in out.persons}
    accounts = {a.account_id: a for a in out.accounts}
    for pattern in out.patterns:
        exp = pattern.expected
        check_path(out, pattern)
        assert exp["source"] in ctx.account_ids and exp["destination"] in ctx.account_ids
        assert 3 <= len(exp["mules"]) <= 6
        for mule, account in zip(exp["mules"], exp["mule_accounts"], strict=True):
            assert mule in persons and accounts[account].owner_id == mule
            assert iban_is_valid(accounts[account].iban)
        assert set(exp["mules"]) <= set(pattern.entity_ids)
    assert len(persons) == len(out.persons) == sum(len(p.expected["mules"]) for p in out.patterns)


def test_existing_mules_are_owners_from_the_context(ctx):
    out = inject("mule_chain", ctx, 4, SEED, new_mules=False)
    owner_of = dict(zip(ctx.account_ids.tolist(), ctx.account_owner_ids.tolist(), strict=True))
    assert not out.persons and not out.accounts
    for pattern in out.patterns:
        check_path(out, pattern)
        exp = pattern.expected
        assert exp["mules"] == [owner_of[a] for a in exp["mule_accounts"]]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32), low=st.integers(1, 6), extra=st.integers(0, 4), new=st.booleans()
)
def test_property_path(seed, low, extra, new):
    out = inject("mule_chain", CTX, 2, seed, min_mules=low, max_mules=low + extra, new_mules=new)
    for pattern in out.patterns:
        check_path(out, pattern)
        assert low <= len(pattern.expected["mule_accounts"]) <= low + extra
