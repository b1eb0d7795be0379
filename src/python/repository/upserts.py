"""Batched idempotent upsert traversals: one request merges a whole batch of rows.

A vertex's natural key is its element id (``T.id`` = ``entity_id``); an edge's is its
``edge_id`` property, because JanusGraph refuses user-supplied edge ids ("Edge does not support
user supplied identifiers"). One code path serves both engines: on TinkerGraph, keying edges by
the indexed property measured no slower than by ``T.id`` (docs/performance/graph.md, "Edge
keys"). A batch travels as injected data (``inject(rows).unfold()``), one row of two small maps
per element:

- ``k``, the ``mergeV``/``mergeE`` search map: ``{T.id: entity_id}`` (Gremlin turns it into
  ``V(id)``, a direct id lookup) or ``{"edge_id": edge_id}`` (``E().has("edge_id", id)``, which
  the engine answers from its index on ``edge_id``: TinkerGraph's key index, JanusGraph's
  composite index);
- ``c``, the ``onCreate`` map: label, properties and, for an edge, its endpoints as raw ids
  (``Direction.OUT: from_id``), which ``mergeE`` resolves with a direct id lookup.

An element that exists already is updated from the same ``c`` map less its label and
endpoints (:func:`match_properties`, computed on the server, for matches only), so an update
rewrites the properties and a replay rewrites the same values and changes nothing. Each value
travels once: Gremlin Server copies every injected map, entry by entry, while it translates
the request (the largest part of its cost for a batch), so a second copy of the properties for
``onMatch`` cost a first load about as much as the merges it served.

Resolving endpoints by raw id keeps each ``mergeE``'s search small. The price is that an edge
whose endpoint is missing fails; the repository then creates the missing endpoints as bare
vertices (label + ``entity_id``, see :func:`endpoint_items`) and replays the batch, which keeps
out-of-order streams safe.

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

from banking.entities import PREFIX_LABEL

VERTEX_KEY = "entity_id"
EDGE_KEY = "edge_id"
# Keys of an edge row that describe the edge rather than being stored as its properties.
EDGE_ROW_KEYS = frozenset({"from_id", "to_id", "from_label", "to_label"})

# Keys of an injected row: search map, onCreate map.
KEY, CREATE = "k", "c"
# onCreate keys of an edge's endpoints, in the order of UpsertRows.endpoints.
ENDPOINT_DIRECTIONS = (Direction.OUT, Direction.IN)
# Keys of an onCreate map that are not properties (onMatch may not set them).
_NOT_PROPERTIES = [T.label, *ENDPOINT_DIRECTIONS]


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
    label = PREFIX_LABEL.get(str(row[f"{side}_id"])[:4])
    if label is None:
        raise RowError(f"edge row needs {side}_label (cannot infer it from {row[f'{side}_id']!r})")
    return label


class UpsertRows:
    """A chunk of vertex or edge rows as one injected argument, standing for :meth:`items`.

    The repository's GraphBinary writer encodes it straight from the rows, in one pass
    without a dict per row (building the items and then encoding them was two thirds of the
    client's time per element of a batched load); :meth:`items` is the layout it encodes,
    byte for byte, and what anything else that reads the bytecode sees."""

    __slots__ = ("endpoints", "key", "label", "rows", "search", "skip")

    def __init__(
        self,
        label: str,
        rows: Sequence[Mapping[str, Any]],
        key: str,
        endpoints: tuple[str, ...] = (),
        skip: frozenset[str] = frozenset(),
        search: Any = T.id,
    ) -> None:
        self.label = label
        self.rows = rows
        self.key = key  # the row key whose value is the natural key
        self.search = search  # the search map's key: T.id (vertices) or the key property
        self.endpoints = endpoints  # row keys of the OUT and IN endpoint ids (edges)
        self.skip = skip  # row keys that are not stored as properties

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"UpsertRows({self.label!r}, {len(self.rows)} rows)"

    def check(self) -> bool:
        """Raise :class:`RowError` for the first row without its keys: a write checks all its
        rows before its first request, so a bad row writes nothing, although the requests are
        encoded one chunk at a time. True if no element id repeats: then the requests of the
        write commute (each merges elements no other one touches) and may be in flight
        together."""
        required = (self.key, *self.endpoints)
        ids = set()
        for row in self.rows:
            for name in required:
                if row.get(name) is None:
                    raise RowError(f"{self.label} row without {name!r}: {dict(row)!r:.200}")
            ids.add(row[self.key])
        return len(ids) == len(self.rows)

    def items(self) -> list[dict[Any, Any]]:
        """The rows as injected maps: ``{KEY: {search: key}, CREATE: {T.label: label,
        Direction.OUT: from, Direction.IN: to, **properties}}``, ``None`` values dropped
        (Gremlin has no null property)."""
        self.check()
        directions = ENDPOINT_DIRECTIONS[: len(self.endpoints)]
        endpoints = list(zip(directions, self.endpoints, strict=True))
        items = []
        for row in self.rows:
            create: dict[Any, Any] = {T.label: self.label}
            for direction, name in endpoints:
                create[direction] = row[name]
            for key, value in row.items():
                if value is not None and key not in self.skip:
                    create[key] = value
            items.append({KEY: {self.search: row[self.key]}, CREATE: create})
        return items


def vertex_rows(label: str, rows: Sequence[Mapping[str, Any]]) -> UpsertRows:
    return UpsertRows(label, rows, VERTEX_KEY)


def edge_rows(label: str, rows: Sequence[Mapping[str, Any]]) -> UpsertRows:
    """Edge rows keyed by their ``edge_id`` property; endpoints travel as raw ids, the endpoint
    keys are not properties."""
    return UpsertRows(label, rows, EDGE_KEY, ("from_id", "to_id"), EDGE_ROW_KEYS, EDGE_KEY)


def vertex_items(label: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[Any, Any]]:
    return vertex_rows(label, rows).items()


def edge_items(label: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[Any, Any]]:
    return edge_rows(label, rows).items()


def endpoint_items(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Bare-vertex rows (label + ``entity_id``) for every endpoint of the edge rows, once each;
    merged without ``onMatch``, so an existing vertex is left as it is."""
    seen: dict[Any, dict[str, Any]] = {}
    for row in rows:
        for side in ("from", "to"):
            entity_id = row[f"{side}_id"]
            if entity_id not in seen:
                bare = vertex_rows(endpoint_label(row, side), [{VERTEX_KEY: entity_id}])
                (seen[entity_id],) = bare.items()
    return list(seen.values())


Items = list[dict[Any, Any]] | UpsertRows


def inject_rows(g: Source, items: Items) -> GraphTraversal:
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


def upsert_vertices(g: Source, items: Items) -> GraphTraversal:
    return (
        inject_rows(g, items)
        .unfold()
        .merge_v(__.select(KEY))
        .option(Merge.on_create, __.select(CREATE))
        .option(Merge.on_match, match_properties())
        .count()
    )


def create_vertices(g: Source, items: Items) -> GraphTraversal:
    """Create the vertices that do not exist yet; existing ones stay untouched."""
    return (
        inject_rows(g, items)
        .unfold()
        .merge_v(__.select(KEY))
        .option(Merge.on_create, __.select(CREATE))
        .count()
    )


def upsert_edges(g: Source, items: Items) -> GraphTraversal:
    return (
        inject_rows(g, items)
        .unfold()
        .merge_e(__.select(KEY))
        .option(Merge.on_create, __.select(CREATE))
        .option(Merge.on_match, match_properties())
        .count()
    )
