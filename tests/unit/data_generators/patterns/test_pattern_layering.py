"""Scatter-gather, gather-scatter, bipartite and stack: who pays whom, and in which order."""

from __future__ import annotations

from _pattern_support import in_window, txns_of, window_of
from conftest import SEED, make_context
from hypothesis import given, settings
from hypothesis import strategies as st

from banking.data_generators.patterns import inject

CTX = make_context()


def test_scatter_gather(ctx):
    out = inject("scatter_gather", ctx, 6, SEED)
    for pattern in out.patterns:
        exp, txns = pattern.expected, txns_of(out, pattern)
        middle = exp["intermediates"]
        assert len({exp["source"], exp["sink"], *middle}) == len(middle) + 2
        scatter = {t.to_account: t for t in txns if t.from_account == exp["source"]}
        gather = {t.from_account: t for t in txns if t.to_account == exp["sink"]}
        assert len(txns) == 2 * len(middle)
        assert set(scatter) == set(gather) == set(middle)
        start, end = window_of(pattern)
        half = start + (end - start) / 2
        for account in middle:
            assert start <= scatter[account].timestamp < half <= gather[account].timestamp < end
            assert gather[account].amount <= scatter[account].amount


def test_gather_scatter(ctx):
    out = inject("gather_scatter", ctx, 6, SEED)
    for pattern in out.patterns:
        exp, txns = pattern.expected, txns_of(out, pattern)
        hub, sources, targets = exp["hub"], exp["sources"], exp["targets"]
        assert len({hub, *sources, *targets}) == 1 + len(sources) + len(targets)
        ins = [t for t in txns if t.to_account == hub]
        outs = [t for t in txns if t.from_account == hub]
        assert len(ins) + len(outs) == len(txns)
        assert sorted(t.from_account for t in ins) == sorted(sources)
        assert sorted(t.to_account for t in outs) == sorted(targets)
        assert max(t.timestamp for t in ins) < min(t.timestamp for t in outs)
        assert sum(t.amount for t in outs) <= sum(t.amount for t in ins)
        assert all(in_window(t.timestamp, pattern) for t in txns)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), senders=st.integers(1, 5), receivers=st.integers(1, 5))
def test_property_bipartite_is_complete(seed, senders, receivers):
    out = inject(
        "bipartite",
        CTX,
        2,
        seed,
        min_senders=senders,
        max_senders=senders,
        min_receivers=receivers,
        max_receivers=receivers,
    )
    for pattern in out.patterns:
        exp, txns = pattern.expected, txns_of(out, pattern)
        assert len(exp["senders"]) == senders and len(exp["receivers"]) == receivers
        assert not set(exp["senders"]) & set(exp["receivers"])
        pairs = sorted((t.from_account, t.to_account) for t in txns)
        assert pairs == sorted((s, r) for s in exp["senders"] for r in exp["receivers"])
        assert exp["edge_count"] == len(pairs)
        assert all(in_window(t.timestamp, pattern) for t in txns)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), layers=st.integers(3, 5), width=st.integers(1, 4))
def test_property_stack_flows_forward_layer_by_layer(seed, layers, width):
    out = inject(
        "stack", CTX, 2, seed, min_layers=layers, max_layers=layers, min_width=1, max_width=width
    )
    for pattern in out.patterns:
        stack, txns = pattern.expected["layers"], txns_of(out, pattern)
        assert len(stack) == layers
        flat = [a for layer in stack for a in layer]
        assert len(flat) == len(set(flat))
        level = {a: i for i, layer in enumerate(stack) for a in layer}
        expected_pairs = sorted(
            (s, r) for i in range(layers - 1) for s in stack[i] for r in stack[i + 1]
        )
        assert sorted((t.from_account, t.to_account) for t in txns) == expected_pairs
        # Every step of layer i happens before every step of layer i + 1.
        last = [
            max(t.timestamp for t in txns if level[t.from_account] == i) for i in range(layers - 1)
        ]
        first = [
            min(t.timestamp for t in txns if level[t.from_account] == i) for i in range(layers - 1)
        ]
        assert all(last[i] < first[i + 1] for i in range(layers - 2))
        assert all(in_window(t.timestamp, pattern) for t in txns)
