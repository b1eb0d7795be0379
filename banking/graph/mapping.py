"""Dataset records -> graph elements, driven by the entity table (``banking.entities``).

Input rows are JSON-native dicts as ``model.model_dump(mode="json")`` produces them (the dataset
files, Kafka events); the output is a :class:`GraphBatch` the repository writes in one go.
Vertices carry ``entity_id`` (the natural key the server indexes), edges carry ``edge_id`` plus
``from_id``/``to_id`` and the endpoint labels, so a writer can create a missing endpoint as a
bare vertex when events arrive out of order. An edge's time field becomes epoch milliseconds (a
long) so time-window filters compare numbers, not strings; ``None`` values are dropped because
Gremlin has no null properties. The graph schema itself (which entity is a vertex or an edge,
its label and endpoints) is the table in ``banking.entities``, nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from banking.entities import (
    BY_PLURAL,
    EDGE_LABELS,
    GRAPH_ENTITIES,
    LOAD_ORDER,
    VERTEX_LABELS,
    Entity,
    to_epoch_millis,
    vertex_label_of,
)
from banking.errors import MappingError

__all__ = [
    "ACCOUNT",
    "COMMUNICATED",
    "COMPANY",
    "EDGE_KEYS",
    "EDGE_LABELS",
    "ENTITIES",
    "OWNS",
    "OWNS_SHARE",
    "PERSON",
    "TRANSFER",
    "VERTEX_LABELS",
    "GraphBatch",
    "MappingError",
    "label_of",
    "records_of",
    "to_epoch_millis",
    "to_graph_batch",
]

# The labels the queries and tests name (all from the table).
PERSON = BY_PLURAL["persons"].vertex
COMPANY = BY_PLURAL["companies"].vertex
ACCOUNT = BY_PLURAL["accounts"].vertex
OWNS = BY_PLURAL["accounts"].edge
TRANSFER = BY_PLURAL["transactions"].edge
COMMUNICATED = BY_PLURAL["communications"].edge
OWNS_SHARE = BY_PLURAL["ownership_links"].edge

# Dataset entity names in the order a loader should write them (vertices before edges).
ENTITIES = LOAD_ORDER

# Keys of an edge row that describe the edge rather than being stored as its properties.
EDGE_KEYS = frozenset({"edge_id", "from_id", "to_id", "from_label", "to_label"})

label_of = vertex_label_of


@dataclass
class GraphBatch:
    """Vertex and edge rows grouped by label; what ``GraphRepository.write`` consumes."""

    vertices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    edges: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add_vertex(self, label: str, row: dict[str, Any]) -> None:
        self.vertices.setdefault(label, []).append(row)

    def add_edge(self, label: str, row: dict[str, Any]) -> None:
        self.edges.setdefault(label, []).append(row)

    def extend(self, other: GraphBatch) -> GraphBatch:
        for label, rows in other.vertices.items():
            self.vertices.setdefault(label, []).extend(rows)
        for label, rows in other.edges.items():
            self.edges.setdefault(label, []).extend(rows)
        return self

    @property
    def vertex_count(self) -> int:
        return sum(len(rows) for rows in self.vertices.values())

    @property
    def edge_count(self) -> int:
        return sum(len(rows) for rows in self.edges.values())

    def __len__(self) -> int:
        return self.vertex_count + self.edge_count


def _props(record: Mapping[str, Any], skip: frozenset[str]) -> dict[str, Any]:
    """The record's values Gremlin stores as they are (dates as ISO text), less ``skip`` and
    ``None``s."""
    return {
        k: v.isoformat() if isinstance(v, date) else v  # datetime is a date
        for k, v in record.items()
        if v is not None and k not in skip
    }


Converter = Callable[[GraphBatch, Sequence[Mapping[str, Any]]], None]


def _require(record: Mapping[str, Any], key: str, entity: str) -> Any:
    value = record.get(key)
    if value is None or value == "":
        raise MappingError(f"{entity} record without {key!r}: {dict(record)!r:.200}")
    return value


def _vertex_converter(spec: Entity) -> Converter:
    """A vertex per record (all its fields but the id as properties), plus, for an entity that
    also brings an edge (accounts: ``owns``), that edge from its source to the vertex."""
    name, id_key, label, skip = spec.plural, spec.id_field, spec.vertex, frozenset((spec.id_field,))
    source = spec.source if spec.edge is not None else None
    edge, to_label = spec.edge, spec.vertex

    def convert(batch: GraphBatch, records: Sequence[Mapping[str, Any]]) -> None:
        for record in records:
            row = _props(record, skip)
            vertex_id = row["entity_id"] = _require(record, id_key, name)
            batch.add_vertex(label, row)
            if source is not None:
                owner = _require(record, source.id_field, name)
                batch.add_edge(
                    edge,
                    {
                        "edge_id": f"{edge}:{vertex_id}",
                        "from_id": owner,
                        "to_id": vertex_id,
                        "from_label": source.label_of(record, owner),
                        "to_label": to_label,
                    },
                )

    return convert


def _edge_converter(spec: Entity) -> Converter:
    """An edge per record: id, endpoints and their labels out of the properties, the time
    field as epoch milliseconds."""
    assert spec.source is not None and spec.target is not None
    name, id_key, label, time_key = spec.plural, spec.id_field, spec.edge, spec.time_field
    source, target = spec.source, spec.target
    from_label, to_label = source.label, target.label  # fixed labels: no call per record
    skip = frozenset(
        key
        for key in (
            id_key,
            time_key,
            *(f for e in (source, target) for f in (e.id_field, e.label_field)),
        )
        if key is not None
    )

    from_key, to_key = source.id_field, target.id_field

    def convert(batch: GraphBatch, records: Sequence[Mapping[str, Any]]) -> None:
        add = batch.add_edge
        for record in records:
            row = _props(record, skip)
            row["edge_id"] = _require(record, id_key, name)
            from_id = row["from_id"] = _require(record, from_key, name)
            to_id = row["to_id"] = _require(record, to_key, name)
            row["from_label"] = from_label or source.label_of(record, from_id)
            row["to_label"] = to_label or target.label_of(record, to_id)
            if time_key is not None:
                row[time_key] = to_epoch_millis(_require(record, time_key, name))
            add(label, row)

    return convert


_CONVERTERS: dict[str, Converter] = {
    e.plural: _vertex_converter(e) if e.vertex is not None else _edge_converter(e)
    for e in GRAPH_ENTITIES
}


def to_graph_batch(
    entity: str, records: Sequence[Mapping[str, Any]], batch: GraphBatch | None = None
) -> GraphBatch:
    """Graph elements of dataset ``entity``'s ``records``, appended to ``batch`` if given."""
    converter = _CONVERTERS.get(entity)
    if converter is None:
        known = ", ".join(_CONVERTERS)
        raise MappingError(f"unknown dataset entity {entity!r} (known: {known})")
    batch = GraphBatch() if batch is None else batch
    converter(batch, records)
    return batch


def records_of(models: Iterable[Any]) -> list[dict[str, Any]]:
    """JSON-native dicts of pydantic models, the form :func:`to_graph_batch` takes."""
    return [model.model_dump(mode="json") for model in models]
