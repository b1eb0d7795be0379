"""The labels the queries walk and the steps every query starts from.

A vertex's natural key is its element id (``T.id`` = ``entity_id``), so traversals start from
``V(id)``: an id lookup, no index and no property read. An edge's is its ``edge_id`` property
(JanusGraph assigns edge ids itself), read wherever a result names a transfer or a link.
Shared by the point reads (``lookups.py``) and the AML patterns (``queries.py``).
"""

from __future__ import annotations

from gremlin_python.process.graph_traversal import GraphTraversal
from gremlin_python.process.graph_traversal import GraphTraversalSource as Source
from gremlin_python.process.traversal import P
from gremlin_python.statics import long

from banking.entities import BY_PLURAL

# The labels the queries walk, from the entity table.
PERSON = BY_PLURAL["persons"].vertex
COMPANY = BY_PLURAL["companies"].vertex
ACCOUNT = BY_PLURAL["accounts"].vertex
TRANSFER = BY_PLURAL["transactions"].edge
OWNS_SHARE = BY_PLURAL["ownership_links"].edge
KEY = "entity_id"
EDGE_KEY = "edge_id"


def vertex(g: Source, entity_id: str, label: str | None = None) -> GraphTraversal:
    """A vertex by its natural key, which is its element id: an id lookup, no index."""
    return g.V(entity_id).has_label(label) if label else g.V(entity_id)


def in_window(t: GraphTraversal, t0: int | None, t1: int | None) -> GraphTraversal:
    """Restrict edges to ``t0 <= timestamp <= t1`` (either end open when None)."""
    if t0 is not None and t1 is not None:
        return t.has("timestamp", P.between(long(t0), long(t1 + 1)))
    if t0 is not None:
        return t.has("timestamp", P.gte(long(t0)))
    if t1 is not None:
        return t.has("timestamp", P.lte(long(t1)))
    return t
