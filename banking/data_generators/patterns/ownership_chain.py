"""Ownership chain: a new company whose beneficial owners hide behind shells, a nominee and
circular holdings, with effective holdings of exactly 24.9%, 25% and 25.1%.

Structure (owner -pct-> company; P* and N are existing persons, T is the new target, S* and
C* new shells; d = shell depth)::

    S1 -30-> T     S2 -50-> T     P2 -12.5-> T
    P1 -83-> S1    S5 -17-> S1    S1 -40-> S5    P4 -50-> S5    T -10-> S5   (two cycles)
    P3 -100-> C1 -100-> ... -100-> Cd -50.2-> S2    P2 -25-> S2    N -24.8-> S2 (nominee)

Effective ownership is the sum over simple paths of the product of the fractions along the path:
P1 = .83 x .30 = 24.9% (just below), P2 = 12.5% + .25 x .50 = 25% exactly (dyadic fractions, so
exact in floating point in any order, and reached through two paths), P3 = .502 x .50 = 25.1%,
N = 12.4%, P4 = .50 x .17 x .30 = 2.55%. A person is a UBO when effective >= threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params
from banking.data_generators.patterns.builder import Instance
from banking.data_generators.patterns.context import PatternContext
from banking.models import OwnershipLink

NAME = "ownership_chain"
DEFAULTS = MappingProxyType({"threshold": 25.0, "min_shell_depth": 1, "max_shell_depth": 3})
CHOICES: dict[str, tuple[str, ...]] = {}
DECIMALS = 9  # effective percentages are rounded to this many places


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    params.require(
        0.0 < p["threshold"] <= 100.0, NAME, f"threshold must be in (0, 100], got {p['threshold']}"
    )
    params.check_range(p, NAME, "min_shell_depth", "max_shell_depth", 1)
    params.require(p["max_shell_depth"] <= 20, NAME, "max_shell_depth must be at most 20")
    params.need(ctx, NAME, persons=5)


def effective_ownership(
    links: Iterable[OwnershipLink], company: str
) -> dict[str, tuple[float, list[list[str]]]]:
    """Per owner of ``company`` (direct or indirect): effective % and the chains giving it.

    Sums the products of fractions over every simple path owner -> ... -> company (a path never
    revisits a company, which makes circular ownership finite).
    """
    owners_of: dict[str, list[tuple[str, float]]] = {}
    for link in links:
        owners_of.setdefault(link.company_id, []).append((link.owner_id, link.pct / 100.0))
    totals: dict[str, float] = {}
    chains: dict[str, list[list[str]]] = {}

    def walk(node: str, fraction: float, path: list[str]) -> None:
        for owner, share in owners_of.get(node, []):
            if owner in path:
                continue
            reached = fraction * share
            chain = [owner, *path]
            totals[owner] = totals.get(owner, 0.0) + reached
            chains.setdefault(owner, []).append(chain)
            walk(owner, reached, chain)

    walk(company, 1.0, [company])
    return {owner: (round(totals[owner] * 100.0, DECIMALS), chains[owner]) for owner in totals}


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    depth = int(inst.rng.integers(p["min_shell_depth"], p["max_shell_depth"] + 1))
    p1, p2, p3, p4, nominee = inst.existing_persons(5)
    target = inst.new_company(is_shell=False).company_id
    s1, s2, s5 = (inst.new_company(is_shell=True).company_id for _ in range(3))
    shells = [inst.new_company(is_shell=True).company_id for _ in range(depth)]
    links = [
        inst.link(s1, target, 30.0),
        inst.link(s2, target, 50.0),
        inst.link(p2, target, 12.5),
        inst.link(p1, s1, 83.0),
        inst.link(s5, s1, 17.0),
        inst.link(s1, s5, 40.0),
        inst.link(p4, s5, 50.0),
        inst.link(target, s5, 10.0),
        inst.link(p3, shells[0], 100.0),
        *(inst.link(a, b, 100.0) for a, b in pairwise(shells)),
        inst.link(shells[-1], s2, 50.2),
        inst.link(p2, s2, 25.0),
        inst.link(nominee, s2, 24.8, is_nominee=True),
    ]
    owners = effective_ownership(links, target)
    persons = [owner for owner in owners if owner.startswith("PER-")]
    threshold = p["threshold"]
    return {
        "company": target,
        "threshold": threshold,
        "ubos": {o: owners[o][0] for o in persons if owners[o][0] >= threshold},
        "below_threshold": {o: owners[o][0] for o in persons if owners[o][0] < threshold},
        "chains": {o: owners[o][1] for o in persons},
        "nominees": [nominee],
        "edge_cases": {"24.9": p1, "25.0": p2, "25.1": p3},
        "cycles": [[s1, s5, s1], [target, s5, s1, target]],
        "max_depth": depth + 2,
    }
