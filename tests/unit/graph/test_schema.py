"""The JanusGraph schema declares every property the mapping writes, with a type that takes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from banking.data_generators.orchestration import generate_bank
from banking.dataset import DatasetReader
from banking.entities import BY_PLURAL, EDGE_LABELS, GRAPH_ENTITIES, VERTEX_LABELS
from banking.graph.mapping import LOAD_ORDER, to_graph_batch
from banking.graph.schema import SCHEMA, SchemaError, build_schema, entity_keys

SMALL = {"persons": 60, "companies": 15, "accounts": 90, "transactions": 600, "communications": 60}
ROW_KEYS = {"from_id", "to_id", "from_label", "to_label"}  # travel with a row, not stored


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> DatasetReader:
    out = tmp_path_factory.mktemp("bank") / "ds"
    generate_bank(0.001, 7, out_dir=out, counts=SMALL, batch_size=64)
    return DatasetReader(out)


def test_every_property_of_a_generated_bank_is_declared_with_an_accepting_type(
    reader: DatasetReader,
) -> None:
    seen: dict[str, set[type]] = {}
    for entity in LOAD_ORDER:
        batch = to_graph_batch(entity, list(reader.iter_records(entity)))
        rows = [r for rs in batch.vertices.values() for r in rs]
        rows += [
            {k: v for k, v in r.items() if k not in ROW_KEYS}
            for rs in batch.edges.values()
            for r in rs
        ]
        for row in rows:
            for key, value in row.items():
                assert SCHEMA.accepts(key, value), (entity, key, value, SCHEMA.key(key))
                seen.setdefault(key, set()).add(type(value))
    # Every declared key occurs in a bank (none is dead), and the typed ones with their types.
    assert set(seen) == {key.name for key in SCHEMA.keys}
    assert seen["timestamp"] == {int} and SCHEMA.key("timestamp").data_type == "Long"
    assert seen["amount"] <= {float, int} and SCHEMA.key("amount").data_type == "Double"


def test_labels_cardinality_and_the_edge_index() -> None:
    assert SCHEMA.vertex_labels == VERTEX_LABELS == ("person", "company", "account")
    assert SCHEMA.edge_labels == EDGE_LABELS
    assert {key.cardinality for key in SCHEMA.keys} == {"SINGLE"}
    assert SCHEMA.edge_index == ("byEdgeId", "edge_id")
    assert SCHEMA.key("edge_id").data_type == SCHEMA.key("entity_id").data_type == "String"


def test_keys_follow_the_mapping_rules() -> None:
    transfer = entity_keys(BY_PLURAL["transactions"])
    assert "txn_id" not in transfer and "from_account" not in transfer
    assert transfer["timestamp"] == "Long" and transfer["is_cross_border"] == "Boolean"
    account = entity_keys(BY_PLURAL["accounts"])
    assert account["opened_date"] == "String"  # a vertex's date stays ISO text
    assert account["entity_id"] == account["edge_id"] == "String"  # the owns edge
    links = entity_keys(BY_PLURAL["ownership_links"])
    assert "owner_type" not in links and links["pct"] == "Double"


def test_a_bool_is_not_a_number_and_undeclared_keys_are_refused() -> None:
    assert not SCHEMA.accepts("amount", True)
    assert SCHEMA.accepts("amount", 5) and not SCHEMA.accepts("timestamp", 5.5)
    assert not SCHEMA.accepts("no_such_key", "x")


def test_one_key_with_two_types_is_a_schema_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from banking.graph import schema

    real = schema.field_kinds

    def kinds(entity: str) -> dict[str, str]:
        found = dict(real(entity))
        if entity == "companies":
            found["country"] = "int"  # persons store country as text
        return found

    monkeypatch.setattr(schema, "field_kinds", kinds)
    with pytest.raises(SchemaError, match="'country' is String elsewhere but Long in companies"):
        build_schema(GRAPH_ENTITIES)


def test_the_schema_is_rendered_into_the_init_script(tmp_path: Path) -> None:
    from banking.services import render

    script = render.janusgraph_init_script()
    for key in SCHEMA.keys:
        assert f"['{key.name}', {key.data_type}.class, Cardinality.SINGLE]" in script
    assert "buildIndex('byEdgeId', Edge.class)" in script
    assert "globals << [g : graph.traversal(), schema : described.traversal()]" in script
