"""AML query traversals and the shaping of their results into plain Python values.

Fan-in/out, cycles, beneficial owners, shared attributes and structuring; the point reads and
pages are in ``lookups.py``, the labels and shared steps in ``steps.py`` (both re-exported here).
Vertices are keyed by their element id (``T.id`` = ``entity_id``), so traversals start from
``V(id)``, order by ``T.id`` and name vertices by ``id()``; edges are named by their
``edge_id`` property, the same on every engine.
Builders take a remote-less ``GraphTraversalSource`` and return bytecode-ready traversals whose
values are all traversal arguments (sent as typed data, never as script text). Optional results
come back through ``fold()`` as an empty list instead of an exception. The arithmetic that
Gremlin expresses poorly (products of percentages summed per owner, sliding time windows,
cycle canonicalisation) happens here on the few rows the server returns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gremlin_python.process.graph_traversal import GraphTraversal, __
from gremlin_python.process.graph_traversal import GraphTraversalSource as Source
from gremlin_python.process.traversal import Column, Operator, P, Scope, T
from gremlin_python.statics import long

# The point reads and the labels moved to lookups.py and steps.py; re-exported (redundant
# aliases) so ``queries.get_vertex``, ``queries.PERSON`` and the rest keep working.
from banking_repository.lookups import account_summary as account_summary
from banking_repository.lookups import edge_dict as edge_dict
from banking_repository.lookups import edges_of as edges_of
from banking_repository.lookups import get_edge as get_edge
from banking_repository.lookups import get_vertex as get_vertex
from banking_repository.lookups import list_vertices as list_vertices
from banking_repository.lookups import neighbours as neighbours
from banking_repository.lookups import vertex_dict as vertex_dict
from banking_repository.steps import (
    ACCOUNT,
    COMPANY,
    EDGE_KEY,
    OWNS_SHARE,
    PERSON,
    TRANSFER,
    in_window,
    vertex,
)
from banking_repository.steps import KEY as KEY

# Relative tolerance when comparing an effective ownership with the threshold: 0.5 * 0.5 must
# count as 25 % even though the floating-point product may land a hair below it.
PCT_EPSILON = 1e-9


@dataclass(frozen=True)
class Cycle:
    """A transfer cycle: ``accounts[0] -> accounts[1] -> ... -> accounts[0]`` via ``transfers``."""

    accounts: tuple[str, ...]
    transfers: tuple[str, ...]

    @property
    def length(self) -> int:
        return len(self.accounts)


@dataclass(frozen=True)
class OwnershipChain:
    """One ownership path from a person down to the company: ``entities[i]`` owns ``i + 1``."""

    entities: tuple[str, ...]
    pcts: tuple[float, ...]
    links: tuple[str, ...]

    @property
    def effective_pct(self) -> float:
        return 100.0 * math.prod(p / 100.0 for p in self.pcts)


@dataclass(frozen=True)
class BeneficialOwner:
    """A person whose effective ownership of a company (summed over chains) passed the threshold."""

    person_id: str
    effective_pct: float
    chains: tuple[OwnershipChain, ...]


@dataclass(frozen=True)
class StructuringCase:
    """An account with ``count`` sub-threshold incoming transfers inside one window."""

    account_id: str
    count: int
    total: float
    first_timestamp: int
    last_timestamp: int
    transfers: tuple[str, ...]


# --------------------------------------------------------------------------- helpers


def _vertices(g: Source, label: str, ids: Sequence[str] | None) -> GraphTraversal:
    if ids is None:
        return g.V().has_label(label)
    return g.V(*ids).has_label(label)


def _pairs(rows: Iterable[Any]) -> Iterable[tuple[Any, Any]]:
    """Unfolded map entries arrive as one-entry dicts; yield them as (key, value)."""
    for row in rows:
        if isinstance(row, Mapping):
            yield from row.items()
        else:
            yield row


# --------------------------------------------------------------------------- AML patterns


def fan(
    g: Source,
    direction: str,
    t0: int | None,
    t1: int | None,
    min_counterparties: int,
    account_ids: Sequence[str] | None,
) -> GraphTraversal:
    """Accounts with >= k distinct counterparties on incoming (fan-in) or outgoing transfers."""
    if direction == "in":
        edges = (
            g.E().has_label(TRANSFER)
            if account_ids is None
            else _vertices(g, ACCOUNT, account_ids).in_e(TRANSFER)
        )
        hub, other = __.in_v(), __.out_v()
    elif direction == "out":
        edges = (
            g.E().has_label(TRANSFER)
            if account_ids is None
            else _vertices(g, ACCOUNT, account_ids).out_e(TRANSFER)
        )
        hub, other = __.out_v(), __.in_v()
    else:
        raise ValueError(f"fan direction must be 'in' or 'out', not {direction!r}")
    return (
        in_window(edges, t0, t1)
        .group()
        .by(hub.id_())
        .by(other.id_().dedup().order().fold())
        .unfold()
        .where(__.select(Column.values).count(Scope.local).is_(P.gte(min_counterparties)))
        .fold()
    )


def shape_fan(rows: Iterable[Any]) -> dict[str, list[str]]:
    return {account: list(others) for account, others in sorted(_pairs(rows))}


def cycles(
    g: Source,
    start_ids: Sequence[str] | None,
    max_length: int,
    time_ordered: bool,
    t0: int | None,
    t1: int | None,
    limit: int | None,
) -> GraphTraversal:
    """Simple transfer cycles back to each start account, with at most ``max_length`` accounts.

    Hops walk edges (so the result names the transfers); ``time_ordered`` keeps only paths whose
    hop timestamps strictly increase from the start, tracked in the traverser's sack.
    """

    def hop(t: GraphTraversal) -> GraphTraversal:
        t = in_window(t.out_e(TRANSFER), t0, t1)
        if time_ordered:
            t = (
                t.filter_(__.project("t", "s").by("timestamp").by(__.sack()).where("t", P.gt("s")))
                .sack(Operator.assign)
                .by("timestamp")
            )
        return t

    source = g.with_sack(long(-1)) if time_ordered else g
    starts = (
        source.V().has_label(ACCOUNT)
        if start_ids is None
        else _vertices(source, ACCOUNT, start_ids)
    )
    # Only a path ending at a sender to a start account can close a cycle: keeping just
    # those spares the closing hop (and its path-label check) over every other path end,
    # which was most of the work.
    t = starts.as_("s").side_effect(__.in_(TRANSFER).aggregate(Scope.local, "pred"))
    t = t.repeat(hop(__).in_v().simple_path()).emit(__.where(P.within("pred")))
    t = t.times(max(1, max_length - 1)).where(P.within("pred"))
    t = hop(t).where(__.in_v().as_("s")).in_v()
    t = t.path().by(T.id).by(EDGE_KEY)
    if limit is not None:
        t = t.limit(limit)
    return t.fold()


def shape_cycles(paths: Iterable[Any], min_length: int) -> list[Cycle]:
    """Paths -> unique cycles (one per set of transfers), sorted for a deterministic answer."""
    seen: dict[frozenset[str], Cycle] = {}
    for path in paths:
        objects = list(path.objects if hasattr(path, "objects") else path)
        accounts = tuple(objects[0:-1:2])
        transfers = tuple(objects[1::2])
        if len(accounts) < min_length:
            continue
        key = frozenset(transfers)
        if key not in seen:
            seen[key] = Cycle(accounts, transfers)
    return sorted(seen.values(), key=lambda c: (c.length, c.accounts, c.transfers))


def ownership_paths(g: Source, company_id: str, max_depth: int) -> GraphTraversal:
    """Every simple ownership path from a person down to the company (``simplePath`` keeps
    circular ownership finite), as ``[company, pct, link, owner, ..., person]`` lists."""
    return (
        vertex(g, company_id, COMPANY)
        .repeat(__.in_e(OWNS_SHARE).out_v().simple_path())
        .emit(__.has_label(PERSON))
        .times(max(1, max_depth))
        .has_label(PERSON)
        .dedup()
        .by(__.path())
        .path()
        .by(T.id)
        .by(__.value_map("pct", EDGE_KEY))
        .fold()
    )


def shape_ubo(
    paths: Iterable[Any], threshold_pct: float, include_below: bool = False
) -> list[BeneficialOwner]:
    """Effective ownership per person = sum over paths of the product of the path's pcts."""
    chains: dict[str, list[OwnershipChain]] = {}
    for path in paths:
        objects = list(path.objects if hasattr(path, "objects") else path)
        vertices = objects[0::2]
        edges = objects[1::2]
        # The path runs company -> ... -> person; chains read person -> ... -> company.
        chain = OwnershipChain(
            entities=tuple(reversed(vertices)),
            pcts=tuple(float(e["pct"]) for e in reversed(edges)),
            links=tuple(str(e[EDGE_KEY]) for e in reversed(edges)),
        )
        chains.setdefault(chain.entities[0], []).append(chain)
    owners = []
    for person, person_chains in chains.items():
        effective = math.fsum(c.effective_pct for c in person_chains)
        if include_below or effective >= threshold_pct * (1 - PCT_EPSILON):
            ordered = tuple(sorted(person_chains, key=lambda c: (c.entities, c.links)))
            owners.append(BeneficialOwner(person, effective, ordered))
    owners.sort(key=lambda o: (-o.effective_pct, o.person_id))
    return owners


def shared_attribute(g: Source, attribute: str, label: str, min_size: int) -> GraphTraversal:
    return (
        g.V()
        .has_label(label)
        .has(attribute)
        .group()
        .by(attribute)
        .by(__.id_().order().fold())
        .unfold()
        .where(__.select(Column.values).count(Scope.local).is_(P.gte(min_size)))
        .fold()
    )


def shape_shared(rows: Iterable[Any]) -> dict[Any, list[str]]:
    return {value: list(ids) for value, ids in sorted(_pairs(rows), key=lambda kv: str(kv[0]))}


def sharing_with(g: Source, entity_id: str, attribute: str, label: str) -> GraphTraversal:
    """Other ``label`` vertices whose ``attribute`` equals this entity's."""
    return (
        vertex(g, entity_id, label)
        .has(attribute)
        .as_("me")
        .V()
        .has_label(label)
        .where(P.neq("me"))
        .where(P.eq("me"))
        .by(attribute)
        .id_()
        .order()
        .fold()
    )


def structuring(
    g: Source,
    threshold: float,
    min_count: int,
    min_amount: float | None,
    t0: int | None,
    t1: int | None,
    account_ids: Sequence[str] | None,
) -> GraphTraversal:
    edges = (
        g.E().has_label(TRANSFER)
        if account_ids is None
        else _vertices(g, ACCOUNT, account_ids).in_e(TRANSFER)
    )
    edges = in_window(edges, t0, t1).has("amount", P.lt(float(threshold)))
    if min_amount is not None:
        edges = edges.has("amount", P.gte(float(min_amount)))
    return (
        edges.group()
        .by(__.in_v().id_())
        .by(__.project("t", "a", "id").by("timestamp").by("amount").by(EDGE_KEY).fold())
        .unfold()
        .where(__.select(Column.values).count(Scope.local).is_(P.gte(min_count)))
        .fold()
    )


def shape_structuring(
    rows: Iterable[Any], min_count: int, window_ms: int | None
) -> list[StructuringCase]:
    """Per account, the densest window of sub-threshold deposits (all of them when no window)."""
    cases = []
    for account, deposits in _pairs(rows):
        ordered = sorted(deposits, key=lambda d: (d["t"], d["id"]))
        best = _densest(ordered, window_ms)
        if len(best) >= min_count:
            cases.append(
                StructuringCase(
                    account_id=account,
                    count=len(best),
                    total=math.fsum(d["a"] for d in best),
                    first_timestamp=best[0]["t"],
                    last_timestamp=best[-1]["t"],
                    transfers=tuple(d["id"] for d in best),
                )
            )
    cases.sort(key=lambda c: c.account_id)
    return cases


def _densest(ordered: list[Mapping[str, Any]], window_ms: int | None) -> list[Mapping[str, Any]]:
    if window_ms is None or not ordered:
        return ordered
    best_start, best_end, start = 0, 0, 0
    for end in range(len(ordered)):
        while ordered[end]["t"] - ordered[start]["t"] > window_ms:
            start += 1
        if end + 1 - start > best_end - best_start:
            best_start, best_end = start, end + 1
    return ordered[best_start:best_end]
