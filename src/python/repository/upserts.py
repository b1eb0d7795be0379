"""Batched idempotent upsert traversals: one request merges a whole batch of rows.

Each batch travels as injected data (``inject(items).unfold()``) and every element is merged on
its natural key with ``mergeV``/``mergeE``: created when missing, its properties overwritten
when present, so replaying a batch changes nothing. Edges first merge their two endpoints as
bare vertices (label + ``entity_id``), which makes out-of-order streams safe: the edge never
waits for its vertices, and a later vertex upsert fills in the properties.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gremlin_python.process.graph_traversal import GraphTraversal, __
from gremlin_python.process.graph_traversal import GraphTraversalSource as Source
from gremlin_python.process.traversal import Direction, Merge, T
from gremlin_python.statics import long

VERTEX_KEY = "entity_id"
EDGE_KEY = "edge_id"
EDGE_ROW_KEYS = frozenset({"edge_id", "from_id", "to_id", "from_label", "to_label"})

_PREFIX_LABEL = {"PER-": "person", "COM-": "company", "ACC-": "account"}


class RowError(ValueError):
    """A row without the keys an upsert needs."""


def chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    if size < 1:
        raise ValueError("batch size must be >= 1")
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def typed(value: Any) -> Any:
    """Python ints beyond 32 bits must travel as Gremlin longs (epoch millis, large counts)."""
    if type(value) is int and not INT32_MIN <= value <= INT32_MAX:
        return long(value)
    return value


def _properties(row: Mapping[str, Any], skip: frozenset[str] | str) -> dict[str, Any]:
    if isinstance(skip, str):
        return {k: typed(v) for k, v in row.items() if v is not None and k != skip}
    return {k: typed(v) for k, v in row.items() if v is not None and k not in skip}


def _endpoint_label(row: Mapping[str, Any], side: str) -> str:
    label = row.get(f"{side}_label")
    if label:
        return label
    entity_id = row[f"{side}_id"]
    label = _PREFIX_LABEL.get(str(entity_id)[:4])
    if label is None:
        raise RowError(f"edge row needs {side}_label (cannot infer it from {entity_id!r})")
    return label


def vertex_items(label: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[Any, Any]]:
    """Injected form of vertex rows: the merge key ``m`` and the properties ``p``."""
    items = []
    for row in rows:
        entity_id = row.get(VERTEX_KEY)
        if entity_id is None:
            raise RowError(f"{label} row without {VERTEX_KEY!r}: {dict(row)!r:.200}")
        items.append(
            {"m": {T.label: label, VERTEX_KEY: entity_id}, "p": _properties(row, VERTEX_KEY)}
        )
    return items


def edge_items(label: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[Any, Any]]:
    """Injected form of edge rows: endpoints ``o``/``i``, merge key ``m``, properties ``p``."""
    items = []
    for row in rows:
        try:
            edge_id, from_id, to_id = row[EDGE_KEY], row["from_id"], row["to_id"]
        except KeyError as exc:
            raise RowError(f"{label} row without {exc.args[0]!r}: {dict(row)!r:.200}") from None
        items.append(
            {
                "o": {T.label: _endpoint_label(row, "from"), VERTEX_KEY: from_id},
                "i": {T.label: _endpoint_label(row, "to"), VERTEX_KEY: to_id},
                "m": {
                    T.label: label,
                    EDGE_KEY: edge_id,
                    Direction.OUT: Merge.out_v,
                    Direction.IN: Merge.in_v,
                },
                "p": _properties(row, EDGE_ROW_KEYS),
            }
        )
    return items


def upsert_vertices(g: Source, items: list[dict[Any, Any]]) -> GraphTraversal:
    """Merge each item's vertex; onCreate inherits the merge key, so ``p`` serves both cases."""
    return (
        g.inject(items)
        .unfold()
        .merge_v(__.select("m"))
        .option(Merge.on_create, __.select("p"))
        .option(Merge.on_match, __.select("p"))
        .count()
    )


def upsert_edges(g: Source, items: list[dict[Any, Any]]) -> GraphTraversal:
    """Merge both endpoints (bare if new), then the edge between exactly those two vertices."""
    return (
        g.inject(items)
        .unfold()
        .as_("r")
        .merge_v(__.select("o"))
        .as_("a")
        .select("r")
        .merge_v(__.select("i"))
        .as_("b")
        .select("r")
        .merge_e(__.select("m"))
        .option(Merge.out_v, __.select("a"))
        .option(Merge.in_v, __.select("b"))
        .option(Merge.on_create, __.select("p"))
        .option(Merge.on_match, __.select("p"))
        .count()
    )
