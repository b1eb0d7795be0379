"""Loader logic with an in-memory writer and reader (the real server is in tests/integration)."""

from __future__ import annotations

from datetime import datetime

import pytest
import samples

from banking.errors import UsageError
from banking.graph.loader import LoadSummary, load_dataset, load_models, load_records
from banking.graph.mapping import GraphBatch


class RecordingWriter:
    """Stands in for GraphRepository: keeps what it is asked to write."""

    def __init__(self) -> None:
        self.request_count = 0
        self.calls: list[tuple[GraphBatch, int]] = []

    def write(self, batch: GraphBatch, batch_size: int = 500) -> int:
        self.calls.append((batch, batch_size))
        self.request_count += 1
        return len(batch)


class ListReader:
    def __init__(self, records: dict[str, list[dict]]) -> None:
        self.records = records
        self.manifest = {"counts": {k: len(v) for k, v in records.items()}}

    def iter_batches(self, entity: str, batch_size: int = 10_000):
        rows = self.records.get(entity, [])
        for start in range(0, len(rows), batch_size):
            yield rows[start : start + batch_size]

    def patterns(self):
        return ["p1", "p2"]


# Valid records (the loader's validation pass checks them with the entity models).
PERSON = samples.person(1)
ACCOUNT = samples.account(1, owner=1)
TXN = samples.transaction(1, src=1, dst=2)


def test_records_load_vertices_before_edges_whatever_the_mapping_order():
    writer = RecordingWriter()
    summary = load_records(writer, {"transactions": [TXN], "accounts": [ACCOUNT]})
    first, second = (call[0] for call in writer.calls)
    assert list(first.vertices) == ["account"] and list(first.edges) == ["owns"]
    assert list(second.edges) == ["transfer"]
    assert summary.vertices == {"account": 1}
    assert summary.edges == {"owns": 1, "transfer": 1}
    assert summary.records == {"accounts": 1, "transactions": 1}
    assert summary.requests == 2 and summary.elements == 3


def test_dataset_load_reads_in_batches_and_reports_progress():
    reader = ListReader({"persons": [samples.person(i) for i in range(25)]})
    writer = RecordingWriter()
    seen: list[int] = []
    summary = load_dataset(reader, writer, batch_size=7, progress=seen.append, read_batch=10)
    assert seen == [10, 10, 5]
    assert {size for _, size in writer.calls} == {7}
    assert summary.vertices == {"person": 25} and summary.patterns == 0


def test_bad_records_fail_before_anything_is_written():
    reader = ListReader({"persons": [PERSON], "transactions": [{"txn_id": "TXN-9"}]})
    writer = RecordingWriter()
    with pytest.raises(UsageError, match="transactions record 1: from_account: Field required"):
        load_dataset(reader, writer)
    assert writer.calls == []


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("amount", "lots", "amount: Input should be a valid number"),
        ("amount", -5, "amount: Input should be greater than 0"),
        ("to_account", "XYZ-1", "to_account: Value error, account id must start with 'ACC-'"),
        ("currency", None, "currency: Input should be a valid string"),
        ("timestamp", "yesterday", "timestamp: Input should be a valid datetime"),
        ("is_cross_border", "maybe", "is_cross_border: Input should be a valid boolean"),
    ],
)
def test_a_record_the_consumer_dead_letters_is_rejected_before_writing(field, value, reason):
    from banking.streaming.events import InvalidEvent, make_event

    bad = dict(TXN, **{field: value})
    # The event's own time is given: a producer could not take it from a bad timestamp.
    event = make_event("transactions", None, bad, timestamp=datetime(2024, 1, 1))
    with pytest.raises(InvalidEvent, match=f"invalid transaction payload: {reason}"):
        event.validate_payload()
    reader = ListReader({"accounts": [ACCOUNT], "transactions": [TXN, TXN, bad]})
    writer = RecordingWriter()
    with pytest.raises(UsageError, match=f"transactions record 3: {reason}"):
        load_dataset(reader, writer)
    assert writer.calls == []


def test_a_record_the_load_accepts_the_consumer_accepts():
    from banking.streaming.events import event_from_record

    records = {entity: [make(1)] for entity, make in samples.BY_ENTITY.items()}
    summary = load_dataset(ListReader(records), RecordingWriter())
    assert summary.records == {entity: 1 for entity in records}
    for entity, rows in records.items():
        event_from_record(entity, rows[0]).validate_payload()


def test_a_timestamp_pydantic_takes_but_the_graph_cannot_is_rejected_too():
    # A number-like string passes the model (seconds since 1970) but maps to no epoch: the
    # consumer's sink rejects it, so the load does, before writing.
    reader = ListReader({"transactions": [dict(TXN, timestamp="1719504468")]})
    writer = RecordingWriter()
    with pytest.raises(UsageError, match="transactions record 1: not an ISO timestamp"):
        load_dataset(reader, writer)
    assert writer.calls == []


def test_endpoints_not_in_the_dataset_are_loaded_bare_and_reported():
    reader = ListReader({"accounts": [ACCOUNT], "transactions": [TXN]})  # ACC-2 is not there
    summary = load_dataset(reader, RecordingWriter())
    # The owner PER-1 and the receiving account: named, never listed.
    assert summary.bare_endpoints == {"person": 1, "account": 1}
    assert "created as bare vertices: account 1, person 1" in summary.describe()
    full = ListReader(
        {
            "persons": [PERSON],
            "accounts": [ACCOUNT, samples.account(2, owner=1)],
            "transactions": [TXN],
        }
    )
    assert load_dataset(full, RecordingWriter()).bare_endpoints == {}


@pytest.mark.parametrize("size", [0, -1, True, 2.5])
def test_bad_batch_sizes_are_usage_errors(size):
    with pytest.raises(UsageError):
        load_dataset(ListReader({}), RecordingWriter(), batch_size=size)


def test_unknown_entities_and_missing_directories_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="unknown dataset entities"):
        load_records(RecordingWriter(), {"people": [PERSON]})
    with pytest.raises(UsageError):
        load_dataset(tmp_path / "missing", RecordingWriter())


def test_models_load_from_an_object_with_entity_attributes():
    from types import SimpleNamespace

    from banking.models import Person

    person = Person(
        person_id="PER-1",
        first_name="A",
        last_name="B",
        date_of_birth="1990-01-01",
        nationality="GB",
        address="x",
        city="y",
        country="GB",
        email="e",
        phone="p",
        tax_id="t",
    )
    injected = SimpleNamespace(persons=[person], patterns=["only counted"])
    summary = load_models(RecordingWriter(), injected)
    assert summary.vertices == {"person": 1} and summary.patterns == 1


def test_summary_describes_totals_and_rates():
    summary = LoadSummary({"person": 2}, {"transfer": 3}, {"persons": 2}, 1, 0.5, 4)
    text = summary.describe()
    assert "loaded 5 elements (2 vertices, 3 edges)" in text
    assert "10 elements/s, 4 requests" in text
    assert "transfer 3" in text
