"""Two requests of a batched write in flight (``in_flight=2``, opted into on the session's own
server, which runs one traversal at a time), against the real Gremlin Server: writes that repeat
a key still apply in the order given, writes of distinct elements are pipelined, a failed request
leaves the connections usable, and a bad row stops a write before its first request."""

from __future__ import annotations

import pytest
from gremlin_python.process.anonymous_traversal import traversal
from gremlin_python.structure.graph import Graph

from banking_repository import GraphRepository
from banking_repository.connection import GremlinConnection
from banking_repository.errors import GraphQueryError
from banking_repository.upserts import RowError

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("batch_size", [1, 2, 7])
def test_writes_that_repeat_a_key_apply_in_the_order_given(
    pipelined_repo: GraphRepository, batch_size: int
) -> None:
    repo = pipelined_repo
    # Every request rewrites the same vertex. Requests in flight together travel on different
    # connections and may run in either order, so such a write goes one request at a time.
    rows = [{"entity_id": "PER-1", "n": i} for i in range(60)]
    for _ in range(5):
        assert repo.upsert_vertices("person", rows, batch_size=batch_size) == 60
        assert repo.get_vertex("PER-1")["n"] == 59
    edges = [{"edge_id": "E-1", "from_id": "PER-1", "to_id": "PER-1", "n": i} for i in range(30)]
    assert repo.upsert_edges("knows", edges, batch_size=batch_size) == 30
    assert repo.get_edge("E-1")["n"] == 29
    assert repo.counts()["vertices"]["person"] == 1
    # Nothing of it went out on the second connection.
    assert repo._conn._clients[1] is None


def test_writes_of_distinct_elements_are_pipelined_and_all_land(
    pipelined_repo: GraphRepository,
) -> None:
    repo = pipelined_repo
    rows = [{"entity_id": f"PER-{i}", "n": i} for i in range(700)]
    assert repo.upsert_vertices("person", rows, batch_size=50) == 700
    assert repo._conn._clients[1] is not None  # the second slot carried requests
    assert repo.counts()["vertices"]["person"] == 700
    assert [repo.get_vertex(f"PER-{i}")["n"] for i in (0, 349, 699)] == [0, 349, 699]


def test_a_rejected_request_in_flight_raises_and_leaves_the_connection_usable(
    gremlin_url: str,
) -> None:
    g = traversal().with_graph(Graph())
    conn = GremlinConnection(gremlin_url, in_flight=2)
    try:
        requests = [g.inject(1), g.inject(2).fail("rejected on purpose"), g.inject(3), g.inject(4)]
        answers = conn.submit_each(t.bytecode for t in requests)
        assert next(answers) == [1]
        with pytest.raises(GraphQueryError, match="rejected on purpose"):
            next(answers)
        # The request sent behind the rejected one was waited for: both connections are free.
        assert conn.submit(g.inject(5).bytecode) == [5]
        assert list(conn.submit_each(g.inject(i).bytecode for i in range(6, 12))) == [
            [i] for i in range(6, 12)
        ]
    finally:
        conn.close()


def test_one_request_in_flight_gives_the_same_answers(gremlin_url: str) -> None:
    g = traversal().with_graph(Graph())
    conn = GremlinConnection(gremlin_url, in_flight=1)
    try:
        assert list(conn.submit_each(g.inject(i).bytecode for i in range(5))) == [
            [i] for i in range(5)
        ]
        assert conn.request_count == 5
    finally:
        conn.close()


def test_a_row_without_its_key_writes_nothing(repo: GraphRepository) -> None:
    # Request items are built one chunk at a time, but every row is checked first.
    rows = [{"entity_id": f"PER-{i}", "n": i} for i in range(1200)] + [{"n": -1}]
    with pytest.raises(RowError, match="entity_id"):
        repo.upsert_vertices("person", rows, batch_size=100)
    edges = [{"edge_id": f"E-{i}", "from_id": "PER-1", "to_id": "PER-2"} for i in range(300)]
    with pytest.raises(RowError, match="to_id"):
        repo.upsert_edges("knows", [*edges, {"edge_id": "E-x", "from_id": "PER-1"}], 50)
    assert repo.counts()["vertices"].get("person", 0) == 0
    assert sum(repo.counts()["edges"].values()) == 0
