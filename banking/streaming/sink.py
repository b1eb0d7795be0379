"""Where the consumer writes: a small interface, and its GraphRepository implementation.

The consumer only needs "apply these upserts and deletes, all or nothing as far as I know";
keeping that behind ``GraphSink`` lets the batching and commit-ordering logic be unit-tested
without a graph, while the real sink is the repository's batched, idempotent upserts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from banking.entities import GRAPH_ENTITIES, LOAD_ORDER

# Dataset entity -> (element kind, label) whose id a delete event removes. Accounts are vertices
# (their ``owns`` edge goes with them); the other relationships are edges keyed by their id.
DELETE_TARGETS: dict[str, tuple[str, str]] = {e.plural: e.delete_target for e in GRAPH_ENTITIES}

# Vertices before the edges that point at them (edges create missing endpoints anyway).
WRITE_ORDER = LOAD_ORDER


class GraphSink(Protocol):
    def apply(
        self,
        upserts: Mapping[str, Sequence[Mapping[str, Any]]],
        deletes: Mapping[str, Sequence[str]],
    ) -> int:
        """Write ``upserts`` (records per entity) then ``deletes`` (ids per entity); return the
        number of events applied. Raise ``ServiceUnavailable`` for a transient failure."""
        ...


class RepositorySink:
    """A ``GraphSink`` over ``banking_repository.GraphRepository`` and the graph mapping."""

    def __init__(self, repository: Any, *, request_batch_size: int | None = None) -> None:
        self.repository = repository
        self.request_batch_size = request_batch_size

    @classmethod
    def connect(
        cls, url: str | None = None, *, in_flight: int = 1, **kwargs: Any
    ) -> RepositorySink:
        """A sink on a new ``GraphRepository``. ``in_flight=2`` pipelines a batch's requests and
        is safe only against a server that runs one traversal at a time (``gremlinPool: 1``,
        as the project's own services are configured); 1, the default, is safe on any."""
        from banking_repository import GraphRepository

        return cls(GraphRepository(url, in_flight=in_flight, **kwargs))

    def apply(
        self,
        upserts: Mapping[str, Sequence[Mapping[str, Any]]],
        deletes: Mapping[str, Sequence[str]],
    ) -> int:
        from banking.graph.mapping import GraphBatch, to_graph_batch

        batch = GraphBatch()
        applied = 0
        for entity in WRITE_ORDER:
            records = upserts.get(entity)
            if records:
                to_graph_batch(entity, records, batch)
                applied += len(records)
        if applied:
            if self.request_batch_size:
                self.repository.write(batch, self.request_batch_size)
            else:
                self.repository.write(batch)
        for entity in reversed(WRITE_ORDER):
            ids = deletes.get(entity)
            if not ids:
                continue
            kind, label = DELETE_TARGETS[entity]
            if kind == "vertex":
                self.repository.delete_vertices(label, list(ids))
            else:
                self.repository.delete_edges(label, list(ids))
            applied += len(ids)
        return applied

    def close(self) -> None:
        self.repository.close()
