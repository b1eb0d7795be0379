import gc
import pickle
import sys

import pytest
from pydantic import ValidationError

from banking.data_generators.base import (
    check_count,
    construct_models,
    gc_paused,
    years_before,
)
from banking.data_generators.core import (
    AccountGenerator,
    CommunicationGenerator,
    CompanyGenerator,
    PersonGenerator,
    TransactionGenerator,
)
from banking.errors import UsageError
from banking.fast_models import FastModel
from banking.models import Person, Transaction


def test_fast_construction_matches_model_construct():
    cols = TransactionGenerator(1).generate_columns(20)
    fast = construct_models(Transaction, cols)
    slow = [
        Transaction.model_construct(
            **{k: v[i].item() if hasattr(v[i], "item") else v[i] for k, v in cols.items()}
        )
        for i in range(20)
    ]
    for a, b in zip(fast, slow, strict=True):
        assert a == b and hash(a) == hash(b)
        assert a.model_fields_set == b.model_fields_set
        assert a.__pydantic_extra__ is None and a.__pydantic_private__ is None
        assert a.model_dump_json() == b.model_dump_json()


def test_a_reused_constructor_builds_what_a_fresh_one_builds():
    constructor = FastModel(Transaction)
    generator = TransactionGenerator(2)
    batches = []
    for _ in range(3):
        cols = generator.generate_columns(30)
        reused = construct_models(Transaction, dict(cols), constructor=constructor)
        fresh = construct_models(Transaction, cols)
        assert [m.__dict__ for m in reused] == [m.__dict__ for m in fresh]
        assert [m.model_dump_json() for m in reused] == [m.model_dump_json() for m in fresh]
        assert all(m.model_fields_set == set(Transaction.model_fields) for m in reused)
        batches.append(reused)
    # One read-only fields-set per constructor, shared by every batch it builds.
    assert batches[0][0].model_fields_set is batches[1][-1].model_fields_set


def test_a_constructor_of_another_model_is_refused():
    columns = TransactionGenerator(1).generate_columns(2)
    with pytest.raises(ValueError, match="constructor of Person"):
        construct_models(Transaction, columns, constructor=FastModel(Person))


def test_a_generator_compiles_its_constructor_once():
    generator = PersonGenerator(5)
    first = generator.generate_batch(3)
    constructor = generator._constructor
    assert generator.generate_batch(4) and generator._constructor is constructor
    assert first == PersonGenerator(5).generate_batch(3)


def test_copies_do_not_leak_into_the_batch():
    people = PersonGenerator(1).generate_batch(3)
    changed = people[0].model_copy(update={"first_name": "Zed"})
    assert changed.first_name == "Zed" and people[0].first_name != "Zed"
    assert people[1].model_fields_set == set(Person.model_fields)
    with pytest.raises(ValidationError):  # frozen
        people[1].first_name = "x"


def test_columns_must_match_the_model():
    cols = TransactionGenerator(1).generate_columns(2)
    del cols["channel"]
    with pytest.raises(ValueError):
        construct_models(Transaction, cols)


def test_helpers():
    from datetime import date

    assert years_before(date(2024, 2, 29), 18) == date(2006, 2, 28)
    assert check_count(3) == 3
    with pytest.raises(UsageError):
        check_count(-1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: PersonGenerator(3),
        lambda: CompanyGenerator(3),
        lambda: AccountGenerator(3),
        lambda: TransactionGenerator(3),
        lambda: CommunicationGenerator(3),
    ],
    ids=["persons", "companies", "accounts", "transactions", "communications"],
)
def test_unvalidated_batches_survive_full_validation(make):
    """The generators skip validation; validating what they built must change nothing."""
    batch = make().generate_batch(500)
    model = type(batch[0])
    for m in batch:
        assert model.model_validate(m.model_dump()) == m


def test_gc_paused_restores_the_previous_state():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_consume_hands_the_arrays_over():
    cols = TransactionGenerator(1).generate_columns(5)
    kept = dict(cols)
    models = construct_models(Transaction, cols, consume=True)
    assert cols == {}
    assert models == construct_models(Transaction, kept)


@pytest.mark.skipif(
    sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11),
    reason="compact shared-key instance dicts are a CPython 3.11 layout detail",
)
@pytest.mark.parametrize(
    "make",
    [lambda: PersonGenerator(3), lambda: TransactionGenerator(3)],
    ids=["persons", "transactions"],
)
def test_generated_models_use_compact_dicts(make):
    models = make().generate_batch(50)
    for m in models:
        assert sys.getsizeof(m.__dict__) < sys.getsizeof(dict(m.__dict__))
        assert list(m.__dict__) == list(type(m).model_fields)


def test_compact_dicts_behave_like_plain_ones():
    person = PersonGenerator(4).generate()
    plain = Person.model_validate(person.model_dump())
    assert person == plain and hash(person) == hash(plain)
    assert person.model_dump_json() == plain.model_dump_json()
    assert pickle.loads(pickle.dumps(person)) == person
    assert person.model_copy(update={"city": "X"}).city == "X" and person.city != "X"
