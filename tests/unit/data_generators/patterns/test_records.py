"""Typology edges built without validation are exactly the validated models, and an invalid
context still fails validation (value by value: tests/unit/test_fast_models.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import SEED, make_context
from pydantic import BaseModel, ValidationError

from banking.data_generators.patterns import PatternContext, inject
from banking.fast_models import object_state
from banking.models import Typology

OVERRIDES = {
    "structuring": {"threshold": 3_000.0, "currency": "EUR", "channel": "atm"},
    "fan_in": {"min_degree": 2, "max_degree": 3, "channel": "ach"},
    "mule_chain": {"new_mules": False},
    "fraud_ring": {"shared": "both", "transfers_per_member": 0},
    "ownership_chain": {"threshold": 10.0, "max_shell_depth": 5},
}


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
        assert object_state(model) == object_state(validated(model))
        assert list(model.__dict__) == list(type(model).model_fields)


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
