from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import orjson
import pytest
import samples as records

from banking.errors import UsageError
from banking.models import Account, Person, Transaction
from banking.streaming.events import (
    EntityEvent,
    InvalidEvent,
    create_account_event,
    create_communication_event,
    create_company_event,
    create_ownership_link_event,
    create_person_event,
    create_transaction_event,
    event_from_record,
    event_id_for,
)


@pytest.mark.parametrize("entity", sorted(records.BY_ENTITY))
def test_record_round_trips_through_bytes_and_pydantic_json(entity):
    event = event_from_record(entity, records.BY_ENTITY[entity](3))
    data = event.to_bytes()
    assert EntityEvent.from_bytes(data) == event
    assert EntityEvent.from_bytes(event.model_dump_json()) == event
    assert orjson.loads(data) == json.loads(event.model_dump_json(indent=2))
    event.validate_payload()


TESTS = Path(__file__).resolve().parents[2]


def test_factories_match_the_record_path():
    person = records.person(1)
    by_factory = create_person_event(person_id=person["person_id"], payload=person)
    assert by_factory == event_from_record("persons", person)
    named = create_person_event(person_id=person["person_id"], name="Ada L", payload=person)
    assert named.name == "Ada L" and named.event_id == by_factory.event_id
    assert create_person_event(person["person_id"], "Ada", person).name == "Ada"
    assert create_account_event(account_id="ACC-1", payload={}).entity_type == "account"
    assert create_company_event(company_id="COM-1").entity_id == "COM-1"
    assert create_transaction_event(transaction_id="TXN-9").entity_id == "TXN-9"
    assert create_communication_event(comm_id="MSG-1").entity_type == "communication"
    assert create_ownership_link_event(link_id="OWN-1").entity_type == "ownership_link"
    with pytest.raises(TypeError):
        create_person_event(account_id="ACC-1")


def test_event_id_and_timestamp_come_from_the_entity_not_the_clock():
    txn = records.transaction(5)
    first = event_from_record("transactions", txn)
    assert first.timestamp == datetime(2024, 6, 1, 12, 34, 56)
    assert event_from_record("accounts", records.account(1)).timestamp == datetime(2019, 5, 6)
    assert event_from_record("persons", records.person(1)).timestamp == datetime(2025, 1, 1)
    assert first.event_id == event_id_for("transaction", txn["txn_id"], 1, "create")
    update = event_from_record("transactions", txn, event_type="update", version=2)
    assert update.event_id != first.event_id
    assert len({first.event_id, update.event_id}) == 2


def test_bytes_are_identical_across_processes_and_hash_seeds():
    code = (
        "from banking.streaming.events import event_from_record;"
        "import samples as records;"
        "import sys;"
        "sys.stdout.buffer.write(b''.join(event_from_record(e, f(7)).to_bytes() "
        "for e, f in sorted(records.BY_ENTITY.items())))"
    )
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            env=env,
            check=True,
            cwd=TESTS,  # where samples.py is, on the path of `python -c`
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1 and outputs.pop()


@pytest.mark.parametrize(
    "data",
    [b"not json", b"[1, 2]", b"{}", b'{"event_id": 1}', b"\xff\xfe", b""],
)
def test_malformed_bytes_raise_a_one_line_invalid_event(data):
    with pytest.raises(InvalidEvent) as info:
        EntityEvent.from_bytes(data)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, UsageError)


def test_non_canonical_but_valid_json_goes_through_pydantic():
    event = event_from_record("transactions", records.transaction(1))
    fields = orjson.loads(event.to_bytes())
    fields["version"] = "1"  # lax: pydantic coerces
    del fields["name"]  # default
    assert EntityEvent.from_bytes(orjson.dumps(fields)) == event
    fields["event_type"] = "explode"
    with pytest.raises(InvalidEvent, match="event_type"):
        EntityEvent.from_bytes(orjson.dumps(fields))
    fields["event_type"] = "create"
    fields["entity_type"] = "spaceship"
    with pytest.raises(InvalidEvent, match="entity_type"):
        EntityEvent.from_bytes(orjson.dumps(fields))


def test_payload_validation_uses_the_entity_model():
    bad = records.transaction(1)
    bad["amount"] = -5
    event = event_from_record("transactions", bad)
    with pytest.raises(InvalidEvent, match="amount"):
        event.validate_payload()
    good = event_from_record("transactions", records.transaction(2)).validate_payload()
    assert isinstance(good, Transaction)
    assert isinstance(event_from_record("accounts", records.account()).validate_payload(), Account)
    assert isinstance(event_from_record("persons", records.person()).validate_payload(), Person)


def test_payload_id_must_match_the_event():
    event = create_person_event(person_id="PER-0000000000000009", payload=records.person(1))
    with pytest.raises(InvalidEvent, match="does not match"):
        event.validate_payload()


def test_delete_needs_only_the_id():
    event = create_account_event(account_id="ACC-0000000000000001", event_type="delete")
    event.validate_payload()
    assert EntityEvent.from_bytes(event.to_bytes()).event_type == "delete"


def test_unknown_entity_and_missing_id_are_usage_errors():
    with pytest.raises(UsageError, match="unknown entity type"):
        event_from_record("spaceships", {"id": 1})
    with pytest.raises(InvalidEvent, match="txn_id"):
        event_from_record("transactions", {"amount": 1})
    with pytest.raises(UsageError, match="needs person_id"):
        create_person_event(payload={"first_name": "x"})


def test_factory_arguments_are_validated():
    with pytest.raises(InvalidEvent, match="event_type"):
        create_person_event(person_id="PER-1", event_type="explode")
    with pytest.raises(InvalidEvent, match="version"):
        create_person_event(person_id="PER-1", version=0)
    with pytest.raises(InvalidEvent, match="payload must be a mapping"):
        create_person_event(person_id="PER-1", payload=[1, 2])
    event = create_person_event(person_id="PER-1", timestamp="2024-01-02T03:04:05")
    assert event.timestamp == datetime(2024, 1, 2, 3, 4, 5)
    with pytest.raises(InvalidEvent, match="version"):
        create_person_event(person_id="PER-1", version=True)


@pytest.mark.parametrize("fast_path", [True, False], ids=["msgspec", "orjson-only"])
def test_from_bytes_same_events_with_and_without_the_typed_decoder(monkeypatch, fast_path):
    from banking.streaming import events as events_module

    if not fast_path:  # as on an install without msgspec
        monkeypatch.setattr(events_module, "_decode_wire", None)
    for entity, make in sorted(records.BY_ENTITY.items()):
        event = event_from_record(entity, make(4))
        data = event.to_bytes()
        decoded = EntityEvent.from_bytes(data)
        assert decoded == event and decoded.to_bytes() == data
        assert decoded.model_fields_set == set(EntityEvent.model_fields)
    fields = orjson.loads(data)
    fields["version"] = 0
    with pytest.raises(InvalidEvent, match="version"):
        EntityEvent.from_bytes(orjson.dumps(fields))
    fields["version"], fields["extra"] = 1, "x"
    with pytest.raises(InvalidEvent, match="extra"):
        EntityEvent.from_bytes(orjson.dumps(fields))


def test_shared_fields_set_is_read_only_and_copies_are_ordinary_sets():
    event = EntityEvent.from_bytes(event_from_record("persons", records.person(2)).to_bytes())
    with pytest.raises(TypeError, match="read-only"):
        event.model_fields_set.add("x")
    copied = event.model_copy(update={"version": 2})
    assert copied.version == 2 and type(copied.model_fields_set) is set
    assert event.version == 1 and "x" not in event.model_fields_set
    assert pickle.loads(pickle.dumps(event)) == event
    assert event.model_dump(exclude_unset=True) == event.model_dump()


def test_encoded_events_hold_about_their_own_size():
    # orjson's result keeps its whole write buffer (~4 KiB); a batch of held events must not.
    import tracemalloc

    events = [
        event_from_record("transactions", records.BY_ENTITY["transactions"](i)) for i in range(200)
    ]
    tracemalloc.start()
    try:
        held = [event.to_bytes() for event in events]
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    encoded = sum(map(len, held))
    assert allocated < 2 * encoded + 16_000, (allocated, encoded)
    assert held == [orjson.dumps(event.__dict__) for event in events]
