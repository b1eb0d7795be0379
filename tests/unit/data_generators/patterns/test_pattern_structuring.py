"""Structuring: every deposit under the threshold, their total over it, one target, one window."""

from __future__ import annotations

from _pattern_support import in_window, txns_of
from conftest import SEED, make_context
from hypothesis import given, settings
from hypothesis import strategies as st

from banking.data_generators.patterns import inject

CTX = make_context()


def check(out, threshold):
    for pattern in out.patterns:
        exp = pattern.expected
        txns = txns_of(out, pattern)
        assert exp["threshold"] == threshold
        assert len(txns) == exp["deposit_count"] >= 2
        assert {t.to_account for t in txns} == {exp["account"]}
        assert {t.from_account for t in txns} == set(exp["sources"])
        assert exp["account"] not in exp["sources"]
        assert all(0 < t.amount < threshold for t in txns)
        total = sum(round(t.amount * 100) for t in txns) / 100
        assert total > threshold
        assert round(total, 2) == exp["total"]
        assert all(in_window(t.timestamp, pattern) for t in txns)
        assert all(t.amount == round(t.amount, 2) for t in txns)


def test_defaults(ctx):
    out = inject("structuring", ctx, 6, SEED)
    check(out, 10_000.0)
    assert all(t.channel == "cash" for t in out.transactions)
    assert all(t.amount >= 8_000.0 for t in out.transactions)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    threshold=st.floats(100.0, 1e6),
    min_deposits=st.integers(2, 6),
    extra=st.integers(0, 10),
    fraction=st.floats(0.55, 0.99),
)
def test_property_every_deposit_under_and_total_over(
    seed, threshold, min_deposits, extra, fraction
):
    out = inject(
        "structuring",
        CTX,
        2,
        seed,
        threshold=threshold,
        min_deposits=min_deposits,
        max_deposits=min_deposits + extra,
        min_fraction=fraction,
    )
    check(out, threshold)
    for pattern in out.patterns:
        assert min_deposits <= pattern.expected["deposit_count"] <= min_deposits + extra
