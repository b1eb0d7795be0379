"""Fan-in and fan-out: the hub meets every counterparty once, inside the window."""

from __future__ import annotations

from datetime import datetime

from _pattern_support import in_window, txns_of
from conftest import SEED, make_context
from hypothesis import given, settings
from hypothesis import strategies as st

from banking.data_generators.patterns import inject

CTX = make_context()


def check_fan_in(out, low, high):
    for pattern in out.patterns:
        exp, txns = pattern.expected, txns_of(out, pattern)
        assert low <= exp["degree"] == len(exp["sources"]) == len(set(exp["sources"])) <= high
        assert exp["hub"] not in exp["sources"]
        assert all(t.to_account == exp["hub"] for t in txns)
        assert sorted(t.from_account for t in txns) == sorted(exp["sources"])
        assert all(in_window(t.timestamp, pattern) for t in txns)
        assert set(pattern.account_ids) == {exp["hub"], *exp["sources"]}


def check_fan_out(out, low, high):
    for pattern in out.patterns:
        exp, txns = pattern.expected, txns_of(out, pattern)
        assert low <= exp["degree"] == len(exp["targets"]) == len(set(exp["targets"])) <= high
        assert exp["hub"] not in exp["targets"]
        assert all(t.from_account == exp["hub"] for t in txns)
        assert sorted(t.to_account for t in txns) == sorted(exp["targets"])
        assert all(in_window(t.timestamp, pattern) for t in txns)


def test_defaults(ctx):
    check_fan_in(inject("fan_in", ctx, 5, SEED), 5, 12)
    check_fan_out(inject("fan_out", ctx, 5, SEED), 5, 12)


def test_window_length_is_the_parameter(ctx):
    out = inject("fan_in", ctx, 3, SEED, window_days=2)
    for pattern in out.patterns:
        start, end = pattern.expected["window"]
        gap = datetime.fromisoformat(end) - datetime.fromisoformat(start)
        assert gap.days == 2 and gap.seconds == 0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), low=st.integers(2, 10), extra=st.integers(0, 20))
def test_property_degrees(seed, low, extra):
    check_fan_in(
        inject("fan_in", CTX, 2, seed, min_degree=low, max_degree=low + extra), low, low + extra
    )
    check_fan_out(
        inject("fan_out", CTX, 2, seed, min_degree=low, max_degree=low + extra), low, low + extra
    )
