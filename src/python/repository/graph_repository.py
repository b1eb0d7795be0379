"""GraphRepository: the bank's graph on a Gremlin Server, written in batches and queried for AML.

Everything goes to the server as gremlinpython bytecode whose values are typed arguments, never
as a Gremlin script string, so data that looks like Gremlin (``g.V().drop()``) stays data. One
connection is reused for the repository's lifetime (see ``connection.py`` for the timeouts,
retries and the ``GraphUnavailable`` contract). Writes are idempotent batched merges keyed on the
natural keys ``entity_id`` (vertices, also their element id, so a vertex lookup is an id lookup)
and ``edge_id`` (an indexed edge property: JanusGraph refuses user edge ids). The same code runs
on TinkerGraph and JanusGraph. The write path is ``graph_writes.GraphWrites``, which
this class extends with the lifecycle, counts, point reads and AML queries.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from gremlin_python.process.anonymous_traversal import traversal
from gremlin_python.process.graph_traversal import __
from gremlin_python.structure.graph import Graph

from banking.entities import to_epoch_millis
from banking_repository import queries
from banking_repository.cache import LRUCache
from banking_repository.connection import GremlinConnection
from banking_repository.errors import GraphQueryError, GraphUnavailable

# The write path moved to graph_writes.py; its batch size and batch protocol stay importable
# from here (the asv suite reads DEFAULT_BATCH_SIZE from this module, at older commits too).
from banking_repository.graph_writes import DEFAULT_BATCH_SIZE as DEFAULT_BATCH_SIZE
from banking_repository.graph_writes import GraphBatchLike as GraphBatchLike
from banking_repository.graph_writes import GraphWrites, count_answer
from banking_repository.queries import BeneficialOwner, Cycle, StructuringCase

DEFAULT_GREMLIN_URL = "ws://127.0.0.1:8182/gremlin"

TimeBound = int | datetime | str | None


def _millis(value: TimeBound) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return to_epoch_millis(value)


class GraphRepository(GraphWrites):
    """Batched upserts, counts, point reads and AML queries over one Gremlin Server.

    ``url`` defaults to ``$GREMLIN_URL``, else the local server. ``cache_size`` > 0 keeps an LRU
    cache of point reads (``get_vertex``/``get_edge``) on this instance; every write clears it.
    ``request_count`` counts requests sent to the server (a deterministic benchmark counter).
    ``in_flight`` is how many requests of a batched write may be on the wire at once (only a
    write whose rows have distinct keys is pipelined; one that repeats a key goes one request
    at a time, in order). The default, 1, is safe on any server. 2 is faster but safe only
    against a server that runs one traversal at a time (``gremlinPool: 1``, as the project's
    own services are configured in ``banking.services.render``): two writers at once corrupt a
    TinkerGraph's edge sets (docs/performance/graph.md, "in flight"), so callers that know the
    server's configuration opt in.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        traversal_source: str = "g",
        timeout_s: float = 30.0,
        connect_timeout_s: float = 2.0,
        retries: int = 3,
        backoff_s: float = 0.1,
        cache_size: int = 0,
        in_flight: int = 1,
    ) -> None:
        self.url = url or os.environ.get("GREMLIN_URL") or DEFAULT_GREMLIN_URL
        self._conn = GremlinConnection(
            self.url,
            traversal_source,
            timeout_s=timeout_s,
            connect_timeout_s=connect_timeout_s,
            retries=retries,
            backoff_s=backoff_s,
            in_flight=in_flight,
        )
        # A remote-less source: traversals are only built here, then sent as bytecode.
        self._g = traversal().with_graph(Graph())
        self.cache = LRUCache(cache_size)

    # ------------------------------------------------------------------ lifecycle

    @property
    def request_count(self) -> int:
        return self._conn.request_count

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> GraphRepository:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def health(self) -> bool:
        """True when the server answers a trivial traversal now (no retries, never raises)."""
        try:
            return self._run(self._g.inject(1), retries=0) == [1]
        except (GraphUnavailable, GraphQueryError):
            return False

    # ------------------------------------------------------------------ counts

    def count_vertices(self, label: str | None = None) -> int:
        t = self._g.V().has_label(label) if label else self._g.V()
        return count_answer(self._run(t.count()))

    def count_edges(self, label: str | None = None) -> int:
        t = self._g.E().has_label(label) if label else self._g.E()
        return count_answer(self._run(t.count()))

    def counts(self) -> dict[str, dict[str, int]]:
        """Element counts per label in two requests: ``{"vertices": {...}, "edges": {...}}``."""
        vertices = self._one(self._g.V().group_count().by(__.label())) or {}
        edges = self._one(self._g.E().group_count().by(__.label())) or {}
        return {
            "vertices": {k: int(v) for k, v in sorted(vertices.items())},
            "edges": {k: int(v) for k, v in sorted(edges.items())},
        }

    # ------------------------------------------------------------------ point reads

    def get_vertex(self, entity_id: str, label: str | None = None) -> dict[str, Any] | None:
        """A vertex as ``{"label", "entity_id", props}`` or None; O(1): an id lookup."""
        return self._point_read(
            ("v", entity_id, label),
            lambda: queries.get_vertex(self._g, entity_id, label),
            queries.vertex_dict,
        )

    def get_edge(self, edge_id: str, label: str | None = None) -> dict[str, Any] | None:
        """An edge as ``{"label", "edge_id", "from_id", "to_id", props}`` or None (an index
        lookup of ``edge_id``)."""
        return self._point_read(
            ("e", edge_id, label),
            lambda: queries.get_edge(self._g, edge_id, label),
            queries.edge_dict,
        )

    def _point_read(
        self,
        key: tuple[str, str, str | None],
        query: Callable[[], Any],
        to_dict: Callable[[Any], dict[str, Any]],
    ) -> dict[str, Any] | None:
        """One element through the instance's cache. Found elements are cached, absences are
        not; callers get a copy they may mutate without touching the cached value."""
        if self.cache.enabled:
            cached = self.cache.get(key, None)
            if cached is not None:
                return dict(cached)
        found = self._one(query()) or []
        result = to_dict(found[0]) if found else None
        if result is None:
            return None
        self.cache.put(key, result)
        return dict(result)

    def list_vertices(self, label: str, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """One page of a label's vertices, ordered by ``entity_id``."""
        if offset < 0 or limit < 1:
            raise ValueError("offset must be >= 0 and limit >= 1")
        rows = self._one(queries.list_vertices(self._g, label, offset, limit)) or []
        return [queries.vertex_dict(r) for r in rows]

    def neighbours(
        self,
        entity_id: str,
        edge_label: str | None = None,
        direction: str = "both",
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Adjacent vertices (deduplicated, by ``entity_id``); [] for an unknown id."""
        t = queries.neighbours(self._g, entity_id, edge_label, direction, limit)
        return [queries.vertex_dict(r) for r in self._one(t) or []]

    def edges(
        self,
        entity_id: str,
        edge_label: str | None = None,
        direction: str = "both",
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Incident edges (by ``edge_id``); [] for an unknown id."""
        t = queries.edges_of(self._g, entity_id, edge_label, direction, limit)
        return [queries.edge_dict(r) for r in self._one(t) or []]

    def account_summary(
        self, account_id: str, t0: TimeBound = None, t1: TimeBound = None
    ) -> dict[str, Any] | None:
        """Counts, amount sums and distinct counterparties of transfers in and out (None if no
        such account). Amounts are summed as stored, across currencies."""
        t = queries.account_summary(self._g, account_id, _millis(t0), _millis(t1))
        found = self._one(t) or []
        if not found:
            return None
        summary = dict(found[0])
        for key in ("in_count", "out_count", "in_counterparties", "out_counterparties"):
            summary[key] = int(summary[key])
        for key in ("in_amount", "out_amount"):
            summary[key] = float(summary[key])
        return summary

    # ------------------------------------------------------------------ AML queries

    def fan_in(
        self,
        min_counterparties: int,
        t0: TimeBound = None,
        t1: TimeBound = None,
        account_ids: Sequence[str] | None = None,
    ) -> dict[str, list[str]]:
        """Accounts receiving from >= ``min_counterparties`` distinct accounts in [t0, t1]:
        ``{account: sorted senders}``."""
        t = queries.fan(
            self._g, "in", _millis(t0), _millis(t1), min_counterparties, _ids(account_ids)
        )
        return queries.shape_fan(self._one(t) or [])

    def fan_out(
        self,
        min_counterparties: int,
        t0: TimeBound = None,
        t1: TimeBound = None,
        account_ids: Sequence[str] | None = None,
    ) -> dict[str, list[str]]:
        """Accounts sending to >= ``min_counterparties`` distinct accounts in [t0, t1]."""
        t = queries.fan(
            self._g, "out", _millis(t0), _millis(t1), min_counterparties, _ids(account_ids)
        )
        return queries.shape_fan(self._one(t) or [])

    def cycles(
        self,
        account_id: str | None = None,
        *,
        start_ids: Sequence[str] | None = None,
        min_length: int = 2,
        max_length: int = 4,
        time_ordered: bool = False,
        t0: TimeBound = None,
        t1: TimeBound = None,
        limit: int | None = 10_000,
    ) -> list[Cycle]:
        """Simple transfer cycles of ``min_length..max_length`` accounts through ``account_id``,
        or through any of ``start_ids``, or (neither given) through any account.

        ``time_ordered`` keeps cycles whose hops have strictly increasing timestamps starting
        from the start account. ``limit`` caps the paths the server returns (None: no cap).
        """
        if min_length < 2 or max_length < min_length:
            raise ValueError("need 2 <= min_length <= max_length")
        starts = [account_id] if account_id is not None else _ids(start_ids)
        if starts is not None and not starts:
            return []
        t = queries.cycles(
            self._g, starts, max_length, time_ordered, _millis(t0), _millis(t1), limit
        )
        return queries.shape_cycles(self._one(t) or [], min_length)

    def ubo(
        self,
        company_id: str,
        threshold_pct: float = 25.0,
        max_depth: int = 10,
        *,
        include_below: bool = False,
    ) -> list[BeneficialOwner]:
        """Ultimate beneficial owners of a company: persons whose effective ownership (product
        of pct along each ownership path, summed over paths) is >= ``threshold_pct``.

        Paths are simple (circular ownership cannot loop) and at most ``max_depth`` links long.
        Each owner carries the chains that make up its share.
        """
        paths = self._one(queries.ownership_paths(self._g, company_id, max_depth)) or []
        return queries.shape_ubo(paths, threshold_pct, include_below)

    def shared_attribute(
        self, attribute: str = "address", label: str = "person", min_size: int = 2
    ) -> dict[Any, list[str]]:
        """Values of ``attribute`` shared by >= ``min_size`` vertices: ``{value: sorted ids}``."""
        t = queries.shared_attribute(self._g, attribute, label, min_size)
        return queries.shape_shared(self._one(t) or [])

    def sharing_with(
        self, entity_id: str, attribute: str = "address", label: str = "person"
    ) -> list[str]:
        """Ids of the other ``label`` vertices with the same ``attribute`` value as this one."""
        return list(self._one(queries.sharing_with(self._g, entity_id, attribute, label)) or [])

    def structuring(
        self,
        threshold: float = 10_000.0,
        min_count: int = 3,
        *,
        window_ms: int | None = None,
        min_amount: float | None = None,
        t0: TimeBound = None,
        t1: TimeBound = None,
        account_ids: Sequence[str] | None = None,
    ) -> list[StructuringCase]:
        """Accounts with >= ``min_count`` incoming transfers below ``threshold`` (and at least
        ``min_amount``) inside a window of ``window_ms`` (the whole [t0, t1] when None)."""
        t = queries.structuring(
            self._g,
            threshold,
            min_count,
            min_amount,
            _millis(t0),
            _millis(t1),
            _ids(account_ids),
        )
        return queries.shape_structuring(self._one(t) or [], min_count, window_ms)


def _ids(ids: Iterable[str] | None) -> list[str] | None:
    return None if ids is None else list(dict.fromkeys(ids))
