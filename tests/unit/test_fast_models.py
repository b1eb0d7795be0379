"""Models built by banking.fast_models are the models validation builds, for every model; and
values validation would reject or change still go through validation."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, date, datetime
from typing import Any

import pytest
import samples
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator

from banking.data_generators.core import (
    AccountGenerator,
    CommunicationGenerator,
    CompanyGenerator,
    PersonGenerator,
    TransactionGenerator,
)
from banking.data_generators.patterns import records
from banking.fast_models import AllFieldsSet, FastModel, object_state, slot_setter
from banking.models import (
    BankModel,
    Communication,
    OwnershipLink,
    Pattern,
    Person,
    Transaction,
    Typology,
)
from banking.streaming.events import EntityEvent, event_from_record

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
PATTERN = {
    "pattern_id": "PAT-0000000000000001",
    "typology": Typology.CYCLE,
    "account_ids": ("ACC-0000000000000001", "ACC-0000000000000002"),
    "entity_ids": (),
    "transaction_ids": ("TXN-0000000000000001",),
    "link_ids": (),
    "communication_ids": (),
    "parameters": {"length": 2},
    "expected": {"cycle": ["ACC-0000000000000001"]},
}
GENERATORS = (
    PersonGenerator,
    CompanyGenerator,
    AccountGenerator,
    TransactionGenerator,
    CommunicationGenerator,
)


def samples_by_model() -> list[tuple[type[BaseModel], dict[str, Any]]]:
    """Valid field values of every model the project builds fast."""
    out: list[tuple[type[BaseModel], dict[str, Any]]] = [
        (g.model, dict(m.__dict__)) for g in GENERATORS for m in g(5).generate_batch(3)
    ]
    out += [(Transaction, TXN), (Communication, COMM), (OwnershipLink, LINK), (Pattern, PATTERN)]
    for entity, make in sorted(samples.BY_ENTITY.items()):
        out.append((EntityEvent, dict(event_from_record(entity, make(2)).__dict__)))
    return out


SAMPLES = samples_by_model()


def ways(fast: FastModel, values: dict[str, Any]) -> list[BaseModel]:
    built = [fast.make(*values.values()), fast.adopt(dict(values)), fast.build(**values)]
    return built + fast.batch([[v] for v in values.values()])


@pytest.mark.parametrize(("model", "values"), SAMPLES, ids=lambda x: getattr(x, "__name__", ""))
def test_fast_models_equal_validated_ones(model, values):
    fast = FastModel(model)
    valid = model.model_validate(values)
    for made in ways(fast, values):
        assert object_state(made) == object_state(valid)
        assert made == valid
        if not any(type(v) is dict for v in values.values()):  # a dict field is unhashable
            assert hash(made) == hash(valid)
        assert made.model_dump() == valid.model_dump()
        assert made.model_dump_json() == valid.model_dump_json()
        assert made.model_dump(exclude_unset=True) == valid.model_dump(exclude_unset=True)
        assert repr(made) == repr(valid)
        for clone in (copy.copy(made), copy.deepcopy(made), pickle.loads(pickle.dumps(made))):
            assert object_state(clone) == object_state(valid)
            assert type(clone.model_fields_set) is set
        changed = made.model_copy(update={fast.names[-1]: None})
        assert made == valid and changed.model_fields_set == set(fast.names)
        assert model.model_validate(made.model_dump()) == made


def test_every_model_but_the_pattern_has_a_derived_check():
    unchecked = {m.__name__: FastModel(m).unchecked for m, _ in SAMPLES}
    assert {name for name, reason in unchecked.items() if reason} == {"Pattern"}
    assert "account_ids" in unchecked["Pattern"]
    with pytest.raises(ValidationError):  # a model without a check validates every time
        FastModel(Pattern).build(**{**PATTERN, "pattern_id": "TXN-1"})


def test_the_fields_set_is_shared_and_read_only():
    fast = FastModel(Person)
    people = [fast.make(*values.values()) for model, values in SAMPLES if model is Person]
    assert all(p.model_fields_set is fast.fields_set for p in people)
    assert type(fast.fields_set) is AllFieldsSet
    for mutate in (lambda s: s.add("x"), lambda s: s.update({"x"}), lambda s: s.clear()):
        with pytest.raises(TypeError, match="read-only"):
            mutate(people[0].model_fields_set)
    assert people[0].model_fields_set == set(Person.model_fields)
    with pytest.raises(ValidationError):  # frozen
        people[1].first_name = "x"


class Text(str):
    """A str subclass: validation turns it into a plain str, so it must not be stored as is."""


VALID = {"transaction": TXN, "communication": COMM, "link": LINK}
# Values validation rejects: each must raise pydantic's ValidationError.
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
    ("transaction", "is_cross_border", "maybe"),
    ("communication", "comm_id", "TXN-0000000000000001"),
    ("communication", "from_person", "COM-0000000000000001"),
    ("communication", "channel", "wire"),
    ("communication", "duration_seconds", -1),
    ("link", "link_id", "COM-0000000000000001"),
    ("link", "company_id", "PER-0000000000000001"),
    ("link", "owner_type", "company"),
    ("link", "owner_type", "bank"),
    ("link", "owner_id", LINK["company_id"]),
    ("link", "pct", 100.5),
    ("link", "pct", 0.0),
]
# Values validation converts, or accepts though the derived check does not vouch for them.
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


@pytest.mark.parametrize(("kind", "field", "value"), REJECTED)
def test_values_validation_rejects_still_raise(kind, field, value):
    with pytest.raises(ValidationError):
        getattr(records, kind)(**{**VALID[kind], field: value})


@pytest.mark.parametrize(("kind", "field", "value"), CONVERTED)
def test_values_validation_converts_are_converted(kind, field, value):
    values = {**VALID[kind], field: value}
    made = getattr(records, kind)(**values)
    assert object_state(made) == object_state(type(made)(**values))


class Probe(BankModel):
    """A model the records never saw: its declarations alone must drive the check."""

    code: str = Field(min_length=3, max_length=3)
    size: int = Field(ge=1, lt=10)
    when: date
    note: str | None = None

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        if not value.isupper():
            raise ValueError("code must be upper case")
        return value


@pytest.mark.parametrize(
    ("field", "value"),
    [("code", "ab"), ("code", "abc"), ("code", "ABCD"), ("size", 0), ("size", 10)],
)
def test_a_new_declaration_is_checked_without_restating_it(field, value):
    fast = FastModel(Probe)
    good = {"code": "ABC", "size": 3, "when": date(2024, 1, 2), "note": None}
    assert fast.unchecked is None
    assert object_state(fast.build(**good)) == object_state(Probe(**good))
    with pytest.raises(ValidationError):
        fast.build(**{**good, field: value})


def test_a_value_changing_validator_is_left_to_validation():
    class Trimmed(BankModel):
        name: str

        @field_validator("name")
        @classmethod
        def _strip(cls, value: str) -> str:
            return value.strip()

    made = FastModel(Trimmed).build(name=" x ")
    assert made.name == "x" and object_state(made) == object_state(Trimmed(name=" x "))


def test_undeclarable_checks_make_build_validate():
    class Before(BankModel):
        n: int

        @field_validator("n", mode="before")
        @classmethod
        def _double(cls, value: int) -> int:
            return value * 2

    fast = FastModel(Before)
    assert fast.unchecked and "before" in fast.unchecked
    assert fast.build(n=2).n == 4


def test_private_attributes_are_refused():
    class Secret(BaseModel):
        n: int
        _hidden: int = PrivateAttr(default=0)

    with pytest.raises(TypeError, match="private"):
        FastModel(Secret)


def test_slot_setters_set_what_object_setattr_sets():
    person = PersonGenerator(6).generate()
    for name in ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
        slot_setter(Person, name)(person, {"x"})  # bypasses the frozen model's __setattr__
        assert getattr(person, name) == {"x"}
        object.__setattr__(person, name, None)
    values = {"a": 1}
    slot_setter(Person, "__dict__")(person, values)
    assert person.__dict__ is values

    class Plain:
        pass

    plain = Plain()
    slot_setter(Plain, "label")(plain, "y")  # not a slot: object.__setattr__
    assert plain.label == "y"


def test_field_names_shadow_nothing_in_the_compiled_code():
    class Awkward(BankModel):
        type: str
        len: int = Field(ge=0)
        model: float = Field(gt=0.0)
        m: bool
        d: datetime

    fast = FastModel(Awkward)
    good = {"type": "x", "len": 2, "model": 1.5, "m": True, "d": datetime(2024, 1, 1)}
    assert fast.unchecked is None
    assert object_state(fast.build(**good)) == object_state(Awkward(**good))
    with pytest.raises(ValidationError):
        fast.build(**{**good, "len": -1})
