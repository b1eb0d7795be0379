"""Faker's en_US locale vocabularies as numpy arrays, for vectorised sampling.

Faker is used only as a source of word lists and their frequency weights: never its RNG and
never one Faker call per record. Values are object arrays of the vocabulary's own ``str``
objects, so a million sampled first names share a few hundred string objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from faker.providers.address import en_US as faker_address
from faker.providers.company import en_US as faker_company
from faker.providers.internet import en_US as faker_internet
from faker.providers.person import en_US as faker_person

# Country of residence / bank country with weights: a US bank with a foreign clientele.
COUNTRIES: tuple[tuple[str, float], ...] = (
    ("US", 0.86),
    ("GB", 0.02),
    ("CA", 0.02),
    ("MX", 0.02),
    ("DE", 0.015),
    ("FR", 0.01),
    ("NL", 0.008),
    ("CH", 0.007),
    ("ES", 0.007),
    ("IT", 0.007),
    ("IN", 0.01),
    ("CN", 0.008),
    ("AE", 0.004),
    ("SG", 0.004),
    ("HK", 0.003),
    ("CY", 0.002),
    ("PA", 0.002),
    ("KY", 0.002),
)

# Home currency of each country above.
CURRENCY_OF = {
    "US": "USD",
    "GB": "GBP",
    "CA": "CAD",
    "MX": "MXN",
    "DE": "EUR",
    "FR": "EUR",
    "NL": "EUR",
    "CH": "CHF",
    "ES": "EUR",
    "IT": "EUR",
    "IN": "INR",
    "CN": "CNY",
    "AE": "AED",
    "SG": "SGD",
    "HK": "HKD",
    "CY": "EUR",
    "PA": "USD",
    "KY": "USD",
}

# International calling code of each country above.
CALLING_CODE = {
    "US": "1", "GB": "44", "CA": "1", "MX": "52", "DE": "49", "FR": "33", "NL": "31",
    "CH": "41", "ES": "34", "IT": "39", "IN": "91", "CN": "86", "AE": "971", "SG": "65",
    "HK": "852", "CY": "357", "PA": "507", "KY": "1",
}  # fmt: skip

# Foreign currencies of cross-border payments, with weights.
FOREIGN_CURRENCIES: tuple[tuple[str, float], ...] = (
    ("EUR", 0.35),
    ("GBP", 0.15),
    ("CAD", 0.1),
    ("MXN", 0.1),
    ("CHF", 0.05),
    ("JPY", 0.05),
    ("CNY", 0.05),
    ("INR", 0.05),
    ("HKD", 0.03),
    ("SGD", 0.03),
    ("AED", 0.04),
)

# NAICS-style sectors with rough shares of registered businesses.
INDUSTRIES: tuple[tuple[str, float], ...] = (
    ("retail trade", 0.12),
    ("professional services", 0.12),
    ("construction", 0.1),
    ("health care", 0.09),
    ("accommodation and food", 0.08),
    ("real estate", 0.08),
    ("manufacturing", 0.07),
    ("transportation and logistics", 0.05),
    ("wholesale trade", 0.05),
    ("finance and insurance", 0.05),
    ("information technology", 0.05),
    ("agriculture", 0.03),
    ("arts and entertainment", 0.03),
    ("education", 0.02),
    ("import and export", 0.02),
    ("money services", 0.01),
    ("precious metals and jewelry", 0.01),
    ("gaming", 0.01),
    ("holding company", 0.01),
)


def _weighted(
    items: Mapping[str, float] | Iterable[tuple[str, float]],
) -> tuple[np.ndarray, np.ndarray]:
    pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
    values = np.empty(len(pairs), dtype=object)
    values[:] = [name for name, _ in pairs]
    cdf = np.cumsum(np.array([w for _, w in pairs], dtype=np.float64))
    return values, cdf / cdf[-1]


def _uniform(items: Iterable[str]) -> np.ndarray:
    seq = list(items)
    values = np.empty(len(seq), dtype=object)
    values[:] = seq
    return values


class Vocabulary:
    """Word lists with sampling weights; build one per generator (it is cheap, ~1 ms)."""

    def __init__(self) -> None:
        people = faker_person.Provider
        first = dict(people.first_names_female)
        for name, weight in people.first_names_male.items():
            first[name] = first.get(name, 0.0) + weight
        self.first_names, self.first_name_cdf = _weighted(sorted(first.items()))
        self.last_names, self.last_name_cdf = _weighted(people.last_names)
        address = faker_address.Provider
        self.street_suffixes = _uniform(address.street_suffixes)
        self.city_prefixes = _uniform(address.city_prefixes)
        self.city_suffixes = _uniform(address.city_suffixes)
        self.states = _uniform(address.states_abbr)
        self.company_suffixes = _uniform(faker_company.Provider.company_suffixes)
        self.email_domains = _uniform(faker_internet.Provider.free_email_domains)
        self.countries, self.country_cdf = _weighted(COUNTRIES)
        self.foreign_currencies, self.foreign_currency_cdf = _weighted(FOREIGN_CURRENCIES)
        self.industries, self.industry_cdf = _weighted(INDUSTRIES)
        self.currency_of = dict(CURRENCY_OF)
        self.calling_code = dict(CALLING_CODE)
        self.first_names_lower = _uniform(name.lower() for name in self.first_names)
        self.first_initials_lower = _uniform(name[0].lower() for name in self.first_names)
        self.last_names_lower = _uniform(name.lower() for name in self.last_names)
        # Zero-padded decimal strings by value: formatting by lookup beats f"{x:04d}" per row.
        # Built by concatenating two-digit strings (value order is preserved): 5x faster than
        # formatting 11,100 integers, which was half of building a Vocabulary.
        self.pad2 = [f"{i:02d}" for i in range(100)]
        self.pad3 = [d + p for d in "0123456789" for p in self.pad2]
        self.pad4 = [a + b for a in self.pad2 for b in self.pad2]

    @staticmethod
    def index(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
        """``n`` indices drawn by inverse CDF (``cdf`` cumulative, ending at 1): O(n log k)."""
        idx = np.searchsorted(cdf, rng.random(n), side="right")
        return np.minimum(idx, len(cdf) - 1)

    def sample(
        self, rng: np.random.Generator, values: np.ndarray, cdf: np.ndarray | None, n: int
    ) -> np.ndarray:
        """``n`` draws from ``values``: uniform, or weighted by the cumulative ``cdf``."""
        if cdf is None:
            return values[rng.integers(0, len(values), n)]
        return values[self.index(rng, cdf, n)]
