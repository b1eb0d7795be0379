"""The one table of entity types: every layer's list of entities derives from ``TABLE``.

Each entry says what an entity is in every layer: its dataset file (plural name), its event's
``entity_type`` (singular), its pydantic model, its id field and prefix, its graph form (a
vertex, an edge between two vertices, or, for accounts, both: the account vertex plus the
``owns`` edge from its owner), and its time field. The dataset schema, the graph mapping and
loader, the stream's topics, events and sink, the validation and the repository's labels all
iterate this table, so adding an entity type is one entry here plus its model (with its id
prefix in ``banking.models.ID_PREFIX``) and its generator.

Orders: ``TABLE`` is the dataset's file order; ``LOAD_ORDER`` (graph writes, stream sink) puts
vertices first, then the relationships between them (untimed edges), then the events (timed
edges, the bulk), because an edge needs its endpoints and ownership is read by the queries over
events.

Kept free of the graph, streaming and command layers: the repository (``banking_repository``)
imports only this module and ``banking.errors``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from banking import models
from banking.errors import MappingError, UsageError
from banking.models import ID_PREFIX


@dataclass(frozen=True)
class Endpoint:
    """One end of an edge: the record field holding the vertex id, and the vertex label, fixed
    (``label``) or read from ``label_field`` (an owner is a person or a company)."""

    id_field: str
    label: str | None = None
    label_field: str | None = None

    def label_of(self, record: Mapping[str, Any], vertex_id: str) -> str:
        """This end's vertex label for ``record``: fixed, else named, else implied by the id."""
        if self.label is not None:
            return self.label
        return (self.label_field and record.get(self.label_field)) or vertex_label_of(vertex_id)


@dataclass(frozen=True)
class Entity:
    """One entity type as every layer sees it.

    ``id_kind`` is the key of ``banking.models.ID_PREFIX`` (where the models' validators read
    the prefix). An entry with ``vertex`` and ``edge`` is a vertex that also brings the edge
    ``source -> target`` (its target is the vertex itself, the edge id ``"<edge>:<id>"``); one
    with neither (patterns, the ground truth) has no graph form and is not streamed.
    ``generator`` (``"module:function"``) makes a whole bank's column batches of an entity the
    bank builder has no code of its own for: ``function(bank)`` gets the builder (seed, counts,
    ids, reference date, batch size) and yields column dicts.
    """

    plural: str
    singular: str
    model: type[BaseModel]
    id_field: str
    id_kind: str
    time_field: str | None = None
    vertex: str | None = None
    edge: str | None = None
    source: Endpoint | None = None
    target: Endpoint | None = None
    generator: str | None = None

    def __post_init__(self) -> None:
        if self.id_kind not in ID_PREFIX:
            raise ValueError(f"{self.plural}: id kind {self.id_kind!r} not in models.ID_PREFIX")
        if self.edge is not None and (self.source is None or self.target is None):
            raise ValueError(f"{self.plural}: an edge needs a source and a target")
        if self.id_field not in self.model.model_fields:
            raise ValueError(f"{self.plural}: {self.model.__name__} has no {self.id_field!r}")

    @property
    def prefix(self) -> str:
        """The id prefix without its dash (``PER``)."""
        return ID_PREFIX[self.id_kind]

    @property
    def in_graph(self) -> bool:
        return self.vertex is not None or self.edge is not None

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        return tuple(e for e in (self.source, self.target) if e is not None)

    @property
    def delete_target(self) -> tuple[str, str]:
        """(element kind, label) a delete of this entity's id removes: the vertex if it is one
        (its own edges go with it), else the edge."""
        if self.vertex is not None:
            return ("vertex", self.vertex)
        if self.edge is not None:
            return ("edge", self.edge)
        raise UsageError(f"{self.plural} are not graph elements")

    @property
    def load_rank(self) -> int:
        """0 vertices, 1 relationships (untimed edges), 2 events (timed edges)."""
        if self.vertex is not None:
            return 0
        return 2 if self.time_field else 1

    def bank_columns(self, bank: Any) -> Iterator[dict[str, Any]]:
        """The column batches ``generator`` makes for ``bank`` (nothing without one)."""
        if self.generator is None:
            return iter(())
        module, _, name = self.generator.partition(":")
        function: Callable[[Any], Iterator[dict[str, Any]]] = getattr(
            importlib.import_module(module), name
        )
        return function(bank)


_OWNER = Endpoint("owner_id", label_field="owner_type")

TABLE: tuple[Entity, ...] = (
    Entity("persons", "person", models.Person, "person_id", "person", vertex="person"),
    Entity(
        "companies",
        "company",
        models.Company,
        "company_id",
        "company",
        time_field="incorporation_date",
        vertex="company",
    ),
    Entity(
        "accounts",
        "account",
        models.Account,
        "account_id",
        "account",
        time_field="opened_date",
        vertex="account",
        edge="owns",
        source=_OWNER,
        target=Endpoint("account_id", "account"),
    ),
    Entity(
        "transactions",
        "transaction",
        models.Transaction,
        "txn_id",
        "transaction",
        time_field="timestamp",
        edge="transfer",
        source=Endpoint("from_account", "account"),
        target=Endpoint("to_account", "account"),
    ),
    Entity(
        "communications",
        "communication",
        models.Communication,
        "comm_id",
        "communication",
        time_field="timestamp",
        edge="communicated",
        source=Endpoint("from_person", "person"),
        target=Endpoint("to_person", "person"),
    ),
    Entity(
        "ownership_links",
        "ownership_link",
        models.OwnershipLink,
        "link_id",
        "ownership",
        edge="owns_share",
        source=_OWNER,
        target=Endpoint("company_id", "company"),
    ),
    Entity("patterns", "pattern", models.Pattern, "pattern_id", "pattern"),
)

BY_PLURAL: dict[str, Entity] = {e.plural: e for e in TABLE}
BY_SINGULAR: dict[str, Entity] = {e.singular: e for e in TABLE}
# Dataset file order (every entity, patterns too).
DATASET_ENTITIES: tuple[str, ...] = tuple(BY_PLURAL)
# Entities with a graph form, in table order: the stream's topics and events.
GRAPH_ENTITIES: tuple[Entity, ...] = tuple(e for e in TABLE if e.in_graph)
# Graph writes (loader, stream sink): vertices before the edges that point at them.
LOAD_ORDER: tuple[str, ...] = tuple(
    e.plural for e in sorted(GRAPH_ENTITIES, key=lambda e: e.load_rank)
)
VERTEX_LABELS: tuple[str, ...] = tuple(e.vertex for e in TABLE if e.vertex is not None)
EDGE_LABELS: tuple[str, ...] = tuple(e.edge for e in TABLE if e.edge is not None)
# "PER-" -> "person": the label of a vertex named by id alone (an edge endpoint).
PREFIX_LABEL: dict[str, str] = {f"{e.prefix}-": e.vertex for e in TABLE if e.vertex is not None}
_PREFIX_LENGTHS = tuple(sorted({len(prefix) for prefix in PREFIX_LABEL}))


def lookup(entries: tuple[Entity, ...]) -> Callable[[str], Entity]:
    """A function finding an entry of ``entries`` by plural (dataset, topic) or singular
    (event) name, a UsageError naming the known ones otherwise (two dict lookups: the producer
    calls it per record)."""
    by_plural = {e.plural: e for e in entries}
    by_singular = {e.singular: e for e in entries}
    known = ", ".join(by_plural)

    def find(name: str) -> Entity:
        found = by_plural.get(name) or by_singular.get(name)
        if found is None:
            raise UsageError(f"unknown entity type {name!r}; known: {known}")
        return found

    return find


entity = lookup(TABLE)


def vertex_label_of(entity_id: str) -> str:
    """Vertex label implied by an id's prefix (``ACC-...`` -> account); MappingError if none."""
    for length in _PREFIX_LENGTHS:
        label = PREFIX_LABEL.get(entity_id[:length])
        if label is not None:
            return label
    raise MappingError(f"cannot tell the vertex label of id {entity_id!r}")


_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH = _EPOCH_NAIVE.replace(tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def to_epoch_millis(value: Any) -> int:
    """Epoch milliseconds (UTC) of an ISO string, ``datetime`` or a number already in millis:
    how an edge's time field is stored, so time windows compare numbers, not strings.

    Naive timestamps are taken as UTC: the generators produce naive UTC times. (Floor division
    of the ``timedelta``, as the sum of its days, seconds and milliseconds was: exact for dates
    before 1970 too.)
    """
    if isinstance(value, bool):
        raise MappingError(f"not a timestamp: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith("Z") else value
        try:
            value = datetime.fromisoformat(text)
        except ValueError as exc:
            raise MappingError(f"not an ISO timestamp: {value!r}") from exc
    if isinstance(value, datetime):
        # A naive value subtracts the naive epoch: no zone attached per timestamp.
        epoch = _EPOCH_NAIVE if value.tzinfo is None else _EPOCH
        return (value - epoch) // _MILLISECOND
    raise MappingError(f"not a timestamp: {value!r}")
