"""Dataset records -> graph elements (the schema in ARCHITECTURE.md, one place).

Input rows are JSON-native dicts as ``model.model_dump(mode="json")`` produces them (the dataset
files, Kafka events); the output is a :class:`GraphBatch` the repository writes in one go.
Vertices carry ``entity_id`` (the natural key the server indexes), edges carry ``edge_id`` plus
``from_id``/``to_id`` and the endpoint labels, so a writer can create a missing endpoint as a
bare vertex when events arrive out of order. Timestamps become epoch milliseconds (a long) so
time-window filters compare numbers, not strings; ``None`` values are dropped because Gremlin has
no null properties.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from banking.errors import UsageError

PERSON = "person"
COMPANY = "company"
ACCOUNT = "account"
TRANSFER = "transfer"
OWNS = "owns"
OWNS_SHARE = "owns_share"
COMMUNICATED = "communicated"

VERTEX_LABELS = (PERSON, COMPANY, ACCOUNT)
EDGE_LABELS = (TRANSFER, OWNS, OWNS_SHARE, COMMUNICATED)

# Dataset entity names in the order a loader should write them (vertices before edges).
ENTITIES = ("persons", "companies", "accounts", "ownership_links", "transactions", "communications")

# Keys of an edge row that describe the edge rather than being stored as its properties.
EDGE_KEYS = frozenset({"edge_id", "from_id", "to_id", "from_label", "to_label"})

# Id prefix -> vertex label, for rows that name an endpoint without its label.
_PREFIX_LABEL = {"PER-": PERSON, "COM-": COMPANY, "ACC-": ACCOUNT}


class MappingError(UsageError):
    """A dataset record that cannot become a graph element (missing id, unknown entity)."""


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


_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH = _EPOCH_NAIVE.replace(tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def to_epoch_millis(value: Any) -> int:
    """Epoch milliseconds (UTC) of an ISO string, ``datetime`` or a number already in millis.

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


def label_of(entity_id: str) -> str:
    """Vertex label implied by an id prefix (``ACC-`` -> account)."""
    label = _PREFIX_LABEL.get(entity_id[:4])
    if label is None:
        raise MappingError(f"cannot tell the vertex label of id {entity_id!r}")
    return label


def _props(record: Mapping[str, Any], skip: frozenset[str]) -> dict[str, Any]:
    """The record's values Gremlin stores as they are (dates as ISO text), less ``skip`` and
    ``None``s."""
    return {
        k: v.isoformat() if isinstance(v, date) else v  # datetime is a date
        for k, v in record.items()
        if v is not None and k not in skip
    }


# Record keys that become ids, endpoints or converted values rather than plain properties.
_TRANSACTION_KEYS = frozenset(("txn_id", "from_account", "to_account", "timestamp"))
_COMMUNICATION_KEYS = frozenset(("comm_id", "from_person", "to_person", "timestamp"))
_OWNERSHIP_KEYS = frozenset(("link_id", "owner_id", "owner_type", "company_id"))
_ID_KEYS = {key: frozenset((key,)) for key in ("person_id", "company_id", "account_id")}


def _require(record: Mapping[str, Any], key: str, entity: str) -> Any:
    value = record.get(key)
    if value is None or value == "":
        raise MappingError(f"{entity} record without {key!r}: {dict(record)!r:.200}")
    return value


def _vertex(record: Mapping[str, Any], id_key: str, entity: str) -> dict[str, Any]:
    row = _props(record, _ID_KEYS[id_key])
    row["entity_id"] = _require(record, id_key, entity)
    return row


def _persons(batch: GraphBatch, records: Sequence[Mapping[str, Any]]) -> None:
    for record in records:
        batch.add_vertex(PERSON, _vertex(record, "person_id", "persons"))


def _companies(batch: GraphBatch, records: Sequence[Mapping[str, Any]]) -> None:
    for record in records:
        batch.add_vertex(COMPANY, _vertex(record, "company_id", "companies"))


def _accounts(batch: GraphBatch, records: Sequence[Mapping[str, Any]]) -> None:
    """An account vertex plus its ``owns`` edge from the owner (one owner per account)."""
    for record in records:
        row = _vertex(record, "account_id", "accounts")
        batch.add_vertex(ACCOUNT, row)
        owner = _require(record, "owner_id", "accounts")
        batch.add_edge(
            OWNS,
            {
                "edge_id": f"owns:{row['entity_id']}",
                "from_id": owner,
                "to_id": row["entity_id"],
                "from_label": record.get("owner_type") or label_of(owner),
                "to_label": ACCOUNT,
            },
        )


def _transactions(batch: GraphBatch, records: Sequence[Mapping[str, Any]]) -> None:
    for record in records:
        row = _props(record, _TRANSACTION_KEYS)
        row["edge_id"] = _require(record, "txn_id", "transactions")
        row["from_id"] = _require(record, "from_account", "transactions")
        row["to_id"] = _require(record, "to_account", "transactions")
        row["from_label"] = row["to_label"] = ACCOUNT
        row["timestamp"] = to_epoch_millis(_require(record, "timestamp", "transactions"))
        batch.add_edge(TRANSFER, row)


def _communications(batch: GraphBatch, records: Sequence[Mapping[str, Any]]) -> None:
    for record in records:
        row = _props(record, _COMMUNICATION_KEYS)
        row["edge_id"] = _require(record, "comm_id", "communications")
        row["from_id"] = _require(record, "from_person", "communications")
        row["to_id"] = _require(record, "to_person", "communications")
        row["from_label"] = row["to_label"] = PERSON
        row["timestamp"] = to_epoch_millis(_require(record, "timestamp", "communications"))
        batch.add_edge(COMMUNICATED, row)


def _ownership_links(batch: GraphBatch, records: Sequence[Mapping[str, Any]]) -> None:
    for record in records:
        row = _props(record, _OWNERSHIP_KEYS)
        row["edge_id"] = _require(record, "link_id", "ownership_links")
        owner = _require(record, "owner_id", "ownership_links")
        row["from_id"] = owner
        row["from_label"] = record.get("owner_type") or label_of(owner)
        row["to_id"] = _require(record, "company_id", "ownership_links")
        row["to_label"] = COMPANY
        batch.add_edge(OWNS_SHARE, row)


_CONVERTERS = {
    "persons": _persons,
    "companies": _companies,
    "accounts": _accounts,
    "transactions": _transactions,
    "communications": _communications,
    "ownership_links": _ownership_links,
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
