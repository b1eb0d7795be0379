import pytest

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.core import CompanyGenerator
from banking.errors import UsageError
from banking.ids import IdSequence
from banking.models import Company


def test_columns_match_fields_and_validate():
    gen = CompanyGenerator(4)
    cols = gen.generate_columns(100)
    assert list(cols) == list(Company.model_fields)
    for company in gen.generate_batch(300):
        assert Company.model_validate(company.model_dump()) == company


def test_values_in_range():
    companies = CompanyGenerator(8).generate_batch(3_000)
    assert all(c.incorporation_date < REFERENCE_DATE for c in companies)
    assert all(c.incorporation_date.year >= REFERENCE_DATE.year - 80 for c in companies)
    assert len({c.industry for c in companies}) > 10
    assert all(c.registration_number[2] == "-" and len(c.tax_id) == 10 for c in companies)


def test_ids_follow_the_core_sequence():
    ids = [c.company_id for c in CompanyGenerator(5).generate_batch(20)]
    assert ids == list(IdSequence(5, "company", "core").take(20))


def test_bad_count():
    with pytest.raises(UsageError):
        CompanyGenerator().generate_batch(-3)
