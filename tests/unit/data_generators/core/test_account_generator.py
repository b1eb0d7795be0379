import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.core import AccountGenerator, CompanyGenerator, PersonGenerator
from banking.data_generators.core.iban import check_digits, is_valid_iban, random_ibans
from banking.errors import UsageError
from banking.models import Account
from banking.seeding import stream_rng


def test_no_argument_constructor_refers_to_real_entities():
    accounts = AccountGenerator(42).generate_batch(2_000)
    persons = {p.person_id for p in PersonGenerator(42).generate_batch(10_000)}
    companies = {c.company_id for c in CompanyGenerator(42).generate_batch(1_000)}
    for a in accounts:
        assert a.owner_id in (persons if a.owner_type == "person" else companies)


def test_owners_come_from_given_ids_with_types_from_prefix():
    persons = PersonGenerator(1).generate_columns(30)["person_id"]
    companies = CompanyGenerator(1).generate_columns(10)["company_id"]
    owners = np.concatenate([persons, companies])
    accounts = AccountGenerator(1, owner_ids=owners).generate_batch(1_000)
    assert {a.owner_id for a in accounts} <= set(owners.tolist())
    for a in accounts:
        assert a.owner_type == ("person" if a.owner_id.startswith("PER-") else "company")
        if a.owner_type == "company":
            assert a.account_type in {"business", "savings", "investment", "loan"}


def test_accounts_validate_and_opened_before_reference_date():
    for a in AccountGenerator(3).generate_batch(500):
        assert Account.model_validate(a.model_dump()) == a
        assert a.opened_date < REFERENCE_DATE
        assert (a.balance < 0) == (a.account_type == "loan")


def test_every_iban_has_valid_check_digits():
    cols = AccountGenerator(6).generate_columns(20_000)
    assert all(is_valid_iban(i) for i in cols["iban"].tolist())
    assert len(set(cols["iban"].tolist())) == 20_000
    assert all(i[:2] == c for i, c in zip(cols["iban"], cols["bank_country"], strict=True))


def test_known_iban_check_digits():
    # Textbook example: GB82 WEST 1234 5698 7654 32.
    bban = np.frombuffer(b"WEST12345698765432", np.uint8).reshape(1, -1)
    assert check_digits("GB", bban).tolist() == [82]
    assert is_valid_iban("GB82WEST12345698765432")
    assert not is_valid_iban("GB83WEST12345698765432")


def check_digits_char_by_char(country: str, bban: np.ndarray) -> np.ndarray:
    """The fold check_digits replaced: the remainder carried through one character at a time."""
    remainder = np.zeros(bban.shape[0], dtype=np.int64)
    tail = np.frombuffer((country + "00").encode("ascii"), np.uint8)
    for chars in [*bban.T, *(np.full(bban.shape[0], ch, np.uint8) for ch in tail)]:
        is_digit = chars < 58
        value = np.where(is_digit, chars.astype(np.int64) - 48, chars.astype(np.int64) - 55)
        remainder = np.where(is_digit, remainder * 10 + value, remainder * 100 + value) % 97
    return 98 - remainder


@pytest.mark.parametrize("width", [0, 1, 10, 18, 30, 100])
@pytest.mark.parametrize("alphabet", [b"0123456789", b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", None])
def test_check_digits_match_the_char_by_char_fold(width, alphabet):
    rng = np.random.default_rng(width)
    if alphabet is None:  # any byte: the arithmetic must agree beyond well-formed input too
        bban = rng.integers(0, 256, (300, width), dtype=np.uint8)
    else:
        codes = np.frombuffer(alphabet, np.uint8)
        bban = codes[rng.integers(0, codes.size, (300, width))]
    layout = bban.copy()  # one kind of character per column, as in a country's layout
    if width:
        layout[:, : width // 3] = np.frombuffer(b"Q", np.uint8)[0]
        layout[:, width // 3 :] = (layout[:, width // 3 :] % 10) + ord("0")
    for country in ("GB", "DE", "CY"):
        for array in (bban, layout):
            expected = check_digits_char_by_char(country, array)
            assert check_digits(country, array).tolist() == expected.tolist()
    assert check_digits("GB", bban[:0]).tolist() == []


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["GB", "DE", "FR", "NL", "CH", "US", "IT", "CY"]), st.integers(0, 2**32))
def test_random_ibans_are_valid_for_each_layout(country, seed):
    for iban in random_ibans(stream_rng(seed, "t"), country, 20).tolist():
        assert is_valid_iban(iban) and iban.startswith(country)


def test_rejects_non_owner_ids():
    with pytest.raises(UsageError):
        AccountGenerator(1, owner_ids=["ACC-0000000000000000"])
    with pytest.raises(UsageError):
        AccountGenerator(1, owner_ids=[])
