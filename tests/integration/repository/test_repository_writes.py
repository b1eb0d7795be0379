"""Upserts against each real graph engine: idempotence, out-of-order edges, data safety.

Only properties and labels the domain declares are written (JanusGraph's schema is declared
up front and refuses others)."""

from __future__ import annotations

import pytest

from banking.graph.mapping import to_graph_batch
from banking_repository import GraphRepository, GraphUnavailable

pytestmark = pytest.mark.integration

HOSTILE = [
    "g.V().drop()",
    "'); System.exit(0);//",
    'he said "hi"',
    "back\\slash",
    "Zoë Ångström 李小龍 🏦",
    "${1+1} #{x} %s {}",
    "",
]


def _transfer(i, src, dst, **extra):
    row = {
        "txn_id": f"TXN-{i}",
        "from_account": src,
        "to_account": dst,
        "amount": 100.0 + i,
        "currency": "EUR",
        "timestamp": f"2024-01-0{i % 9 + 1}T10:00:00",
        "channel": "wire",
    }
    row.update(extra)
    return row


def test_vertex_upserts_are_idempotent_and_update_in_place(repo: GraphRepository):
    rows = [{"entity_id": f"PER-{i}", "first_name": f"n{i}"} for i in range(1200)]
    assert repo.upsert_vertices("person", rows, batch_size=500) == 1200
    assert repo.upsert_vertices("person", rows, batch_size=500) == 1200
    assert repo.count_vertices("person") == 1200
    repo.upsert_vertices(
        "person", [{"entity_id": "PER-7", "first_name": "seven", "risk_score": 0.4}]
    )
    assert repo.count_vertices() == 1200
    assert repo.get_vertex("PER-7") == {
        "label": "person",
        "entity_id": "PER-7",
        "first_name": "seven",
        "risk_score": 0.4,
    }


def test_updates_rewrite_properties_of_every_type_on_vertices_and_edges(repo: GraphRepository):
    # onMatch takes its map from the create map on the server: every type must come through
    # (str, float, bool on a vertex; str, int, long on an edge, each a domain property).
    first = {"first_name": "a", "risk_score": 0.5, "is_pep": False}
    second = {"first_name": "b", "risk_score": 1.5, "is_pep": True}
    repo.upsert_vertices("person", [{"entity_id": "PER-U", **first}])
    repo.upsert_vertices("person", [{"entity_id": "PER-U", **second}])
    assert repo.get_vertex("PER-U") == {"label": "person", "entity_id": "PER-U", **second}
    repo.upsert_vertices("person", [{"entity_id": "PER-A"}, {"entity_id": "PER-B"}])
    edge = {"edge_id": "COM-U", "from_id": "PER-A", "to_id": "PER-B"}
    first = {"channel": "sms", "duration_seconds": 1, "timestamp": 1_704_362_400_000}
    second = {"channel": "chat", "duration_seconds": 0, "timestamp": 1_704_362_400_001}
    repo.upsert_edges("communicated", [{**edge, **first}])
    # An update names other endpoints: the edge keeps its own and takes the properties.
    repo.upsert_edges("communicated", [{**edge, **second, "from_id": "PER-B", "to_id": "PER-A"}])
    assert repo.get_edge("COM-U") == {"label": "communicated", **edge, **second}
    assert repo.count_edges("communicated") == 1


def test_batches_send_one_request_per_batch(repo: GraphRepository):
    rows = [{"entity_id": f"ACC-{i}"} for i in range(1000)]
    before = repo.request_count
    repo.upsert_vertices("account", rows, batch_size=250)
    assert repo.request_count - before == 4
    before = repo.request_count
    repo.upsert_vertices("account", rows[:10], batch_size=1)
    assert repo.request_count - before == 10


def test_edges_before_vertices_create_bare_endpoints_then_fill_them(repo: GraphRepository):
    batch = to_graph_batch("transactions", [_transfer(1, "ACC-1", "ACC-2")])
    repo.write(batch)
    assert repo.counts() == {"vertices": {"account": 2}, "edges": {"transfer": 1}}
    assert repo.get_vertex("ACC-1") == {"label": "account", "entity_id": "ACC-1"}
    repo.upsert_vertices("account", [{"entity_id": "ACC-1", "iban": "DE89"}])
    assert repo.get_vertex("ACC-1", "account")["iban"] == "DE89"
    assert repo.count_vertices() == 2
    repo.write(batch)  # replay
    assert repo.count_edges("transfer") == 1


def test_edge_properties_round_trip(repo: GraphRepository):
    row = _transfer(3, "ACC-1", "ACC-2", pattern_id="PAT-9", is_cross_border=True)
    repo.write(to_graph_batch("transactions", [row]))
    edge = repo.get_edge("TXN-3")
    assert edge == {
        "label": "transfer",
        "edge_id": "TXN-3",
        "from_id": "ACC-1",
        "to_id": "ACC-2",
        "amount": 103.0,
        "currency": "EUR",
        "timestamp": 1704362400000,
        "channel": "wire",
        "pattern_id": "PAT-9",
        "is_cross_border": True,
    }
    assert repo.get_edge("TXN-404") is None
    assert repo.get_vertex("ACC-404") is None


def test_hostile_values_are_stored_as_data(repo: GraphRepository):
    rows = [{"entity_id": f"PER-{i}", "address": text} for i, text in enumerate(HOSTILE)]
    rows.append({"entity_id": "'); g.V().drop();//", "address": "id too"})
    repo.upsert_vertices("person", rows)
    assert repo.count_vertices("person") == len(rows)
    for row in rows:
        assert repo.get_vertex(row["entity_id"])["address"] == row["address"]
    edge = {"edge_id": "g.E().drop()", "from_id": "PER-0", "to_id": "PER-1", "channel": HOSTILE[1]}
    repo.upsert_edges("communicated", [edge])
    assert repo.get_edge("g.E().drop()")["channel"] == HOSTILE[1]
    assert repo.count_vertices() == len(rows)


def test_deletes_remove_only_the_named_elements(repo: GraphRepository):
    txns = [_transfer(i, f"ACC-{i}", f"ACC-{i + 1}") for i in range(5)]
    repo.write(to_graph_batch("transactions", txns))
    assert repo.delete_edges("transfer", ["TXN-0", "TXN-1", "TXN-404"]) == 2
    assert repo.count_edges() == 3
    # Dropping a vertex drops its edges.
    assert repo.delete_vertices("account", ["ACC-3"]) == 1
    assert repo.count_vertices() == 5 and repo.count_edges() == 1


def test_cache_serves_repeats_and_writes_invalidate_it(graph_url, repo):
    repo.upsert_vertices("person", [{"entity_id": "PER-1", "first_name": "one"}])
    with GraphRepository(graph_url, cache_size=16) as cached:
        assert cached.get_vertex("PER-1")["first_name"] == "one"
        sent = cached.request_count
        assert cached.get_vertex("PER-1")["first_name"] == "one"
        assert cached.request_count == sent and cached.cache.hits == 1
        cached.upsert_vertices("person", [{"entity_id": "PER-1", "first_name": "two"}])
        assert cached.get_vertex("PER-1")["first_name"] == "two"


def test_drop_all_empties_the_graph(repo: GraphRepository):
    repo.write(to_graph_batch("transactions", [_transfer(i, "ACC-1", "ACC-2") for i in range(3)]))
    repo.drop_all()
    assert repo.count_vertices() == 0 and repo.count_edges() == 0


def test_a_server_without_the_graph_raises_graph_unavailable_with_its_message(graph_url):
    # What a JanusGraph whose graph failed to open answers to every request (it listens
    # anyway): 499 "traversal source [g] ... not configured". An alias the server lacks draws
    # the same answer from a healthy server.
    with GraphRepository(graph_url, traversal_source="no_such_graph", timeout_s=10) as repo:
        with pytest.raises(GraphUnavailable, match=r"no_such_graph\].*not configured"):
            repo.count_vertices()
        assert repo.health() is False
