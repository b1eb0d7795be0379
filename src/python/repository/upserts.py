"""Batched idempotent upsert traversals: one request merges a whole batch of rows.

Natural keys are element ids: a vertex's ``T.id`` is its ``entity_id``, an edge's is its
``edge_id`` (both also stay properties, which queries and users read). A batch travels as
injected data (``inject(rows).unfold()``), one row of two small maps per element:

- ``k``, the ``mergeV``/``mergeE`` search map ``{T.id: key}``: Gremlin turns it into ``V(id)`` /
  ``E(id)``, a hash lookup in TinkerGraph with no property index and no filter step;
- ``c``, the ``onCreate`` map: label, properties and, for an edge, its endpoints as raw ids
  (``Direction.OUT: from_id``), which ``mergeE`` resolves with a direct id lookup.

An element that exists already is updated from the same ``c`` map less its label and
endpoints (:func:`match_properties`, computed on the server, for matches only), so an update
rewrites the properties and a replay rewrites the same values and changes nothing. Each value
travels once: Gremlin Server copies every injected map, entry by entry, while it translates
the request (the largest part of its cost for a batch), so a second copy of the properties for
``onMatch`` cost a first load about as much as the merges it served.

Each ``mergeV``/``mergeE`` compiles a small search traversal per element on the server;
searching by id alone keeps it to one step, and resolving endpoints by raw id avoids two more
per edge. The price is that an edge whose endpoint is missing fails; the repository then
creates the missing endpoints as bare vertices (label + ``entity_id``, see
:func:`endpoint_items`) and replays the batch, which keeps out-of-order streams safe.

Properties travel as maps rather than one ``property()`` step per key, so rows with different
property keys share one traversal per label. Natural keys are unique across labels (ids carry
a type prefix).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gremlin_python.process.graph_traversal import GraphTraversal, __
from gremlin_python.process.graph_traversal import GraphTraversalSource as Source
from gremlin_python.process.traversal import Column, Direction, Merge, P, T

VERTEX_KEY = "entity_id"
EDGE_KEY = "edge_id"
# Keys of an edge row that describe the edge rather than being stored as its properties.
EDGE_ROW_KEYS = frozenset({"from_id", "to_id", "from_label", "to_label"})

# Keys of an injected row: search map, onCreate map.
KEY, CREATE = "k", "c"
# Keys of an onCreate map that are not properties (onMatch may not set them).
_NOT_PROPERTIES = [T.label, Direction.OUT, Direction.IN]

_PREFIX_LABEL = {"PER-": "person", "COM-": "company", "ACC-": "account"}


class RowError(ValueError):
    """A row without the keys an upsert needs."""


def chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    if size < 1:
        raise ValueError("batch size must be >= 1")
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def endpoint_label(row: Mapping[str, Any], side: str) -> str:
    """An edge row's ``from``/``to`` label: explicit, else implied by the id prefix."""
    label = row.get(f"{side}_label")
    if label:
        return label
    label = _PREFIX_LABEL.get(str(row[f"{side}_id"])[:4])
    if label is None:
        raise RowError(f"edge row needs {side}_label (cannot infer it from {row[f'{side}_id']!r})")
    return label


def _vertex_key(label: str, row: Mapping[str, Any]) -> Any:
    entity_id = row.get(VERTEX_KEY)
    if entity_id is None:
        raise RowError(f"{label} row without {VERTEX_KEY!r}: {dict(row)!r:.200}")
    return entity_id


def _edge_keys(label: str, row: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    try:
        return row[EDGE_KEY], row["from_id"], row["to_id"]
    except KeyError as exc:
        raise RowError(f"{label} row without {exc.args[0]!r}: {dict(row)!r:.200}") from None


def check_vertex_rows(label: str, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Raise :class:`RowError` for the first row without its key: a write checks all its rows
    before its first request, so a bad row writes nothing, although the request items are
    built one chunk at a time. True if no key repeats: then the requests of the write commute
    (each merges elements no other one touches) and may be in flight together."""
    keys = {_vertex_key(label, row) for row in rows}
    return len(keys) == len(rows)


def check_edge_rows(label: str, rows: Sequence[Mapping[str, Any]]) -> bool:
    """:func:`check_vertex_rows` for edge rows (edge id and both endpoints)."""
    keys = {_edge_keys(label, row)[0] for row in rows}
    return len(keys) == len(rows)


def vertex_items(label: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Vertex rows as injected maps (``None`` values dropped: Gremlin has no null property)."""
    items = []
    for row in rows:
        entity_id = _vertex_key(label, row)
        create = {T.label: label}
        for key, value in row.items():
            if value is not None:
                create[key] = value
        items.append({KEY: {T.id: entity_id}, CREATE: create})
    return items


def edge_items(label: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Edge rows as injected maps; endpoints travel as raw ids."""
    items = []
    for row in rows:
        edge_id, from_id, to_id = _edge_keys(label, row)
        create = {T.label: label, Direction.OUT: from_id, Direction.IN: to_id}
        for key, value in row.items():
            if value is not None and key not in EDGE_ROW_KEYS:
                create[key] = value
        items.append({KEY: {T.id: edge_id}, CREATE: create})
    return items


def endpoint_items(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Bare-vertex rows (label + ``entity_id``) for every endpoint of the edge rows, once each;
    merged without ``onMatch``, so an existing vertex is left as it is."""
    seen: dict[Any, dict[str, Any]] = {}
    for row in rows:
        for side in ("from", "to"):
            entity_id = row[f"{side}_id"]
            if entity_id not in seen:
                label = endpoint_label(row, side)
                seen[entity_id] = {
                    KEY: {T.id: entity_id},
                    CREATE: {T.label: label, VERTEX_KEY: entity_id},
                }
    return list(seen.values())


def inject_rows(g: Source, items: list[dict[str, Any]]) -> GraphTraversal:
    """``g.inject(items)`` without gremlinpython's argument conversion, which walks and copies
    every row looking for child traversals; rows here are plain values, so it is pure cost
    (about a third of the client's time in a batched load)."""
    t = g.inject()
    t.bytecode.step_instructions[-1].append(items)
    return t


def match_properties() -> GraphTraversal:
    """The ``onMatch`` map of a row: its ``onCreate`` map less label and endpoints.

    Each key is unique, so every group holds one value and ``max`` (a reducing step, which
    ``group`` needs to give a value rather than a list) returns it unchanged."""
    return (
        __.select(CREATE)
        .unfold()
        .filter_(__.select(Column.keys).is_(P.without(_NOT_PROPERTIES)))
        .group()
        .by(__.select(Column.keys))
        .by(__.select(Column.values).max_())
    )


def upsert_vertices(g: Source, items: list[dict[str, Any]]) -> GraphTraversal:
    return (
        inject_rows(g, items)
        .unfold()
        .merge_v(__.select(KEY))
        .option(Merge.on_create, __.select(CREATE))
        .option(Merge.on_match, match_properties())
        .count()
    )


def create_vertices(g: Source, items: list[dict[str, Any]]) -> GraphTraversal:
    """Create the vertices that do not exist yet; existing ones stay untouched."""
    return (
        inject_rows(g, items)
        .unfold()
        .merge_v(__.select(KEY))
        .option(Merge.on_create, __.select(CREATE))
        .count()
    )


def upsert_edges(g: Source, items: list[dict[str, Any]]) -> GraphTraversal:
    return (
        inject_rows(g, items)
        .unfold()
        .merge_e(__.select(KEY))
        .option(Merge.on_create, __.select(CREATE))
        .option(Merge.on_match, match_properties())
        .count()
    )
