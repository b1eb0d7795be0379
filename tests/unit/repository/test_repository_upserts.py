import pytest
from banking_repository import upserts
from gremlin_python.process.anonymous_traversal import traversal
from gremlin_python.process.traversal import Direction, Merge, T
from gremlin_python.statics import long
from gremlin_python.structure.graph import Graph


def test_vertex_items_split_key_and_properties_and_drop_nones():
    (item,) = upserts.vertex_items("person", [{"entity_id": "PER-1", "name": "x", "nick": None}])
    assert item == {"m": {T.label: "person", "entity_id": "PER-1"}, "p": {"name": "x"}}


def test_edge_items_name_both_endpoints_and_defer_them_to_merge_options():
    row = {"edge_id": "TXN-1", "from_id": "ACC-1", "to_id": "ACC-2", "amount": 5.0}
    (item,) = upserts.edge_items("transfer", [row])
    assert item["o"] == {T.label: "account", "entity_id": "ACC-1"}
    assert item["i"] == {T.label: "account", "entity_id": "ACC-2"}
    assert item["m"] == {
        T.label: "transfer",
        "edge_id": "TXN-1",
        Direction.OUT: Merge.out_v,
        Direction.IN: Merge.in_v,
    }
    assert item["p"] == {"amount": 5.0}


def test_explicit_endpoint_labels_win_over_prefixes():
    row = {"edge_id": "E", "from_id": "X1", "to_id": "X2", "from_label": "a", "to_label": "b"}
    (item,) = upserts.edge_items("rel", [row])
    assert item["o"][T.label] == "a" and item["i"][T.label] == "b"


def test_rows_without_keys_are_rejected():
    with pytest.raises(upserts.RowError):
        upserts.vertex_items("person", [{"name": "x"}])
    with pytest.raises(upserts.RowError):
        upserts.edge_items("transfer", [{"edge_id": "E", "from_id": "ACC-1"}])
    with pytest.raises(upserts.RowError, match="from_label"):
        upserts.edge_items("x", [{"edge_id": "E", "from_id": "Z-1", "to_id": "ACC-1"}])


def test_large_ints_travel_as_longs():
    (item,) = upserts.vertex_items("a", [{"entity_id": "A", "ts": 1704067200000, "n": 3}])
    assert type(item["p"]["ts"]) is long
    assert type(item["p"]["n"]) is int


def test_chunks_cover_every_row_once():
    rows = list(range(1001))
    parts = list(upserts.chunks(rows, 500))
    assert [len(p) for p in parts] == [500, 500, 1]
    assert [x for p in parts for x in p] == rows
    with pytest.raises(ValueError):
        list(upserts.chunks(rows, 0))


def test_upserts_are_single_bytecode_traversals_with_injected_data():
    g = traversal().with_graph(Graph())
    items = upserts.vertex_items("person", [{"entity_id": "PER-1"}, {"entity_id": "PER-2"}])
    steps = [i[0] for i in upserts.upsert_vertices(g, items).bytecode.step_instructions]
    assert steps[:3] == ["inject", "unfold", "mergeV"]
    edges = upserts.edge_items("transfer", [{"edge_id": "T", "from_id": "ACC-1", "to_id": "ACC-2"}])
    steps = [i[0] for i in upserts.upsert_edges(g, edges).bytecode.step_instructions]
    assert steps.count("mergeV") == 2 and steps.count("mergeE") == 1
