"""Fraud ring: a shared-attribute query over persons finds exactly each ring."""

from __future__ import annotations

from collections import defaultdict

import pytest
from conftest import SEED

from banking.data_generators.patterns import inject


def groups(persons, attribute):
    """Reference shared-attribute query: persons grouped by one attribute, groups of 2+."""
    by_value = defaultdict(set)
    for person in persons:
        by_value[getattr(person, attribute)].add(person.person_id)
    return {value: ids for value, ids in by_value.items() if len(ids) > 1}


@pytest.mark.parametrize("shared", ["address", "phone", "both", "random"])
def test_shared_attribute_query_finds_each_ring(shared, ctx):
    out = inject("fraud_ring", ctx, 12, SEED, shared=shared)
    by_address, by_phone = groups(out.persons, "address"), groups(out.persons, "phone")
    seen_kinds = set()
    for pattern in out.patterns:
        exp = pattern.expected
        members, values = set(exp["members"]), exp["shared"]
        assert 3 <= len(members) <= 6 and values
        seen_kinds.add(tuple(sorted(values)))
        for attribute, index in (("address", by_address), ("phone", by_phone)):
            member_values = [getattr(p, attribute) for p in out.persons if p.person_id in members]
            if attribute in values:
                assert index[values[attribute]] == members
            else:  # values not shared are distinct, and shared with nobody
                assert len(set(member_values)) == len(members)
                assert not set(member_values) & set(index)
        if shared != "random":
            assert set(values) == ({"address", "phone"} if shared == "both" else {shared})
    if shared == "random":
        assert len(seen_kinds) > 1


def test_members_move_money_and_talk_among_themselves(ctx):
    out = inject("fraud_ring", ctx, 4, SEED)
    owner = {a.account_id: a.owner_id for a in out.accounts}
    for pattern in out.patterns:
        exp = pattern.expected
        members, accounts = set(exp["members"]), set(exp["accounts"])
        assert {owner[a] for a in accounts} == members
        txns = [t for t in out.transactions if t.pattern_id == pattern.pattern_id]
        comms = [c for c in out.communications if c.pattern_id == pattern.pattern_id]
        assert len(txns) == 2 * len(members) and len(comms) == 3 * len(members)
        assert all({t.from_account, t.to_account} <= accounts for t in txns)
        assert all({c.from_person, c.to_person} <= members for c in comms)
        assert set(pattern.communication_ids) == {c.comm_id for c in comms}
        assert members <= set(pattern.entity_ids)
