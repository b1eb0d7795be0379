"""The JanusGraph schema of the bank graph, derived from the entity table and the mapping.

JanusGraph fixes a property's data type by the first value it sees unless the key is declared
(a first ``amount: 5`` made ``amount`` an Integer and every later ``903.28`` failed), so the
server's init script declares every key up front from this module (rendered by
``banking.services.render``). The keys are what ``banking.graph.mapping`` writes: a vertex
stores its record's fields but the id, plus ``entity_id``; an edge stores its record's fields
less the id, the endpoints' id and label fields, plus ``edge_id``, with its time field as epoch
milliseconds. Field types come from the models' storage kinds (``banking.dataset.schema``):
dates travel as ISO text, timestamps of edges as longs, whole numbers as longs (JanusGraph
converts an Integer to a Long key; the reverse would overflow), fractional ones as doubles.
Every key has single cardinality: an upsert replaces a value. ``edge_id`` has a composite index:
the repository finds edges by it (JanusGraph edges cannot carry user ids); vertices are found
by their custom id and need none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from banking.dataset.schema import field_kinds
from banking.entities import EDGE_LABELS, GRAPH_ENTITIES, VERTEX_LABELS, Entity

VERTEX_KEY = "entity_id"
EDGE_KEY = "edge_id"
EDGE_INDEX = "byEdgeId"
# Storage kinds of the model fields (banking.dataset.schema) -> JanusGraph data types (Java
# classes). Dates and timestamps of vertices travel as ISO text, an edge's time field as a long.
_TYPES = {
    "str": "String",
    "optstr": "String",
    "bool": "Boolean",
    "int": "Long",
    "float": "Double",
    "date": "String",
    "datetime": "String",
}
# The Python values each JanusGraph type accepts (for checks of the data against the schema).
ACCEPTS: dict[str, tuple[type, ...]] = {
    "Boolean": (bool,),
    "Long": (int,),
    "Double": (int, float),
    "String": (str,),
}


class SchemaError(ValueError):
    """The entity table cannot be one schema (a key with two types)."""


@dataclass(frozen=True)
class PropertyKey:
    name: str
    data_type: str  # Java simple name: String, Long, Double, Boolean
    cardinality: str = "SINGLE"


@dataclass(frozen=True)
class GraphSchema:
    """Property keys (sorted by name), vertex and edge labels, and the composite edge index."""

    keys: tuple[PropertyKey, ...]
    vertex_labels: tuple[str, ...]
    edge_labels: tuple[str, ...]
    edge_index: tuple[str, str] = (EDGE_INDEX, EDGE_KEY)

    def key(self, name: str) -> PropertyKey:
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(name)

    def accepts(self, name: str, value: Any) -> bool:
        """True when ``value`` may be written to key ``name`` (False for undeclared keys)."""
        try:
            data_type = self.key(name).data_type
        except KeyError:
            return False
        if isinstance(value, bool) and data_type != "Boolean":
            return False
        return isinstance(value, ACCEPTS[data_type])


def _janus_type(kind: str, where: str) -> str:
    try:
        return _TYPES[kind]
    except KeyError:
        raise SchemaError(f"{where}: no JanusGraph type for a {kind} field") from None


def entity_keys(spec: Entity) -> dict[str, str]:
    """The properties ``banking.graph.mapping`` writes for one entity, with their types."""
    fields = field_kinds(spec.plural)
    keys: dict[str, str] = {}
    if spec.vertex is not None:
        for name, kind in fields.items():
            if name != spec.id_field:
                keys[name] = _janus_type(kind, f"{spec.plural}.{name}")
        keys[VERTEX_KEY] = "String"
        if spec.edge is not None:  # the vertex also brings an edge (account -> owns)
            keys[EDGE_KEY] = "String"
        return keys
    skip = {spec.id_field}
    for end in spec.endpoints:
        skip.update(f for f in (end.id_field, end.label_field) if f is not None)
    for name, kind in fields.items():
        if name not in skip:
            keys[name] = _janus_type(kind, f"{spec.plural}.{name}")
    if spec.time_field is not None:
        keys[spec.time_field] = "Long"  # epoch milliseconds (banking.entities.to_epoch_millis)
    keys[EDGE_KEY] = "String"
    return keys


def build_schema(entities: tuple[Entity, ...] = GRAPH_ENTITIES) -> GraphSchema:
    """One schema for all graph entities; a key two entities type differently is an error."""
    merged: dict[str, str] = {}
    for spec in entities:
        for name, data_type in entity_keys(spec).items():
            if merged.setdefault(name, data_type) != data_type:
                raise SchemaError(
                    f"property {name!r} is {merged[name]} elsewhere but {data_type} in "
                    f"{spec.plural}: one key has one type in JanusGraph"
                )
    keys = tuple(PropertyKey(name, merged[name]) for name in sorted(merged))
    return GraphSchema(keys, VERTEX_LABELS, EDGE_LABELS)


SCHEMA = build_schema()
