import pytest
from gremlin_python.process.anonymous_traversal import traversal
from gremlin_python.statics import long
from gremlin_python.structure.graph import Graph

from banking_repository import upserts
from banking_repository.upserts import FROM, KEY, TO, Shape


def test_vertex_rows_become_flat_items_grouped_by_property_keys():
    rows = [
        {"entity_id": "PER-1", "name": "x", "nick": None},
        {"entity_id": "PER-2", "name": "y"},
        {"entity_id": "PER-3", "name": "z", "age": 3},
    ]
    groups = upserts.vertex_groups("person", rows)
    assert groups == {
        Shape("person", ("name",)): [{KEY: "PER-1", "name": "x"}, {KEY: "PER-2", "name": "y"}],
        Shape("person", ("age", "name")): [{KEY: "PER-3", "name": "z", "age": 3}],
    }


def test_edge_rows_carry_endpoints_and_endpoint_labels_in_the_shape():
    row = {"edge_id": "TXN-1", "from_id": "ACC-1", "to_id": "ACC-2", "amount": 5.0}
    ((shape, items),) = upserts.edge_groups("transfer", [row]).items()
    assert shape == Shape("transfer", ("amount",), "account", "account")
    assert items == [{KEY: "TXN-1", FROM: "ACC-1", TO: "ACC-2", "amount": 5.0}]


def test_explicit_endpoint_labels_win_over_prefixes():
    row = {"edge_id": "E", "from_id": "X1", "to_id": "X2", "from_label": "a", "to_label": "b"}
    ((shape, _),) = upserts.edge_groups("rel", [row]).items()
    assert (shape.from_label, shape.to_label) == ("a", "b")


def test_rows_without_keys_are_rejected():
    with pytest.raises(upserts.RowError):
        upserts.vertex_groups("person", [{"name": "x"}])
    with pytest.raises(upserts.RowError):
        upserts.edge_groups("transfer", [{"edge_id": "E", "from_id": "ACC-1"}])
    with pytest.raises(upserts.RowError, match="from_label"):
        upserts.edge_groups("x", [{"edge_id": "E", "from_id": "Z-1", "to_id": "ACC-1"}])


def test_large_ints_travel_as_longs():
    groups = upserts.vertex_groups("a", [{"entity_id": "A", "ts": 1704067200000, "n": 3}])
    ((item,),) = groups.values()
    assert type(item["ts"]) is long
    assert type(item["n"]) is int


def test_chunks_cover_every_row_once():
    rows = list(range(1001))
    parts = list(upserts.chunks(rows, 500))
    assert [len(p) for p in parts] == [500, 500, 1]
    assert [x for p in parts for x in p] == rows
    with pytest.raises(ValueError):
        list(upserts.chunks(rows, 0))


def test_upserts_are_single_traversals_over_injected_rows():
    g = traversal().with_graph(Graph())
    items = [{KEY: "PER-1", "name": "a"}, {KEY: "PER-2", "name": "b"}]
    bytecode = upserts.upsert_vertices(g, Shape("person", ("name",)), items).bytecode
    steps = [i[0] for i in bytecode.step_instructions]
    assert steps[:4] == ["inject", "unfold", "as", "mergeV"]
    assert bytecode.step_instructions[0][1] is items  # injected as data, not copied
    assert steps.count("property") == 1
    edge = upserts.upsert_edges(g, Shape("transfer", (), "account", "account"), [])
    assert [i[0] for i in edge.bytecode.step_instructions].count("mergeE") == 1


def test_an_edge_shape_needs_endpoint_labels():
    g = traversal().with_graph(Graph())
    with pytest.raises(upserts.RowError):
        upserts.upsert_edges(g, Shape("transfer", ()), [])
