"""Entity coverage: every layer knows exactly the entity types of the table in
``banking.entities``, and a record of each goes through every layer it belongs to.

The records come from a tiny generated bank, so an entity added to the table (with its model
and generator) is checked here with no edit to this file.
"""

from __future__ import annotations

import typing
from collections import namedtuple
from typing import Any

import pytest

from banking import entities as table
from banking.data_generators.orchestration.bank import generate_bank
from banking.dataset import DatasetReader, schema
from banking.graph import loader, mapping
from banking.ids import IdSequence
from banking.streaming import consumer, events, sink, topics
from banking.streaming import entities as streaming
from banking.validation import RECORD_MODELS, validate_records
from banking_repository import queries, upserts

GRAPH = [e.plural for e in table.TABLE if e.in_graph]
VERTICES = [e.plural for e in table.TABLE if e.vertex]
EDGES = [e.plural for e in table.TABLE if e.edge]
Message = namedtuple("Message", "topic partition offset key value headers")


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> dict[str, list[dict[str, Any]]]:
    """A few records of every entity type, as the dataset stores them."""
    out = tmp_path_factory.mktemp("entities") / "bank"
    generate_bank(0.001, seed=7, out_dir=out, counts={"transactions": 50, "communications": 10})
    reader = DatasetReader(out)
    return {name: next(iter(reader.iter_batches(name, 20)), []) for name in table.BY_PLURAL}


def test_the_table_is_consistent():
    assert len(table.BY_PLURAL) == len(table.BY_SINGULAR) == len(table.TABLE)
    assert tuple(e.plural for e in table.TABLE) == table.DATASET_ENTITIES
    assert sorted(table.LOAD_ORDER) == sorted(GRAPH)
    ranks = [table.BY_PLURAL[name].load_rank for name in table.LOAD_ORDER]
    assert ranks == sorted(ranks)  # every vertex before every edge
    assert len(set(table.PREFIX_LABEL)) == len(VERTICES)
    for e in table.TABLE:
        assert table.entity(e.plural) is table.entity(e.singular) is e
        for end in e.endpoints:
            assert end.id_field in e.model.model_fields
            assert end.label in (None, *table.VERTEX_LABELS)


def test_unknown_names_are_usage_errors():
    with pytest.raises(ValueError, match="unknown entity type 'nope'"):
        table.entity("nope")
    with pytest.raises(ValueError, match="vertex label"):
        table.vertex_label_of("XYZ-1")


def test_the_dataset_and_validation_cover_exactly_the_table(bank):
    assert schema.ENTITIES == table.DATASET_ENTITIES
    assert schema.ENTITY_MODELS == {e.plural: e.model for e in table.TABLE} == RECORD_MODELS
    for e in table.TABLE:
        assert bank[e.plural], f"the bank has no {e.plural}"
        models = validate_records(e.plural, bank[e.plural])
        assert all(isinstance(m, e.model) for m in models)
        assert all(getattr(m, e.id_field).startswith(f"{e.prefix}-") for m in models)
        assert IdSequence(1, e.id_kind, "test").next().startswith(f"{e.prefix}-")


def test_the_graph_mapping_covers_exactly_the_table(bank):
    assert mapping.ENTITIES == table.LOAD_ORDER
    assert set(mapping.VERTEX_LABELS) == {table.BY_PLURAL[n].vertex for n in VERTICES}
    assert set(mapping.EDGE_LABELS) == {table.BY_PLURAL[n].edge for n in EDGES}
    assert set(mapping._CONVERTERS) == set(GRAPH)
    for name in GRAPH:
        e = table.BY_PLURAL[name]
        batch = mapping.to_graph_batch(name, bank[name])
        assert set(batch.vertices) == ({e.vertex} if e.vertex else set())
        assert set(batch.edges) == ({e.edge} if e.edge else set())
        for row in batch.edges.get(e.edge, []):
            assert row["from_label"] in table.VERTEX_LABELS
            assert row["to_label"] in table.VERTEX_LABELS
            if e.time_field and e.vertex is None:  # an event's time: epoch millis
                assert isinstance(row[e.time_field], int)
    for e in table.TABLE:
        if not e.in_graph:
            with pytest.raises(ValueError, match="unknown dataset entity"):
                mapping.to_graph_batch(e.plural, bank[e.plural])


class _Writer:
    request_count = 0

    def __init__(self) -> None:
        self.labels: list[str] = []

    def write(self, batch: mapping.GraphBatch, batch_size: int = 500) -> int:
        self.labels += [*batch.vertices, *batch.edges]
        return len(batch)


def test_the_loader_covers_exactly_the_table(bank):
    assert set(loader._VERTEX_ID) == set(VERTICES)
    assert set(loader._ENDPOINTS) == set(EDGES)
    for name in table.DATASET_ENTITIES:
        loader.check_records(name, bank[name])
    writer = _Writer()
    summary = loader.load_records(writer, {name: bank[name] for name in GRAPH})
    assert set(summary.records) == set(GRAPH)
    expected = set(table.VERTEX_LABELS) | set(table.EDGE_LABELS)
    assert set(summary.vertices) | set(summary.edges) == expected == set(writer.labels)


def test_the_stream_covers_exactly_the_table(bank):
    assert [s.plural for s in streaming.SPECS] == GRAPH
    assert set(streaming.BY_SINGULAR) == {table.BY_PLURAL[n].singular for n in GRAPH}
    assert set(typing.get_args(events.EntityType)) == set(streaming.BY_SINGULAR)
    messages = []
    for offset, name in enumerate(GRAPH):
        topic = topics.topic_for(name)
        assert topics.entity_for_topic(topic) == name
        event = events.event_from_record(name, bank[name][0])
        assert event.entity_type == table.BY_PLURAL[name].singular
        messages.append(Message(topic, 0, offset, b"k", event.to_bytes(), []))
    decoded = consumer.decode_messages(messages)
    assert decoded.rejects == []
    assert set(decoded.upsert_lists()) == set(GRAPH)


class _Repository:
    def __init__(self) -> None:
        self.written: set[str] = set()
        self.deleted: set[tuple[str, str]] = set()

    def write(self, batch: mapping.GraphBatch, batch_size: int = 500) -> int:
        self.written |= {*batch.vertices, *batch.edges}
        return len(batch)

    def delete_vertices(self, label: str, ids: list[str]) -> None:
        self.deleted.add(("vertex", label))

    def delete_edges(self, label: str, ids: list[str]) -> None:
        self.deleted.add(("edge", label))


def test_the_sink_covers_exactly_the_table(bank):
    assert sink.WRITE_ORDER == table.LOAD_ORDER
    assert set(sink.DELETE_TARGETS) == set(GRAPH)
    repo = _Repository()
    ids = {name: [bank[name][0][table.BY_PLURAL[name].id_field]] for name in GRAPH}
    applied = sink.RepositorySink(repo).apply({name: bank[name][:1] for name in GRAPH}, ids)
    assert applied == 2 * len(GRAPH)
    assert repo.written == set(table.VERTEX_LABELS) | set(table.EDGE_LABELS)
    assert repo.deleted == {table.BY_PLURAL[name].delete_target for name in GRAPH}


def test_the_repository_knows_every_vertex_prefix_and_label():
    for name in VERTICES:
        e = table.BY_PLURAL[name]
        row = {"from_id": f"{e.prefix}-1", "to_id": "x", "to_label": "other"}
        assert upserts.endpoint_label(row, "from") == e.vertex
    labels = {queries.PERSON, queries.COMPANY, queries.ACCOUNT}
    assert labels <= set(table.VERTEX_LABELS)
    assert {queries.TRANSFER, queries.OWNS_SHARE} <= set(table.EDGE_LABELS)
