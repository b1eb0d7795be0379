"""The write half of ``GraphRepository``: idempotent batched merges, deletes and the reset.

Writes are merges keyed on the natural keys: ``entity_id`` (vertices, also their element id) and
the ``edge_id`` property (edges; the traversals are built in ``upserts.py``). Every write clears
the point-read cache. ``GraphWrites`` also holds the bytecode path (``_run``/``_one``) that the
reads share; ``GraphRepository`` builds the connection, the traversal source and the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from gremlin_python.process.graph_traversal import GraphTraversal, GraphTraversalSource, __
from gremlin_python.process.traversal import P

from banking_repository import upserts
from banking_repository.cache import LRUCache
from banking_repository.connection import GremlinConnection, quiet_server_errors
from banking_repository.errors import GraphQueryError

DEFAULT_BATCH_SIZE = 500


class GraphBatchLike(Protocol):
    """What ``write`` needs: rows grouped by label (``banking.graph.mapping.GraphBatch``)."""

    vertices: Mapping[str, Sequence[Mapping[str, Any]]]
    edges: Mapping[str, Sequence[Mapping[str, Any]]]


def count_answer(results: list[Any]) -> int:
    """The number a ``count()``-terminated traversal answered."""
    return int(results[0]) if results else 0


class GraphWrites:
    """Batched upserts and deletes over the connection, the traversal source and the cache that
    ``GraphRepository`` sets up."""

    _conn: GremlinConnection
    _g: GraphTraversalSource
    cache: LRUCache

    def _run(self, traversal: GraphTraversal, *, retries: int | None = None) -> list[Any]:
        return self._conn.submit(traversal.bytecode, retries=retries)

    def _one(self, traversal: GraphTraversal) -> Any:
        """The single result of a ``fold()``-terminated or aggregate traversal."""
        results = self._run(traversal)
        return results[0] if results else None

    # ------------------------------------------------------------------ writes

    def write(self, batch: GraphBatchLike, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
        """Upsert a whole batch, vertices before edges; returns the number of elements merged."""
        written = 0
        for label, rows in batch.vertices.items():
            written += self.upsert_vertices(label, rows, batch_size)
        for label, rows in batch.edges.items():
            written += self.upsert_edges(label, rows, batch_size)
        return written

    def upsert_vertices(
        self, label: str, rows: Sequence[Mapping[str, Any]], batch_size: int = DEFAULT_BATCH_SIZE
    ) -> int:
        """Create or update vertices keyed by ``entity_id`` (their element id), ``batch_size``
        rows per request. ``batch_size=1`` is the one-request-per-element path, kept for
        comparison."""
        distinct = upserts.vertex_rows(label, rows).check()
        self.cache.clear()
        # Each chunk is encoded only when its request is next: while the server runs the one
        # before (see GremlinConnection.submit_each).
        requests = (
            upserts.upsert_vertices(self._g, upserts.vertex_rows(label, chunk)).bytecode
            for chunk in upserts.chunks(rows, batch_size)
        )
        answers = self._conn.submit_each(requests, ordered=not distinct)
        return sum(count_answer(results) for results in answers)

    def upsert_edges(
        self, label: str, rows: Sequence[Mapping[str, Any]], batch_size: int = DEFAULT_BATCH_SIZE
    ) -> int:
        """Create or update edges keyed by their ``edge_id`` property (unique across labels);
        a missing endpoint becomes a bare vertex. An existing edge keeps its endpoints."""
        distinct = upserts.edge_rows(label, rows).check()
        chunks = list(upserts.chunks(rows, batch_size))
        self.cache.clear()
        written = done = 0
        while done < len(chunks):
            requests = (
                upserts.upsert_edges(self._g, upserts.edge_rows(label, c)).bytecode
                for c in chunks[done:]
            )
            try:
                with quiet_server_errors():
                    for results in self._conn.submit_each(requests, ordered=not distinct):
                        written += count_answer(results)
                        done += 1
            except GraphQueryError:
                # Most likely an endpoint that does not exist yet (the fast path resolves
                # endpoints by id and cannot create them): create the missing ones bare and
                # replay the chunk, which is safe because upserts are idempotent. Any other
                # error fails again and propagates.
                chunk_rows = chunks[done]
                endpoints = upserts.endpoint_items(chunk_rows)
                self._run(upserts.create_vertices(self._g, endpoints))
                chunk = upserts.edge_rows(label, chunk_rows)
                written += count_answer(self._run(upserts.upsert_edges(self._g, chunk)))
                done += 1
        return written

    def upsert_vertex(self, label: str, row: Mapping[str, Any]) -> int:
        return self.upsert_vertices(label, [row], batch_size=1)

    def upsert_edge(self, label: str, row: Mapping[str, Any]) -> int:
        return self.upsert_edges(label, [row], batch_size=1)

    def delete_vertices(
        self, label: str, ids: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE
    ) -> int:
        """Drop vertices (and their edges) by ``entity_id``; returns how many existed."""
        deleted = 0
        for chunk in upserts.chunks(list(ids), batch_size):
            self.cache.clear()
            t = self._g.V(*chunk).has_label(label)
            deleted += count_answer(self._run(t.side_effect(__.drop()).count()))
        return deleted

    def delete_edges(
        self, label: str, ids: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE
    ) -> int:
        """Drop edges by ``edge_id``; returns how many existed."""
        deleted = 0
        for chunk in upserts.chunks(list(ids), batch_size):
            self.cache.clear()
            t = self._g.E().has(label, upserts.EDGE_KEY, P.within(list(chunk)))
            deleted += count_answer(self._run(t.side_effect(__.drop()).count()))
        return deleted

    def drop_all(self, chunk: int = 2_000) -> None:
        """Remove every vertex and edge (tests and ``banking load --drop``).

        Every step after one listing of the vertex ids is addressed by id, ``chunk`` vertices
        per request (no request outlives the read timeout on a large graph), because a scan per
        step is what makes a reset slow on either engine. JanusGraph has no index for "has key",
        so ``E().has(edge_id).limit(n)`` rescans every edge (and the tombstones of those
        already dropped) for each chunk: 356 s to reset the scale-0.01 bank on one Cassandra
        node. TinkerGraph removes a dropped element from a key index by scanning the whole index
        table, so the indexed properties are emptied first, everywhere, which keeps each of
        those scans to empty buckets. Edges go before their vertices: TinkerGraph can fail
        dropping a vertex that has a self-loop."""
        self.cache.clear()
        g = self._g
        ids = self._run(g.V().id_())
        parts = list(upserts.chunks(ids, chunk))
        for part in parts:
            self._run(g.V(*part).both_e().dedup().properties(upserts.EDGE_KEY).drop())
            self._run(g.V(*part).properties(upserts.VERTEX_KEY).drop())
        for part in parts:
            self._run(g.V(*part).both_e().dedup().drop())
            self._run(g.V(*part).drop())
        # Whatever a concurrent writer added meanwhile (a check only, on a graph now empty).
        self._drop_in_chunks(lambda: g.E())
        self._drop_in_chunks(lambda: g.V())

    def _drop_in_chunks(self, select: Callable[[], GraphTraversal], chunk: int = 5_000) -> None:
        """Drop the selected elements, ``chunk`` per request, until none is left."""
        while self._one(select().limit(1).count()):
            self._run(select().limit(chunk).drop())
