"""AccountGenerator: bank accounts owned by existing persons or companies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.base import ColumnGenerator, check_count, object_array, to_day
from banking.data_generators.core.iban import random_ibans
from banking.data_generators.vocabulary import Vocabulary
from banking.errors import UsageError
from banking.ids import IdSequence
from banking.models import ID_PREFIX, Account
from banking.seeding import stream_rng

# Owners assumed when none are given: the first ids PersonGenerator / CompanyGenerator of the
# same seed produce, so AccountGenerator(seed) alone still refers to real entities.
DEFAULT_OWNER_PERSONS = 10_000
DEFAULT_OWNER_COMPANIES = 1_000
MAX_ACCOUNT_AGE_DAYS = 30 * 365
DOMESTIC_SHARE = 0.9  # accounts held at the home (US) bank rather than a foreign branch
FOREIGN_CURRENCY_SHARE = 0.05

PERSON_ACCOUNT_TYPES = (("checking", 0.55), ("savings", 0.33), ("investment", 0.08), ("loan", 0.04))
COMPANY_ACCOUNT_TYPES = (("business", 0.8), ("savings", 0.08), ("investment", 0.06), ("loan", 0.06))
# Balance distribution per account type: (log-mean, log-sigma, sign).
BALANCE = {
    "checking": (7.6, 1.3, 1.0),
    "savings": (9.0, 1.5, 1.0),
    "investment": (10.4, 1.6, 1.0),
    "business": (10.6, 1.8, 1.0),
    "loan": (10.0, 1.1, -1.0),
}


def default_owner_ids(seed: int) -> np.ndarray:
    persons = IdSequence(seed, "person", "core").take(DEFAULT_OWNER_PERSONS)
    companies = IdSequence(seed, "company", "core").take(DEFAULT_OWNER_COMPANIES)
    return np.concatenate([persons, companies]).astype(object)


def owner_types(owner_ids: np.ndarray) -> np.ndarray:
    """``"person"`` / ``"company"`` per id, from its prefix; UsageError for anything else."""
    ids = np.asarray(owner_ids, dtype=str)
    is_person = np.char.startswith(ids, ID_PREFIX["person"] + "-")
    is_company = np.char.startswith(ids, ID_PREFIX["company"] + "-")
    if not np.all(is_person | is_company):
        bad = ids[~(is_person | is_company)][0]
        raise UsageError(f"account owners must be person or company ids, got {bad!r}")
    return np.where(is_person, "person", "company").astype(object)


def _choice(rng: np.random.Generator, table: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    values = object_array([name for name, _ in table])
    cdf = np.cumsum([w for _, w in table])
    return values[
        np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), len(table) - 1)
    ]


class AccountGenerator(ColumnGenerator[Account]):
    """Accounts whose owners are drawn uniformly from ``owner_ids`` (persons and/or companies).

    Without ``owner_ids`` the owners are the first ``DEFAULT_OWNER_PERSONS`` persons and
    ``DEFAULT_OWNER_COMPANIES`` companies of the same seed.
    """

    model = Account

    def __init__(
        self,
        seed: int = 42,
        owner_ids: Sequence[str] | np.ndarray | None = None,
        *,
        reference_date: date = REFERENCE_DATE,
    ) -> None:
        super().__init__(seed, reference_date=reference_date)
        owners = (
            default_owner_ids(self.seed)
            if owner_ids is None
            else np.asarray(owner_ids, dtype=object)
        )
        if owners.ndim != 1 or owners.size == 0:
            raise UsageError("AccountGenerator needs at least one owner id")
        self.owner_ids = owners
        self.owner_types = owner_types(owners)
        self.vocab = Vocabulary()
        self._rng = stream_rng(self.seed, "accounts")
        self._ids = IdSequence(self.seed, "account", "core")
        self._last_day = to_day(reference_date) - np.timedelta64(1, "D")

    def generate_columns(self, n: int) -> dict[str, np.ndarray]:
        n = check_count(n)
        rng, v = self._rng, self.vocab
        pick = rng.integers(0, self.owner_ids.size, n)
        owner_id, owner_type = self.owner_ids[pick], self.owner_types[pick]
        is_person = owner_type == "person"
        account_type = np.where(
            is_person, _choice(rng, PERSON_ACCOUNT_TYPES, n), _choice(rng, COMPANY_ACCOUNT_TYPES, n)
        ).astype(object)
        domestic = rng.random(n) < DOMESTIC_SHARE
        bank_country = np.where(
            domestic, "US", v.sample(rng, v.countries, v.country_cdf, n)
        ).astype(object)
        home_currency = object_array([v.currency_of[c] for c in bank_country.tolist()])
        foreign = rng.random(n) < FOREIGN_CURRENCY_SHARE
        currency = np.where(
            foreign, v.sample(rng, v.foreign_currencies, v.foreign_currency_cdf, n), home_currency
        ).astype(object)
        age = np.minimum(
            np.floor(rng.exponential(0.25, n) * MAX_ACCOUNT_AGE_DAYS), MAX_ACCOUNT_AGE_DAYS
        )
        opened = self._last_day - age.astype(np.int64).astype("timedelta64[D]")
        balance = np.zeros(n)
        normal = rng.standard_normal(n)
        for kind, (mu, sigma, sign) in BALANCE.items():
            mask = account_type == kind
            balance[mask] = sign * np.exp(mu + sigma * normal[mask])
        iban = np.empty(n, dtype=object)
        for country in np.unique(bank_country.astype(str)).tolist():  # sorted: deterministic
            mask = bank_country == country
            iban[mask] = random_ibans(rng, country, int(mask.sum()))
        return {
            "account_id": self._ids.take_objects(n),
            "iban": iban,
            "owner_id": owner_id,
            "owner_type": owner_type,
            "account_type": account_type,
            "currency": currency,
            "opened_date": opened,
            "balance": np.round(balance, 2),
            "bank_country": bank_country,
        }


__all__ = ["AccountGenerator", "default_owner_ids", "owner_types"]
