import pytest
from gremlin_python.process.anonymous_traversal import traversal
from gremlin_python.process.traversal import Direction, T
from gremlin_python.structure.graph import Graph

from banking_repository import queries, upserts
from banking_repository.upserts import CREATE, KEY


def _g():
    return traversal().with_graph(Graph())


def _steps(t):
    return [i[0] for i in t.bytecode.step_instructions]


def test_vertex_rows_are_keyed_by_id_with_label_only_in_the_create_map():
    rows = [{"entity_id": "PER-1", "name": "x", "nick": None}, {"entity_id": "PER-2", "age": 3}]
    items = upserts.vertex_items("person", rows)
    # Each value travels once: onMatch derives its map from the create map on the server.
    assert items[0] == {
        KEY: {T.id: "PER-1"},
        CREATE: {T.label: "person", "entity_id": "PER-1", "name": "x"},
    }
    # Rows with other property keys share the traversal: no grouping by shape.
    assert items[1][CREATE] == {T.label: "person", "entity_id": "PER-2", "age": 3}


def test_edge_rows_are_keyed_by_the_edge_id_property_with_raw_endpoints_on_create():
    row = {"edge_id": "TXN-1", "from_id": "ACC-1", "to_id": "ACC-2", "amount": 5.0}
    (item,) = upserts.edge_items("transfer", [dict(row, from_label="account", note=None)])
    # JanusGraph refuses user edge ids: the search map names the indexed property, not T.id.
    assert item[KEY] == {"edge_id": "TXN-1"}
    assert item[CREATE] == {
        T.label: "transfer",
        Direction.OUT: "ACC-1",
        Direction.IN: "ACC-2",
        "edge_id": "TXN-1",
        "amount": 5.0,
    }
    assert set(item) == {KEY, CREATE}


def test_endpoint_rows_are_bare_vertices_once_each_with_explicit_or_prefix_labels():
    rows = [
        {"edge_id": "E1", "from_id": "ACC-1", "to_id": "ACC-2"},
        {"edge_id": "E2", "from_id": "ACC-2", "to_id": "X9", "to_label": "thing"},
    ]
    assert upserts.endpoint_items(rows) == [
        {KEY: {T.id: "ACC-1"}, CREATE: {T.label: "account", "entity_id": "ACC-1"}},
        {KEY: {T.id: "ACC-2"}, CREATE: {T.label: "account", "entity_id": "ACC-2"}},
        {KEY: {T.id: "X9"}, CREATE: {T.label: "thing", "entity_id": "X9"}},
    ]


def test_rows_without_keys_are_rejected():
    with pytest.raises(upserts.RowError):
        upserts.vertex_items("person", [{"name": "x"}])
    with pytest.raises(upserts.RowError):
        upserts.edge_items("transfer", [{"edge_id": "E", "from_id": "ACC-1"}])
    with pytest.raises(upserts.RowError, match="from_label"):
        upserts.endpoint_items([{"edge_id": "E", "from_id": "Z-1", "to_id": "ACC-1"}])


def test_chunks_cover_every_row_once():
    rows = list(range(1001))
    parts = list(upserts.chunks(rows, 500))
    assert [len(p) for p in parts] == [500, 500, 1]
    assert [x for p in parts for x in p] == rows
    with pytest.raises(ValueError):
        list(upserts.chunks(rows, 0))


def test_upserts_are_single_traversals_over_injected_rows():
    items = upserts.vertex_items("person", [{"entity_id": "PER-1"}, {"entity_id": "PER-2"}])
    t = upserts.upsert_vertices(_g(), items)
    assert _steps(t) == ["inject", "unfold", "mergeV", "option", "option", "count"]
    assert t.bytecode.step_instructions[0][1] is items  # injected as data, not copied
    edge = upserts.upsert_edges(_g(), [])
    assert _steps(edge) == ["inject", "unfold", "mergeE", "option", "option", "count"]
    # Creating bare endpoints never overwrites an existing vertex: no onMatch.
    assert _steps(upserts.create_vertices(_g(), [])).count("option") == 1


def test_vertex_reads_and_restricted_queries_start_from_ids_not_property_lookups():
    for t in (
        queries.get_vertex(_g(), "PER-1"),
        queries.account_summary(_g(), "ACC-1", None, None),
        queries.ownership_paths(_g(), "COM-1", 5),
        queries.fan(_g(), "in", None, None, 3, ["ACC-1", "ACC-2"]),
    ):
        first = t.bytecode.step_instructions[0]
        assert first[0] == "V" and len(first) > 1
        assert "has" not in _steps(t)[:2]


def test_edges_are_found_and_named_by_the_edge_id_property_never_by_element_id():
    # JanusGraph assigns edge ids itself (a type stock gremlinpython cannot read).
    get = queries.get_edge(_g(), "TXN-1", "transfer").bytecode.step_instructions
    assert get[:2] == [["E"], ["has", "transfer", "edge_id", "TXN-1"]]
    for t in (
        queries.cycles(_g(), ["ACC-1"], 3, False, None, None, 10),
        queries.structuring(_g(), 10_000.0, 3, None, None, None, None),
        queries.edges_of(_g(), "ACC-1", None, "both", None),
    ):
        assert "edge_id" in str(t.bytecode)
    path_by = [
        i
        for i in queries.cycles(_g(), None, 3, False, None, None, 10).bytecode.step_instructions
        if i[0] == "by"
    ]
    assert [i[1:] for i in path_by][-2:] == [[T.id], ["edge_id"]]


def test_row_checks_say_whether_keys_repeat() -> None:
    assert upserts.vertex_rows("person", [{"entity_id": "A"}, {"entity_id": "B"}]).check()
    assert not upserts.vertex_rows("person", [{"entity_id": "A"}, {"entity_id": "A"}]).check()
    edge = {"edge_id": "E", "from_id": "A", "to_id": "B"}
    assert upserts.edge_rows("knows", [edge, {**edge, "edge_id": "F"}]).check()
    assert not upserts.edge_rows("knows", [edge, dict(edge)]).check()


def test_row_checks_treat_a_none_key_as_missing() -> None:
    with pytest.raises(upserts.RowError, match="'to_id'"):
        upserts.edge_rows("knows", [{"edge_id": "E", "from_id": "A", "to_id": None}]).check()
    with pytest.raises(upserts.RowError, match="'entity_id'"):
        upserts.vertex_rows("person", [{"entity_id": None}]).check()
