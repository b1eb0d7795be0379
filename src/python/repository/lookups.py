"""Point reads, neighbourhoods and stable pages: the lookups behind the repository's reads.

Builders take a remote-less ``GraphTraversalSource`` and return bytecode-ready traversals whose
values are all traversal arguments (sent as typed data, never as script text). Optional results
come back through ``fold()`` as an empty list instead of an exception; ``vertex_dict`` and
``edge_dict`` shape what the server returns into plain dicts keyed by the natural keys. Edges
are found, ordered and named by their ``edge_id`` property, never by their element id (which
JanusGraph assigns itself, as a type stock gremlinpython cannot read).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gremlin_python.process.graph_traversal import GraphTraversal, __
from gremlin_python.process.graph_traversal import GraphTraversalSource as Source
from gremlin_python.process.traversal import Direction, T

from banking_repository.steps import ACCOUNT, EDGE_KEY, TRANSFER, in_window, vertex


def _direction(direction: str) -> Direction:
    try:
        return {"out": Direction.OUT, "in": Direction.IN, "both": Direction.BOTH}[direction]
    except KeyError:
        raise ValueError(f"direction must be 'out', 'in' or 'both', not {direction!r}") from None


def _edge_projection(t: GraphTraversal) -> GraphTraversal:
    return (
        t.project("label", "from_id", "to_id", "props")
        .by(T.label)
        .by(__.out_v().id_())
        .by(__.in_v().id_())
        .by(__.value_map())
    )


def vertex_dict(element_map: Mapping[Any, Any]) -> dict[str, Any]:
    """``elementMap()`` -> ``{"label": ..., "entity_id": ..., props}`` (server ids left out)."""
    out: dict[str, Any] = {}
    for key, value in element_map.items():
        if key == T.label:
            out["label"] = value
        elif key != T.id and isinstance(key, str):
            out[key] = value
    return out


def edge_dict(projected: Mapping[str, Any]) -> dict[str, Any]:
    """Projected edge -> ``{"label", "edge_id", "from_id", "to_id", props}``."""
    out = {"label": projected["label"], "from_id": projected["from_id"]}
    out["to_id"] = projected["to_id"]
    out.update(projected["props"])
    return out


def get_vertex(g: Source, entity_id: str, label: str | None = None) -> GraphTraversal:
    return vertex(g, entity_id, label).element_map().fold()


def get_edge(g: Source, edge_id: str, label: str | None = None) -> GraphTraversal:
    t = g.E().has(label, EDGE_KEY, edge_id) if label else g.E().has(EDGE_KEY, edge_id)
    return _edge_projection(t).fold()


def list_vertices(g: Source, label: str, offset: int, limit: int) -> GraphTraversal:
    """A stable page: ordered by the natural key so pages neither overlap nor skip."""
    return (
        g.V().has_label(label).order().by(T.id).range_(offset, offset + limit).element_map().fold()
    )


def neighbours(
    g: Source,
    entity_id: str,
    edge_label: str | None,
    direction: str,
    limit: int | None,
) -> GraphTraversal:
    labels = (edge_label,) if edge_label else ()
    t = vertex(g, entity_id).to(_direction(direction), *labels).dedup().order().by(T.id)
    if limit is not None:
        t = t.limit(limit)
    return t.element_map().fold()


def edges_of(
    g: Source,
    entity_id: str,
    edge_label: str | None,
    direction: str,
    limit: int | None,
) -> GraphTraversal:
    labels = (edge_label,) if edge_label else ()
    t = vertex(g, entity_id).to_e(_direction(direction), *labels).order().by(EDGE_KEY)
    if limit is not None:
        t = t.limit(limit)
    return _edge_projection(t).fold()


def account_summary(g: Source, account_id: str, t0: int | None, t1: int | None) -> GraphTraversal:
    def amount_sum(edges: GraphTraversal) -> GraphTraversal:
        return __.coalesce(edges.values("amount").sum_(), __.constant(0.0))

    return (
        vertex(g, account_id, ACCOUNT)
        .project(
            "in_count",
            "in_amount",
            "in_counterparties",
            "out_count",
            "out_amount",
            "out_counterparties",
        )
        .by(in_window(__.in_e(TRANSFER), t0, t1).count())
        .by(amount_sum(in_window(__.in_e(TRANSFER), t0, t1)))
        .by(in_window(__.in_e(TRANSFER), t0, t1).out_v().dedup().count())
        .by(in_window(__.out_e(TRANSFER), t0, t1).count())
        .by(amount_sum(in_window(__.out_e(TRANSFER), t0, t1)))
        .by(in_window(__.out_e(TRANSFER), t0, t1).in_v().dedup().count())
        .fold()
    )
