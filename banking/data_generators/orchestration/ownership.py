"""Background shareholdings: who owns the bank's ordinary companies, and with what percentage.

Each company gets one to four shareholders, mostly persons, sometimes another company, with
percentages from a Dirichlet split that sum to at most 100 (a free float is left for some).
Companies a typology already structures (for example an ownership chain) are skipped, so the
typology's expected beneficial owners stay exactly right.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from banking.data_generators.base import check_batch_size, object_array
from banking.ids import IdSequence
from banking.seeding import stream_rng

COMPANY_OWNER_SHARE = 0.15  # shareholders that are themselves companies
FREE_FLOAT_SHARE = 0.2  # companies with part of their equity not held by known owners
MAX_OWNERS = 4


class OwnershipGenerator:
    """Ownership-link columns for ``company_ids``, in batches of companies."""

    def __init__(
        self,
        seed: int,
        company_ids: np.ndarray,
        person_ids: np.ndarray,
        *,
        exclude: frozenset[str] = frozenset(),
    ) -> None:
        self.company_ids = np.asarray(company_ids, dtype=object)
        self.person_ids = np.asarray(person_ids, dtype=object)
        if self.person_ids.size == 0 and self.company_ids.size:
            raise ValueError("background ownership needs at least one person")
        self.exclude = exclude
        self._rng = stream_rng(seed, "ownership")
        self._ids = IdSequence(seed, "ownership", "core")

    def iter_columns(self, batch_size: int = 10_000) -> Iterator[dict[str, np.ndarray]]:
        size = check_batch_size(batch_size)
        for start in range(0, self.company_ids.size, size):
            batch = self.company_ids[start : start + size]
            if self.exclude:
                batch = batch[[c not in self.exclude for c in batch.tolist()]]
            yield self._links(batch)

    def _links(self, companies: np.ndarray) -> dict[str, np.ndarray]:
        rng = self._rng
        n = companies.size
        n_owners = np.minimum(1 + rng.poisson(0.7, n), MAX_OWNERS)
        total = int(n_owners.sum())
        company = np.repeat(companies, n_owners)
        # Dirichlet split per company via normalised gamma draws.
        gamma = rng.gamma(1.5, 1.0, total)
        group = np.repeat(np.arange(n), n_owners)
        sums = np.bincount(group, weights=gamma, minlength=n)
        held = np.where(rng.random(n) < FREE_FLOAT_SHARE, rng.uniform(40.0, 95.0, n), 100.0)
        # Each holder gets 0.01 plus a floored (to cents of a percent) share of the rest, so
        # every pct is > 0 and a company's holdings never sum above ``held`` <= 100.
        rest = held[group] - 0.01 * n_owners[group]
        pct = np.round(0.01 + np.floor(gamma / sums[group] * rest * 100.0) / 100.0, 2)
        by_company = (rng.random(total) < COMPANY_OWNER_SHARE) & (self.company_ids.size > 1)
        owner = self.person_ids[rng.integers(0, self.person_ids.size, total)]
        if by_company.any():
            k = int(by_company.sum())
            pick = rng.integers(0, self.company_ids.size, k)
            chosen = self.company_ids[pick]
            clash = chosen == company[by_company]
            chosen[clash] = self.company_ids[(pick[clash] + 1) % self.company_ids.size]
            owner[by_company] = chosen
        owner_type = np.where(by_company, "company", "person").astype(object)
        return {
            "link_id": self._ids.take_objects(total),
            "owner_id": owner,
            "owner_type": owner_type,
            "company_id": company,
            "pct": pct,
            "is_nominee": np.zeros(total, dtype=bool),
            "pattern_id": object_array([None] * total),
        }
