"""vocab.draw: one numpy call for many bounded integers gives the values, and leaves the stream
where, one draw per integer would (the entities of every typology depend on it byte for byte)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from conftest import SEED, make_context

from banking.data_generators.patterns import vocab
from banking.data_generators.patterns.builder import Run
from banking.models import Typology


def one_by_one(rng: np.random.Generator, bounds: list[tuple[int, int]]) -> list[int]:
    return [int(rng.integers(low, high)) for low, high in bounds]


@pytest.mark.parametrize("seed", range(40))
def test_draw_matches_single_draws_and_continues_the_stream(seed):
    plan = np.random.default_rng(1000 + seed)
    spans = [1, 2, 3, 10, 37, 1000, 100_000, 2**31, 2**32 - 1, 2**32, 2**40]
    bounds = [
        (int(low), int(low) + spans[int(i)])
        for low, i in zip(
            plan.integers(-500, 500, size=25), plan.integers(0, len(spans), size=25), strict=True
        )
    ]
    specs = [vocab.integer(low, high) for low, high in bounds]
    fast, slow = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(seed % 3):  # an odd number of 32-bit halves already used
        fast.integers(0, 7), slow.integers(0, 7)
    assert vocab.draw(fast, *specs) == one_by_one(slow, bounds)
    assert fast.integers(0, 100, size=5).tolist() == slow.integers(0, 100, size=5).tolist()
    assert fast.uniform() == slow.uniform()


def test_given_values_pass_through_and_nothing_is_drawn_for_them():
    fast, slow = np.random.default_rng(3), np.random.default_rng(3)
    values = vocab.draw(fast, "given", vocab.CITY, None, vocab.digit_string(4))
    city = vocab.pick(slow, vocab.CITIES)
    assert values == ["given", city, None, vocab.digits(slow, 4)]
    assert vocab.draw(fast, "only given") == ["only given"]
    assert fast.integers(1 << 62) == slow.integers(1 << 62)


def test_specs_give_what_the_single_draw_helpers_give():
    fast, slow = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(50):
        assert vocab.address(fast) == (
            lambda number, unit: (
                f"{number} {vocab.pick(slow, vocab.STREETS)} "
                f"{vocab.pick(slow, vocab.STREET_SUFFIXES)}, Unit {unit}"
            )
        )(int(slow.integers(1, 100_000)), int(slow.integers(1, 1000)))
        area, exchange = int(slow.integers(201, 990)), int(slow.integers(201, 1000))
        assert vocab.phone(fast) == f"+1-{area}-{exchange}-{vocab.digits(slow, 4)}"
    assert fast.integers(1 << 62) == slow.integers(1 << 62)


# The entities as the builder made them before their fields were drawn together: one numpy
# call per field, in this order.
def person_one_by_one(rng, reference: date, person_id: str, **given):
    first, last = vocab.pick(rng, vocab.FIRST_NAMES), vocab.pick(rng, vocab.LAST_NAMES)
    age_days = int(rng.integers(18 * 366, 75 * 365))
    address = given["address"] if "address" in given else vocab.address(rng)
    city = given["city"] if "city" in given else vocab.pick(rng, vocab.CITIES)
    email = f"{first}.{last}.{person_id[-6:]}@{vocab.pick(rng, vocab.EMAIL_DOMAINS)}".lower()
    phone = given["phone"] if "phone" in given else vocab.phone(rng)
    tax_id = f"{vocab.digits(rng, 3)}-{vocab.digits(rng, 2)}-{vocab.digits(rng, 4)}"
    dob = reference - timedelta(days=age_days)
    return (first, last, dob, address, city, email, phone, tax_id)


def company_one_by_one(rng, reference: date):
    age_days = int(rng.integers(60, 20 * 365))
    name = f"{vocab.pick(rng, vocab.COMPANY_WORDS)} {vocab.pick(rng, vocab.COMPANY_SUFFIXES)}"
    registration = f"REG{vocab.digits(rng, 9)}"
    country = vocab.pick(rng, ("US", "GB", "CY", "MT", "LU", "PA", "VG"))
    industry = vocab.pick(rng, vocab.INDUSTRIES)
    address, phone = vocab.address(rng), vocab.phone(rng)
    tax_id = f"{vocab.digits(rng, 2)}-{vocab.digits(rng, 7)}"
    inc = reference - timedelta(days=age_days)
    return (name, registration, country, industry, inc, address, phone, tax_id)


def account_one_by_one(rng):
    number, country = vocab.iban(rng)
    return number, float(int(rng.integers(0, 200_000))) / 100, country


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"address": "1 Elm Way, Unit 2", "phone": "+1-201-201-0000", "city": "Dover"},
        {"city": "Salem"},
        {"phone": "+1-300-300-1234"},
    ],
)
def test_new_entities_are_the_one_by_one_draws(given):
    ctx = make_context()
    inst = Run(Typology.MULE_CHAIN, ctx, SEED).instance(0)
    slow = np.random.default_rng(11)
    inst.rng = np.random.default_rng(11)
    for _ in range(20):
        person = inst.new_person(**given, risk_score=0.5)
        assert (
            person.first_name,
            person.last_name,
            person.date_of_birth,
            person.address,
            person.city,
            person.email,
            person.phone,
            person.tax_id,
        ) == person_one_by_one(slow, ctx.reference_date, person.person_id, **given)
        company = inst.new_company(is_shell=True)
        assert (
            company.name,
            company.registration_number,
            company.country,
            company.industry,
            company.incorporation_date,
            company.address,
            company.phone,
            company.tax_id,
        ) == company_one_by_one(slow, ctx.reference_date)
        account = inst.new_account(person.person_id, date(2020, 1, 1), currency="USD")
        assert (account.iban, account.balance, account.bank_country) == account_one_by_one(slow)
    assert inst.rng.integers(1 << 62) == slow.integers(1 << 62)
