"""Ownership chain: expected UBOs equal an independent exact recomputation from the links."""

from __future__ import annotations

import itertools
from collections import defaultdict
from fractions import Fraction

from conftest import SEED, make_context
from hypothesis import given, settings
from hypothesis import strategies as st

from banking.data_generators.patterns import inject
from banking.data_generators.patterns.ownership_chain import effective_ownership
from banking.models import OwnershipLink

CTX = make_context()


def reference(links, company):
    """Exact effective ownership of ``company`` per person: simple paths walked forward
    (owner -> owned) with rational arithmetic, so it shares nothing with the library's code."""
    holdings = defaultdict(list)
    for link in links:
        holdings[link.owner_id].append((link.company_id, Fraction(str(link.pct)) / 100))
    result, chains = {}, {}
    for person in sorted({link.owner_id for link in links if link.owner_type == "person"}):
        stack = [(person, Fraction(1), (person,))]
        while stack:
            node, share, path = stack.pop()
            for owned, pct in holdings[node]:
                if owned in path:
                    continue
                if owned == company:
                    result[person] = result.get(person, Fraction(0)) + share * pct * 100
                    chains.setdefault(person, set()).add((*path, owned))
                else:
                    stack.append((owned, share * pct, (*path, owned)))
    return result, chains


def check(out, pattern, threshold=25.0):
    exp = pattern.expected
    links = [link for link in out.ownership_links if link.pattern_id == pattern.pattern_id]
    exact, chains = reference(links, exp["company"])
    assert exp["threshold"] == threshold
    reported = {**exp["ubos"], **exp["below_threshold"]}
    assert not set(exp["ubos"]) & set(exp["below_threshold"])
    assert set(reported) == set(exact)
    for person, pct in reported.items():
        assert Fraction(str(pct)) == exact[person], person
    assert {p for p, v in exact.items() if v >= Fraction(str(threshold))} == set(exp["ubos"])
    assert {p: {tuple(c) for c in cs} for p, cs in exp["chains"].items()} == chains
    # Companies are never over-allocated, and the structure really is circular.
    incoming = defaultdict(Fraction)
    for link in links:
        incoming[link.company_id] += Fraction(str(link.pct))
    assert all(total <= 100 for total in incoming.values())
    edges = {(link.owner_id, link.company_id) for link in links}
    for cycle in exp["cycles"]:
        assert cycle[0] == cycle[-1]
        assert all((a, b) in edges for a, b in itertools.pairwise(cycle))
    nominee_links = [link for link in links if link.is_nominee]
    assert [link.owner_id for link in nominee_links] == exp["nominees"]
    longest = max(len(c) - 1 for cs in chains.values() for c in cs)
    assert exp["max_depth"] == longest
    return exp


def test_threshold_edge_cases_land_on_the_right_side(ctx):
    out = inject("ownership_chain", ctx, 4, SEED)
    for pattern in out.patterns:
        exp = check(out, pattern)
        edge = exp["edge_cases"]
        assert exp["below_threshold"][edge["24.9"]] == 24.9
        assert exp["ubos"][edge["25.0"]] == 25.0
        assert exp["ubos"][edge["25.1"]] == 25.1
        assert all(v >= 25.0 for v in exp["ubos"].values())
        assert all(v < 25.0 for v in exp["below_threshold"].values())
        assert len(exp["chains"][edge["25.0"]]) == 2  # reached through two paths


def test_the_25_percent_case_is_exact_in_floating_point_in_any_order(ctx):
    out = inject("ownership_chain", ctx, 2, SEED)
    for pattern in out.patterns:
        exp = pattern.expected
        pct = {(link.owner_id, link.company_id): link.pct for link in out.ownership_links}
        person = exp["edge_cases"]["25.0"]
        total_fraction = 0.0
        total_percent = 0.0
        for chain in reversed(exp["chains"][person]):
            hops = [pct[(a, b)] for a, b in itertools.pairwise(chain)]
            fraction, percent = 1.0, 100.0
            for hop in hops:
                fraction *= hop / 100
                percent = percent * hop / 100
            total_fraction += fraction
            total_percent += percent
        assert total_fraction * 100 == 25.0 and total_percent == 25.0


def test_entities_are_new_shells_and_existing_persons(ctx):
    out = inject("ownership_chain", ctx, 3, SEED)
    companies = {c.company_id: c for c in out.companies}
    for pattern in out.patterns:
        exp = pattern.expected
        assert not companies[exp["company"]].is_shell
        shells = [e for e in pattern.entity_ids if e in companies and e != exp["company"]]
        assert shells and all(companies[s].is_shell for s in shells)
        persons = [e for e in pattern.entity_ids if e.startswith("PER-")]
        assert len(persons) == 5 and set(persons) <= set(ctx.person_ids.tolist())


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    depth=st.integers(1, 6),
    threshold=st.sampled_from([10.0, 12.4, 24.9, 25.0, 25.1, 30.0]),
)
def test_property_expected_matches_reference(seed, depth, threshold):
    out = inject(
        "ownership_chain",
        CTX,
        1,
        seed,
        min_shell_depth=depth,
        max_shell_depth=depth,
        threshold=threshold,
    )
    exp = check(out, out.patterns[0], threshold)
    assert exp["max_depth"] == depth + 2


def _link(i, owner, company, pct):
    kind = "person" if owner.startswith("PER-") else "company"
    return OwnershipLink(
        link_id=f"OWN-{i:016X}", owner_id=owner, owner_type=kind, company_id=company, pct=pct
    )


@settings(max_examples=60, deadline=None)
@given(
    edges=st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 5), st.sampled_from([5, 10, 12.5, 25, 40, 50])),
        min_size=1,
        max_size=18,
    )
)
def test_property_effective_ownership_on_random_circular_graphs(edges):
    """Owners 0..2 are persons, 3..8 companies; companies 0..5 map to COM ids (cycles allowed)."""
    names = [f"PER-{i:016X}" for i in range(3)] + [f"COM-{i:016X}" for i in range(6)]
    links, seen = [], set()
    for i, (owner, company, pct) in enumerate(edges):
        owner_id, company_id = names[owner], f"COM-{company:016X}"
        if owner_id == company_id or (owner_id, company_id) in seen:
            continue
        seen.add((owner_id, company_id))
        links.append(_link(i, owner_id, company_id, float(pct)))
    target = "COM-0000000000000000"
    exact, chains = reference(links, target)
    got = effective_ownership(links, target)
    for person, value in exact.items():
        # Effective percentages are rounded to 9 decimals (exact for the pattern's own values).
        assert abs(Fraction(str(got[person][0])) - value) <= Fraction(1, 10**9)
        assert {tuple(c) for c in got[person][1]} == chains[person]
    assert {o for o in got if o.startswith("PER-")} == set(exact)
