from datetime import UTC, date, datetime

import pytest

from banking.graph.mapping import (
    ENTITIES,
    GraphBatch,
    MappingError,
    label_of,
    records_of,
    to_epoch_millis,
    to_graph_batch,
)
from banking.models import Account, OwnershipLink, Person, Transaction


def _person(**over):
    base = dict(
        person_id="PER-0000000000000001",
        first_name="Zoë",
        last_name='O\'Brien "g.V().drop()"',
        date_of_birth=date(1980, 2, 29),
        nationality="IE",
        address="1 Main St",
        city="Cork",
        country="IE",
        email="z@example.com",
        phone="+353 1",
        tax_id="T1",
    )
    base.update(over)
    return Person(**base)


def test_persons_become_vertices_keyed_by_entity_id():
    batch = to_graph_batch("persons", records_of([_person()]))
    (row,) = batch.vertices["person"]
    assert row["entity_id"] == "PER-0000000000000001"
    assert "person_id" not in row
    assert row["last_name"] == 'O\'Brien "g.V().drop()"'
    assert row["date_of_birth"] == "1980-02-29"
    assert row["is_pep"] is False
    assert batch.edges == {}


def test_accounts_add_an_owns_edge_from_the_owner():
    account = Account(
        account_id="ACC-1",
        iban="DE89370400440532013000",
        owner_id="COM-9",
        owner_type="company",
        account_type="business",
        currency="EUR",
        opened_date=date(2020, 1, 1),
        balance=-5.5,
        bank_country="DE",
    )
    batch = to_graph_batch("accounts", records_of([account]))
    assert batch.vertices["account"][0]["entity_id"] == "ACC-1"
    (owns,) = batch.edges["owns"]
    assert owns == {
        "edge_id": "owns:ACC-1",
        "from_id": "COM-9",
        "to_id": "ACC-1",
        "from_label": "company",
        "to_label": "account",
    }


def test_transactions_become_transfer_edges_with_epoch_millis_and_no_nulls():
    txn = Transaction(
        txn_id="TXN-1",
        from_account="ACC-1",
        to_account="ACC-2",
        amount=9_999.99,
        currency="USD",
        timestamp=datetime(2024, 3, 1, 12, 0, 0, 123000),
        channel="wire",
    )
    batch = to_graph_batch("transactions", records_of([txn]))
    (row,) = batch.edges["transfer"]
    assert row["edge_id"] == "TXN-1"
    assert (row["from_id"], row["to_id"]) == ("ACC-1", "ACC-2")
    assert row["from_label"] == row["to_label"] == "account"
    assert row["timestamp"] == 1709294400123
    assert row["amount"] == 9_999.99
    assert "pattern_id" not in row
    assert "txn_id" not in row and "from_account" not in row


def test_ownership_links_carry_pct_and_pattern():
    link = OwnershipLink(
        link_id="OWN-1",
        owner_id="PER-1",
        owner_type="person",
        company_id="COM-1",
        pct=24.9,
        is_nominee=True,
        pattern_id="PAT-1",
    )
    (row,) = to_graph_batch("ownership_links", records_of([link])).edges["owns_share"]
    assert row["from_label"] == "person" and row["to_label"] == "company"
    assert (row["pct"], row["is_nominee"], row["pattern_id"]) == (24.9, True, "PAT-1")


def test_communications_link_persons():
    record = {
        "comm_id": "MSG-1",
        "from_person": "PER-1",
        "to_person": "PER-2",
        "channel": "sms",
        "timestamp": "1970-01-01T00:00:01Z",
        "duration_seconds": 0,
        "pattern_id": None,
    }
    (row,) = to_graph_batch("communications", [record]).edges["communicated"]
    assert row["timestamp"] == 1000
    assert row["duration_seconds"] == 0
    assert "pattern_id" not in row


@pytest.mark.parametrize(
    ("value", "millis"),
    [
        ("2024-01-01T00:00:00", 1704067200000),
        ("2024-01-01T00:00:00Z", 1704067200000),
        ("2024-01-01T01:00:00+01:00", 1704067200000),
        (datetime(2024, 1, 1, tzinfo=UTC), 1704067200000),
        (1704067200000, 1704067200000),
        # Milliseconds are floored, before 1970 too.
        ("2024-01-01T00:00:00.123999", 1704067200123),
        ("1969-12-31T23:59:59.999500", -1),
        (datetime(1969, 12, 31, 23, 59, 59, 999500), -1),
        ("1969-12-31T23:59:59.999500+00:00", -1),
    ],
)
def test_timestamps_are_utc_epoch_millis(value, millis):
    assert to_epoch_millis(value) == millis


@pytest.mark.parametrize("value", ["yesterday", True, None, [1]])
def test_bad_timestamps_are_mapping_errors(value):
    with pytest.raises(MappingError):
        to_epoch_millis(value)


def test_unknown_entity_and_missing_ids_are_one_line_errors():
    with pytest.raises(MappingError, match="unknown dataset entity"):
        to_graph_batch("patterns", [])
    with pytest.raises(MappingError, match="without 'txn_id'"):
        to_graph_batch("transactions", [{"from_account": "ACC-1"}])


def test_label_of_reads_the_prefix():
    assert [label_of(i) for i in ("PER-1", "COM-1", "ACC-1")] == ["person", "company", "account"]
    with pytest.raises(MappingError):
        label_of("TXN-1")


def test_batches_extend_and_count():
    a = to_graph_batch("persons", records_of([_person()]))
    b = to_graph_batch("persons", records_of([_person(person_id="PER-2")]))
    a.extend(b)
    assert a.vertex_count == 2 and a.edge_count == 0 and len(a) == 2
    assert len(GraphBatch()) == 0


def test_entities_are_ordered_vertices_first():
    assert ENTITIES.index("accounts") < ENTITIES.index("transactions")
    assert ENTITIES.index("companies") < ENTITIES.index("ownership_links")
