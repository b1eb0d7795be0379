"""Typology edges built without validation are exactly the validated models, and anything
validation would reject or change still goes through validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from conftest import SEED, make_context
from pydantic import BaseModel, ValidationError

from banking.data_generators.patterns import PatternContext, inject, records
from banking.models import Typology

OVERRIDES = {
    "structuring": {"threshold": 3_000.0, "currency": "EUR", "channel": "atm"},
    "fan_in": {"min_degree": 2, "max_degree": 3, "channel": "ach"},
    "mule_chain": {"new_mules": False},
    "fraud_ring": {"shared": "both", "transfers_per_member": 0},
    "ownership_chain": {"threshold": 10.0, "max_shell_depth": 5},
}


def state(model: BaseModel) -> tuple[Any, ...]:
    """Everything that makes up a model's object state, with the exact type of each value."""
    return (
        type(model),
        [(name, type(value), value) for name, value in model.__dict__.items()],
        model.__pydantic_fields_set__,
        model.__pydantic_extra__,
        model.__pydantic_private__,
    )


def validated(model: BaseModel) -> BaseModel:
    """The model as full validation builds it from the fields that were given."""
    return type(model)(**{name: model.__dict__[name] for name in model.model_fields_set})


def elements(out: Any) -> list[BaseModel]:
    return [m for name in out.counts() for m in getattr(out, name)]


@pytest.mark.parametrize(
    ("typology", "params"),
    [(t, {}) for t in Typology] + list(OVERRIDES.items()),
)
def test_injected_records_equal_their_validated_copies(typology, params, ctx):
    out = inject(typology, ctx, 6, SEED, **params)
    for model in elements(out):
        assert state(model) == state(validated(model))
        assert list(model.__dict__) == list(type(model).model_fields)


TXN = {
    "txn_id": "TXN-0000000000000001",
    "from_account": "ACC-0000000000000001",
    "to_account": "ACC-0000000000000002",
    "amount": 12.5,
    "currency": "USD",
    "timestamp": datetime(2024, 5, 1, 3, 4, 5),
    "channel": "wire",
    "is_cross_border": False,
    "pattern_id": "PAT-0000000000000001",
}
COMM = {
    "comm_id": "MSG-0000000000000001",
    "from_person": "PER-0000000000000001",
    "to_person": "PER-0000000000000002",
    "channel": "phone",
    "timestamp": datetime(2024, 5, 1, 3, 4, 5),
    "duration_seconds": 30,
    "pattern_id": "PAT-0000000000000001",
}
LINK = {
    "link_id": "OWN-0000000000000001",
    "owner_id": "PER-0000000000000001",
    "owner_type": "person",
    "company_id": "COM-0000000000000001",
    "pct": 25.0,
    "is_nominee": False,
    "pattern_id": "PAT-0000000000000001",
}
VALID = {
    "transaction": TXN,
    "communication": COMM,
    "link": LINK,
}


class Text(str):
    """A str subclass: validation turns it into a plain str, so it must not be stored as is."""


# Values validation rejects (raises) or changes (converts); each must take the validated path.
REJECTED = [
    ("transaction", "txn_id", "ACC-0000000000000009"),
    ("transaction", "to_account", TXN["from_account"]),
    ("transaction", "from_account", "X-1"),
    ("transaction", "amount", 0.0),
    ("transaction", "amount", float("inf")),
    ("transaction", "amount", float("nan")),
    ("transaction", "currency", "XXX"),
    ("transaction", "channel", "pigeon"),
    ("transaction", "timestamp", datetime(1969, 12, 31)),
    ("communication", "from_person", "COM-0000000000000001"),
    ("communication", "channel", "wire"),
    ("communication", "duration_seconds", -1),
    ("link", "owner_type", "company"),
    ("link", "owner_id", LINK["company_id"]),
    ("link", "pct", 100.5),
    ("link", "pct", 0.0),
]
# Values validation converts, or accepts though the plain checks do not vouch for them.
CONVERTED = [
    ("transaction", "amount", 7),
    ("transaction", "pattern_id", "TXN-0000000000000001"),
    ("transaction", "txn_id", Text(TXN["txn_id"])),
    ("transaction", "timestamp", datetime(2024, 5, 1, tzinfo=UTC)),
    ("transaction", "timestamp", "2024-05-01T00:00:00"),
    ("transaction", "is_cross_border", 0),
    ("communication", "duration_seconds", 3.0),
    ("link", "pct", 25),
    ("link", "is_nominee", 1),
]


@pytest.mark.parametrize("kind", VALID)
def test_valid_values_are_stored_as_validation_would(kind):
    values = VALID[kind]
    made = getattr(records, kind)(**values)
    model = type(made)
    assert state(made) == state(model(**values))
    assert made.model_dump_json() == model(**values).model_dump_json()
    assert repr(made) == repr(model(**values))


@pytest.mark.parametrize(("kind", "field", "value"), REJECTED)
def test_values_validation_rejects_still_raise(kind, field, value):
    with pytest.raises(ValidationError):
        getattr(records, kind)(**{**VALID[kind], field: value})


@pytest.mark.parametrize(("kind", "field", "value"), CONVERTED)
def test_values_validation_converts_are_converted(kind, field, value):
    values = {**VALID[kind], field: value}
    made = getattr(records, kind)(**values)
    assert state(made) == state(type(made)(**values))


def test_a_context_with_unprefixed_or_duplicate_accounts_still_fails_validation():
    good = make_context()
    unprefixed = PatternContext(
        good.person_ids,
        good.company_ids,
        np.char.replace(good.account_ids, "ACC-", "XYZ-"),
        good.account_owner_ids,
    )
    with pytest.raises(ValidationError, match="account id must start with"):
        inject("cycle", unprefixed, 3, SEED)
    duplicated = PatternContext(
        good.person_ids,
        good.company_ids,
        np.full(len(good.account_ids), good.account_ids[0]),
        good.account_owner_ids,
    )
    with pytest.raises(ValidationError, match="two different accounts"):
        inject("fan_out", duplicated, 3, SEED)
