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

    def drop_all(self) -> None:
        """Remove every vertex and edge (tests and ``banking load --drop``); slow on large
        TinkerGraphs, see below."""
        self.cache.clear()
        # TinkerGraph removes a dropped element from a key index by scanning the whole index
        # table, so dropping N elements costs O(N x index capacity): expect seconds for tens of
        # thousands of elements (a fresh server is the fast reset). Emptying the indexed
        # properties first keeps each scan to empty buckets. Edges go first: TinkerGraph can
        # fail dropping a vertex that has a self-loop. Each step goes in chunks, so no single
        # request outlives the read timeout on a large graph.
        g = self._g
        self._drop_in_chunks(lambda: g.E().has(upserts.EDGE_KEY), upserts.EDGE_KEY)
        self._drop_in_chunks(lambda: g.E())
        self._drop_in_chunks(lambda: g.V().has(upserts.VERTEX_KEY), upserts.VERTEX_KEY)
        self._drop_in_chunks(lambda: g.V())

    def _drop_in_chunks(
        self, select: Callable[[], GraphTraversal], key: str | None = None, chunk: int = 5_000
    ) -> None:
        """Drop the selected elements (or only their ``key`` property), ``chunk`` per request."""
        while self._one(select().limit(1).count()):
            selected = select().limit(chunk)
            self._run((selected.properties(key) if key else selected).drop())
