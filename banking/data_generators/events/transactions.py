"""TransactionGenerator: transfers between existing accounts, never from an account to itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.base import ColumnGenerator, check_count, object_array
from banking.data_generators.events.timestamps import TimestampSampler
from banking.data_generators.vocabulary import Vocabulary
from banking.errors import UsageError
from banking.ids import IdSequence
from banking.models import ID_PREFIX, ISO_CURRENCIES, Transaction
from banking.seeding import stream_rng

# Accounts assumed when none are given: the first ids AccountGenerator(seed) produces.
DEFAULT_ACCOUNTS = 10_000
CROSS_BORDER_SHARE = 0.04
LARGE_SHARE = 0.08  # share of payments from the Pareto (business-size) tail
MAX_AMOUNT = 50_000_000.0
LARGE_THRESHOLD = 5_000.0
# u**2 over activity ranks: the busiest 1% of accounts send about 10% of payments.
ACTIVITY_SKEW = 2.0
# Channels (the models' Literal) for everyday and for large payments.
SMALL_CHANNELS = (
    ("card", 0.34), ("online", 0.2), ("mobile", 0.18), ("ach", 0.1),
    ("atm", 0.07), ("cash", 0.05), ("check", 0.03), ("wire", 0.03),
)  # fmt: skip
LARGE_CHANNELS = (("wire", 0.45), ("ach", 0.3), ("online", 0.1), ("check", 0.1), ("cash", 0.05))


def _table(pairs: tuple[tuple[str, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    values = object_array([name for name, _ in pairs])
    cdf = np.cumsum([w for _, w in pairs])
    return values, cdf / cdf[-1]


def _draw(rng: np.random.Generator, table: tuple[np.ndarray, np.ndarray], n: int) -> np.ndarray:
    values, cdf = table
    return values[np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(values) - 1)]


def check_account_ids(account_ids: Sequence[str] | np.ndarray) -> np.ndarray:
    ids = np.asarray(account_ids, dtype=object)
    if ids.ndim != 1 or ids.size < 2:
        raise UsageError("transactions need at least two accounts")
    if not np.all(np.char.startswith(ids.astype(str), ID_PREFIX["account"] + "-")):
        raise UsageError("account_ids must all be account ids (ACC-...)")
    return ids


class TransactionGenerator(ColumnGenerator[Transaction]):
    """Transfers in the ``window_days`` before ``reference_date`` between ``account_ids``.

    Activity is skewed: accounts are ranked at random (separately for sending and receiving)
    and drawn with a power law over rank, so a few accounts (merchants, payroll) carry much of
    the traffic. Amounts mix a lognormal retail body
    with a Pareto tail, rounded to cents; ``cross_border_share`` of payments are cross-border
    (70% of those in a foreign currency). Other payments are in the sender account's currency
    when ``account_currencies`` (parallel to ``account_ids``) is given, else in USD.
    """

    model = Transaction

    def __init__(
        self,
        seed: int = 42,
        account_ids: Sequence[str] | np.ndarray | None = None,
        *,
        reference_date: date = REFERENCE_DATE,
        window_days: int = 365,
        cross_border_share: float = CROSS_BORDER_SHARE,
        account_currencies: Sequence[str] | np.ndarray | None = None,
    ) -> None:
        super().__init__(seed, reference_date=reference_date)
        if account_ids is None:
            account_ids = IdSequence(self.seed, "account", "core").take(DEFAULT_ACCOUNTS)
        self.account_ids = check_account_ids(account_ids)
        if account_currencies is None:
            self.account_currencies = None
        else:
            self.account_currencies = np.asarray(account_currencies, dtype=object)
            if self.account_currencies.shape != self.account_ids.shape:
                raise UsageError("account_currencies must be parallel to account_ids")
            unknown = set(self.account_currencies.tolist()) - ISO_CURRENCIES
            if unknown:
                raise UsageError(f"not ISO 4217 currency codes: {sorted(unknown)}")
        if not 0.0 <= cross_border_share <= 1.0:
            raise UsageError(f"cross_border_share must be in [0, 1], got {cross_border_share!r}")
        self.cross_border_share = float(cross_border_share)
        self.times = TimestampSampler(reference_date, window_days)
        self.window_days = self.times.window_days
        self.vocab = Vocabulary()
        activity = stream_rng(self.seed, "transactions:activity")
        m = self.account_ids.size
        # Activity rank -> account: a random order each for sending and for receiving.
        self._send_rank = activity.permutation(m)
        self._recv_rank = activity.permutation(m)
        self._rng = stream_rng(self.seed, "transactions")
        self._ids = IdSequence(self.seed, "transaction", "core")
        self._small = _table(SMALL_CHANNELS)
        self._large = _table(LARGE_CHANNELS)

    def _pick(self, ranked: np.ndarray, n: int) -> np.ndarray:
        """Power-law activity: rank r is drawn with density ~ r^(-1/2), O(1) per draw."""
        u = self._rng.random(n)
        return ranked[(u**ACTIVITY_SKEW * ranked.size).astype(np.int64)]

    def generate_columns(self, n: int) -> dict[str, np.ndarray]:
        n = check_count(n)
        rng, v = self._rng, self.vocab
        m = self.account_ids.size
        sender = self._pick(self._send_rank, n)
        receiver = self._pick(self._recv_rank, n)
        same = sender == receiver
        receiver[same] = (receiver[same] + rng.integers(1, m, int(same.sum()))) % m
        retail = rng.lognormal(np.log(60.0), 1.15, n)
        large = (rng.pareto(1.4, n) + 1.0) * 2_500.0
        amount = np.where(rng.random(n) < LARGE_SHARE, large, retail)
        amount = np.maximum(np.round(np.minimum(amount, MAX_AMOUNT), 2), 0.01)
        cross = rng.random(n) < self.cross_border_share
        foreign = v.sample(rng, v.foreign_currencies, v.foreign_currency_cdf, n)
        home = "USD" if self.account_currencies is None else self.account_currencies[sender]
        currency = np.where(cross & (rng.random(n) < 0.7), foreign, home).astype(object)
        channel = np.where(
            amount > LARGE_THRESHOLD, _draw(rng, self._large, n), _draw(rng, self._small, n)
        ).astype(object)
        channel[cross] = "wire"
        pattern_id = np.empty(n, dtype=object)
        return {
            "txn_id": self._ids.take_objects(n),
            "from_account": self.account_ids[sender],
            "to_account": self.account_ids[receiver],
            "amount": amount,
            "currency": currency,
            "timestamp": self.times.sample(rng, n),
            "channel": channel,
            "is_cross_border": cross,
            "pattern_id": pattern_id,
        }


__all__ = ["TransactionGenerator"]
