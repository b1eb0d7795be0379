"""The graph engines the suite measures, by the name the site shows: where each one answers,
which repository settings it gets, and whether this commit's repository can write to it.

``tinkergraph`` is the project's Gremlin Server (``GREMLIN_URL``), the engine of the whole
history; ``janusgraph`` is JanusGraph Server on Cassandra (``JANUSGRAPH_URL``). A benchmark that
takes the engine as a parameter asks :func:`reasons` once in its ``setup_cache`` and skips, in
``setup``, every sample of an engine with a reason: the engine is not up, or this commit's
repository cannot write the engine's edges. The latter is found by trying (a feature check, not
a list of commits): until the repository keyed edges by an ``edge_id`` property, every edge write
to JanusGraph failed with "Edge does not support user supplied identifiers".
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from . import common

ENGINES = ("tinkergraph", "janusgraph")
DEFAULT_JANUSGRAPH_URL = "ws://127.0.0.1:8184/gremlin"
# The server's answer to an edge written with a user id: the repository predates edge_id.
NO_EDGE_IDS = "user supplied identifiers"
PROBE_SEED = 9_191  # its own ids: the probe never touches another benchmark's data


def url(engine: str) -> str:
    """Where ``engine`` is configured to answer (no probe)."""
    if engine == "tinkergraph":
        return common.gremlin_url()
    if engine == "janusgraph":
        return os.environ.get("JANUSGRAPH_URL", DEFAULT_JANUSGRAPH_URL)
    raise ValueError(f"unknown graph engine {engine!r}; expected one of {ENGINES}")


def port(engine: str) -> int:
    """The port of ``engine``'s server, whose JVM ``track_server_cpu_seconds`` reads (for
    JanusGraph its own JVM: Cassandra's CPU time is not counted)."""
    return urlparse(url(engine)).port or (8182 if engine == "tinkergraph" else 8184)


def require(engine: str) -> str:
    """``engine``'s URL if its server accepts a connection within about 2 s, else skip."""
    if engine == "tinkergraph":
        return common.require_gremlin()
    where = url(engine)
    parsed = urlparse(where)
    common._probe(
        parsed.hostname or "127.0.0.1", port(engine), "JanusGraph", "JANUSGRAPH_URL", where
    )
    return where


def repository(engine: str, where: str) -> Any:
    """A GraphRepository on ``engine``. TinkerGraph keeps the history's two writes in flight
    (``common.graph_repository``); JanusGraph gets one, which is safe whatever its server's
    worker pool: two concurrent merges of one id could both create it."""
    if engine == "tinkergraph":
        return common.graph_repository(where)
    return common.need("banking_repository", "GraphRepository")(where)


def _probe_batch() -> Any:
    """Two accounts of a tiny seeded bank and a transfer between them (plus their owners)."""
    from .graph_load import build_batch  # graph_load imports this module

    return build_batch(persons=2, transfers=1, seed=PROBE_SEED)


def check_writes(engine: str, where: str) -> None:
    """Skip unless this commit's repository writes vertices and edges to ``engine``: a tiny
    batch is written and deleted again. Any other error fails, as it should."""
    if engine == "tinkergraph":
        return
    batch = _probe_batch()
    repo = repository(engine, where)
    try:
        repo.write(batch)
    except Exception as exc:
        if NO_EDGE_IDS not in str(exc).lower():
            raise
        raise common.Skip(
            f"this commit's GraphRepository cannot write edges to {engine} (edges keyed by "
            f"T.id, not an edge_id property): {str(exc).splitlines()[0][:200]}"
        ) from None
    finally:
        for label, rows in batch.vertices.items():
            repo.delete_vertices(label, [row["entity_id"] for row in rows])
        repo.close()


def reasons(prepare: Callable[[str, str], Any] | None = None) -> dict[str, Any]:
    """For every engine: ``prepare(engine, url)``'s answer (True without ``prepare``) once the
    engine is up and this commit's repository writes to it, else the reason it skips (a str).

    Called in ``setup_cache``; ``setup`` then passes its engine's entry to :func:`pick`.
    """
    out: dict[str, Any] = {}
    for engine in ENGINES:
        try:
            where = require(engine)
            check_writes(engine, where)
            out[engine] = prepare(engine, where) if prepare else True
        except NotImplementedError as exc:
            out[engine] = str(exc) or f"{engine} is not available"
    return out


def pick(per_engine: dict[str, Any], engine: str) -> Any:
    """``engine``'s entry of :func:`reasons`, or skip with its reason."""
    value = per_engine[engine]
    if isinstance(value, str):
        raise common.Skip(value)
    return value
