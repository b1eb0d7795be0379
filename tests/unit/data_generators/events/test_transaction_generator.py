from datetime import date, datetime, timedelta

import numpy as np
import pytest

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.core import AccountGenerator
from banking.data_generators.events import TransactionGenerator
from banking.errors import UsageError
from banking.models import Transaction


def test_between_existing_accounts_never_self():
    accounts = AccountGenerator(1).generate_columns(50)["account_id"]
    cols = TransactionGenerator(1, account_ids=accounts).generate_columns(20_000)
    known = set(accounts.tolist())
    assert set(cols["from_account"].tolist()) <= known
    assert set(cols["to_account"].tolist()) <= known
    assert not np.any(cols["from_account"] == cols["to_account"])


def test_two_accounts_still_never_self():
    cols = TransactionGenerator(2, account_ids=["ACC-1", "ACC-2"]).generate_columns(1_000)
    assert not np.any(cols["from_account"] == cols["to_account"])


def test_default_accounts_are_account_generator_ids():
    ids = set(AccountGenerator(42).generate_columns(10_000)["account_id"].tolist())
    cols = TransactionGenerator(42).generate_columns(1_000)
    assert set(cols["from_account"].tolist()) <= ids


def test_amounts_positive_cents_and_heavy_tailed():
    amount = TransactionGenerator(3).generate_columns(100_000)["amount"]
    assert amount.min() > 0
    assert np.allclose(amount * 100, np.round(amount * 100))
    assert amount.max() > 50 * np.median(amount)  # a real tail
    assert np.mean(amount) > np.median(amount)


def test_timestamps_inside_window_and_business_hours_weighted():
    ref = date(2024, 3, 1)
    gen = TransactionGenerator(4, reference_date=ref, window_days=30)
    ts = gen.generate_columns(50_000)["timestamp"].tolist()
    start = datetime(2024, 1, 31)
    assert all(start <= t < datetime(2024, 3, 1) for t in ts)
    hours = np.bincount([t.hour for t in ts], minlength=24)
    assert hours[9:17].sum() > 3 * hours[list(range(0, 6))].sum() * (8 / 6)


def test_default_window_ends_at_reference_date():
    ts = TransactionGenerator(4).generate_columns(10_000)["timestamp"].tolist()
    ref = datetime.combine(REFERENCE_DATE, datetime.min.time())
    assert all(ref - timedelta(days=365) <= t < ref for t in ts)


def test_cross_border_share_currencies_and_channels():
    cols = TransactionGenerator(5, cross_border_share=0.1).generate_columns(50_000)
    share = cols["is_cross_border"].mean()
    assert 0.08 < share < 0.12
    assert set(cols["currency"][~cols["is_cross_border"]].tolist()) == {"USD"}
    assert len(set(cols["currency"].tolist())) > 5
    assert set(cols["channel"][cols["is_cross_border"]].tolist()) == {"wire"}


def test_models_validate():
    for t in TransactionGenerator(6).generate_batch(500):
        assert Transaction.model_validate(t.model_dump()) == t
        assert t.pattern_id is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"account_ids": ["ACC-1"]},
        {"account_ids": ["PER-1", "PER-2"]},
        {"window_days": 0},
        {"cross_border_share": 1.5},
    ],
)
def test_bad_arguments(kwargs):
    with pytest.raises(UsageError):
        TransactionGenerator(1, **kwargs)


def test_activity_is_skewed_towards_hub_accounts():
    cols = TransactionGenerator(8).generate_columns(100_000)
    _, counts = np.unique(cols["from_account"], return_counts=True)
    top = np.sort(counts)[::-1][: len(counts) // 100].sum()
    assert top / counts.sum() > 0.05  # the busiest 1% send well over 1%


def test_domestic_payments_use_the_sender_account_currency():
    cols = AccountGenerator(2).generate_columns(300)
    gen = TransactionGenerator(
        2, account_ids=cols["account_id"], account_currencies=cols["currency"]
    )
    txns = gen.generate_columns(5_000)
    currency_of = dict(zip(cols["account_id"].tolist(), cols["currency"].tolist(), strict=True))
    domestic = ~txns["is_cross_border"]
    for sender, cur in zip(txns["from_account"][domestic], txns["currency"][domestic], strict=True):
        assert cur == currency_of[sender]
    assert len(set(txns["currency"][domestic].tolist())) > 1


def test_account_currencies_must_be_parallel_and_iso():
    with pytest.raises(UsageError):
        TransactionGenerator(1, account_ids=["ACC-1", "ACC-2"], account_currencies=["USD"])
    with pytest.raises(UsageError):
        TransactionGenerator(1, account_ids=["ACC-1", "ACC-2"], account_currencies=["USD", "XXX"])
