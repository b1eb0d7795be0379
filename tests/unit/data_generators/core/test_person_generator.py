from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.core import PersonGenerator
from banking.errors import UsageError
from banking.models import Person


def _age(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def test_columns_have_model_fields_and_length():
    cols = PersonGenerator(1).generate_columns(500)
    assert list(cols) == list(Person.model_fields)
    assert all(len(c) == 500 for c in cols.values())


def test_sample_passes_full_validation():
    for person in PersonGenerator(3).generate_batch(300):
        assert Person.model_validate(person.model_dump()) == person


def test_ages_within_range_relative_to_reference_date():
    ref = date(2030, 6, 15)
    people = PersonGenerator(5, reference_date=ref).generate_batch(5_000)
    ages = [_age(p.date_of_birth, ref) for p in people]
    assert min(ages) >= 18 and max(ages) <= 95
    assert max(ages) - min(ages) > 50  # actually spread out


@settings(max_examples=25, deadline=None)
@given(st.dates(min_value=date(1995, 1, 1), max_value=date(2090, 12, 31)))
def test_age_bounds_hold_for_any_reference_date(ref):
    people = PersonGenerator(7, reference_date=ref).generate_columns(400)
    for dob in people["date_of_birth"].tolist():
        assert 18 <= _age(dob, ref) <= 95


def test_pep_and_sanction_rates_are_realistic():
    cols = PersonGenerator(11).generate_columns(100_000)
    assert 0.01 <= cols["is_pep"].mean() <= 0.02
    assert 0.0003 <= cols["is_sanctioned"].mean() <= 0.002
    assert cols["risk_score"].min() >= 0 and cols["risk_score"].max() <= 1


def test_emails_derive_from_names_and_ids_are_unique():
    people = PersonGenerator(2).generate_batch(2_000)
    assert len({p.person_id for p in people}) == 2_000
    for p in people[:200]:
        local = p.email.split("@")[0]
        assert p.last_name.lower() in local
        assert p.tax_id[3] == "-" and p.phone.startswith("+")


def test_residence_country_shapes_city_and_phone():
    people = PersonGenerator(4).generate_batch(5_000)
    us = [p for p in people if p.country == "US"]
    abroad = [p for p in people if p.country in ("GB", "DE", "FR")]
    assert us and abroad
    assert all(p.phone.startswith("+1-") and len(p.city.rsplit(", ", 1)[1]) == 2 for p in us)
    assert all(p.city.endswith(", " + p.country) for p in abroad)
    assert all(p.phone.startswith(("+44-", "+49-", "+33-")) for p in abroad)


def test_same_seed_same_output_and_different_seed_differs():
    a = PersonGenerator(9).generate_batch(50)
    assert a == PersonGenerator(9).generate_batch(50)
    assert a != PersonGenerator(10).generate_batch(50)


def test_iter_batches_sizes_and_generate():
    sizes = [len(b) for b in PersonGenerator(1).iter_batches(25, batch_size=10)]
    assert sizes == [10, 10, 5]
    assert isinstance(PersonGenerator(1).generate(), Person)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_bad_counts_raise_usage_error(bad):
    with pytest.raises(UsageError):
        PersonGenerator(1).generate_columns(bad)
    with pytest.raises(UsageError):
        list(PersonGenerator(1).iter_batches(bad))


def test_bad_seed_and_batch_size():
    with pytest.raises(UsageError):
        PersonGenerator(-1)
    with pytest.raises(UsageError):
        list(PersonGenerator(1).iter_batches(5, batch_size=0))


def test_zero_rows():
    assert PersonGenerator(1).generate_batch(0) == []
    assert np.asarray(PersonGenerator(1).generate_columns(0)["person_id"]).size == 0


def test_default_reference_date():
    assert date(2025, 1, 1) == REFERENCE_DATE
