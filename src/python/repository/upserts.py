"""Batched idempotent upsert traversals: one request merges a whole batch of rows.

A batch travels as injected data (``inject(rows).unfold()``): one flat map per element holding
its natural key (``~k``), its endpoints for an edge (``~f``, ``~t``) and its properties. Each
element is merged on its natural key alone (``mergeV``/``mergeE`` search maps of one indexed
property, so the lookup is an index hit), created when missing and its properties then set
with ``property()`` steps, so replaying a batch changes nothing. Labels and endpoint labels are
constants of the traversal, which is why rows are grouped into :class:`Shape` s (same label,
endpoint labels and property keys) and each shape gets its own traversal.

Endpoints are merged only when an edge is created (inside the ``Merge.outV``/``Merge.inV``
options): a missing endpoint becomes a bare vertex (label + ``entity_id``) that a later vertex
upsert fills in, which keeps out-of-order streams safe, while re-loading existing edges costs a
single index lookup each. Natural keys are unique across labels (ids carry a type prefix).

Flat rows instead of nested maps halve the bytes to encode and decode per element, which is
where batched loading spends its time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gremlin_python.process.graph_traversal import GraphTraversal, __
from gremlin_python.process.graph_traversal import GraphTraversalSource as Source
from gremlin_python.process.traversal import Cardinality, Direction, Merge, T
from gremlin_python.statics import long

VERTEX_KEY = "entity_id"
EDGE_KEY = "edge_id"
EDGE_ROW_KEYS = frozenset({"edge_id", "from_id", "to_id", "from_label", "to_label"})

# Keys of an injected row that are not properties; "~" keys cannot be property names.
KEY, FROM, TO = "~k", "~f", "~t"

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

_PREFIX_LABEL = {"PER-": "person", "COM-": "company", "ACC-": "account"}


class RowError(ValueError):
    """A row without the keys an upsert needs."""


@dataclass(frozen=True)
class Shape:
    """What one upsert traversal fixes: labels and the property keys of its rows."""

    label: str
    keys: tuple[str, ...]
    from_label: str | None = None
    to_label: str | None = None


def chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    if size < 1:
        raise ValueError("batch size must be >= 1")
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def typed(value: Any) -> Any:
    """Python ints beyond 32 bits must travel as Gremlin longs (epoch millis, large counts)."""
    if type(value) is int and not INT32_MIN <= value <= INT32_MAX:
        return long(value)
    return value


def _endpoint_label(row: Mapping[str, Any], side: str) -> str:
    label = row.get(f"{side}_label")
    if label:
        return label
    label = _PREFIX_LABEL.get(str(row[f"{side}_id"])[:4])
    if label is None:
        raise RowError(f"edge row needs {side}_label (cannot infer it from {row[f'{side}_id']!r})")
    return label


def vertex_groups(
    label: str, rows: Sequence[Mapping[str, Any]]
) -> dict[Shape, list[dict[str, Any]]]:
    """Vertex rows as injected maps, grouped by shape (first-seen order)."""
    groups: dict[Shape, list[dict[str, Any]]] = {}
    for row in rows:
        entity_id = row.get(VERTEX_KEY)
        if entity_id is None:
            raise RowError(f"{label} row without {VERTEX_KEY!r}: {dict(row)!r:.200}")
        item = {KEY: entity_id}
        for key, value in row.items():
            if value is not None and key != VERTEX_KEY:
                item[key] = typed(value)
        shape = Shape(label, tuple(sorted(k for k in item if k != KEY)))
        groups.setdefault(shape, []).append(item)
    return groups


def edge_groups(label: str, rows: Sequence[Mapping[str, Any]]) -> dict[Shape, list[dict[str, Any]]]:
    """Edge rows as injected maps, grouped by shape (first-seen order)."""
    groups: dict[Shape, list[dict[str, Any]]] = {}
    for row in rows:
        try:
            item = {KEY: row[EDGE_KEY], FROM: row["from_id"], TO: row["to_id"]}
        except KeyError as exc:
            raise RowError(f"{label} row without {exc.args[0]!r}: {dict(row)!r:.200}") from None
        for key, value in row.items():
            if value is not None and key not in EDGE_ROW_KEYS:
                item[key] = typed(value)
        keys = tuple(sorted(k for k in item if k not in (KEY, FROM, TO)))
        shape = Shape(label, keys, _endpoint_label(row, "from"), _endpoint_label(row, "to"))
        groups.setdefault(shape, []).append(item)
    return groups


def _set_properties(t: GraphTraversal, keys: Sequence[str], vertex: bool) -> GraphTraversal:
    for key in keys:
        value = __.select("r").select(key)
        t = t.property(Cardinality.single, key, value) if vertex else t.property(key, value)
    return t


def _endpoint(side: str, label: str) -> GraphTraversal:
    """Find the endpoint by its key (index hit), creating it bare when missing."""
    return __.merge_v(__.project(VERTEX_KEY).by(__.select(side))).option(
        Merge.on_create, {T.label: label}
    )


def inject_rows(g: Source, items: list[dict[str, Any]]) -> GraphTraversal:
    """``g.inject(items)`` without gremlinpython's argument conversion, which walks and copies
    every row looking for child traversals; rows here are plain values, so it is pure cost
    (about a third of the client's time in a batched load)."""
    t = g.inject()
    t.bytecode.step_instructions[-1].append(items)
    return t


def upsert_vertices(g: Source, shape: Shape, items: list[dict[str, Any]]) -> GraphTraversal:
    t = (
        inject_rows(g, items)
        .unfold()
        .as_("r")
        .merge_v(__.project(VERTEX_KEY).by(__.select(KEY)))
        .option(Merge.on_create, {T.label: shape.label})
    )
    return _set_properties(t, shape.keys, vertex=True).count()


def upsert_edges(g: Source, shape: Shape, items: list[dict[str, Any]]) -> GraphTraversal:
    if shape.from_label is None or shape.to_label is None:
        raise RowError("an edge shape needs both endpoint labels")
    t = (
        inject_rows(g, items)
        .unfold()
        .as_("r")
        .merge_e(__.project(EDGE_KEY).by(__.select(KEY)))
        .option(
            Merge.on_create,
            {T.label: shape.label, Direction.OUT: Merge.out_v, Direction.IN: Merge.in_v},
        )
        .option(Merge.out_v, _endpoint(FROM, shape.from_label))
        .option(Merge.in_v, _endpoint(TO, shape.to_label))
    )
    return _set_properties(t, shape.keys, vertex=False).count()
