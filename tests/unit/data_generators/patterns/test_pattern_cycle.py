"""Cycle: hops close the ring in time order, and the amount decays by a fee at every hop."""

from __future__ import annotations

from itertools import pairwise

from _pattern_support import in_window, txns_of
from conftest import SEED, make_context
from hypothesis import given, settings
from hypothesis import strategies as st

from banking.data_generators.patterns import inject

CTX = make_context()


def check(out, low, high):
    for pattern in out.patterns:
        exp = pattern.expected
        ring, txns = exp["cycle"], txns_of(out, pattern)
        assert low <= exp["length"] == len(ring) == len(set(ring)) <= high
        assert [t.txn_id for t in txns] == exp["transactions"]
        # Walking the hops from the first account returns to it.
        at = ring[0]
        for hop, t in enumerate(txns):
            assert t.from_account == at == ring[hop]
            at = t.to_account
        assert at == ring[0]
        times = [t.timestamp for t in txns]
        assert times == sorted(times) and len(set(times)) == len(times)
        amounts = [t.amount for t in txns]
        assert amounts == exp["amounts"]
        assert all(b <= a for a, b in pairwise(amounts))
        assert all(in_window(t.timestamp, pattern) for t in txns)


def test_defaults(ctx):
    out = inject("cycle", ctx, 20, SEED)
    check(out, 2, 6)
    assert {p.expected["length"] for p in out.patterns} >= {2, 3, 4}
    assert all(a > b for p in out.patterns for a, b in pairwise(p.expected["amounts"]))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), low=st.integers(2, 8), extra=st.integers(0, 8))
def test_property_a_cycle_returns_to_its_start(seed, low, extra):
    check(inject("cycle", CTX, 2, seed, min_length=low, max_length=low + extra), low, low + extra)
