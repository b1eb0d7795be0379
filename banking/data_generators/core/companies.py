"""CompanyGenerator: legal entities (business customers) drawn column-wise with numpy."""

from __future__ import annotations

from datetime import date

import numpy as np

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.base import (
    ColumnGenerator,
    check_count,
    object_array,
    to_day,
    years_before,
)
from banking.data_generators.vocabulary import Vocabulary
from banking.ids import IdSequence
from banking.models import Company
from banking.seeding import stream_rng

SHELL_RATE = 0.002  # background shells; typologies add their own
SANCTIONS_RATE = 0.001
MAX_COMPANY_AGE_YEARS = 80


class CompanyGenerator(ColumnGenerator[Company]):
    """Companies incorporated up to ``MAX_COMPANY_AGE_YEARS`` before ``reference_date``."""

    model = Company

    def __init__(
        self,
        seed: int = 42,
        *,
        reference_date: date = REFERENCE_DATE,
        shell_rate: float = SHELL_RATE,
        sanctions_rate: float = SANCTIONS_RATE,
    ) -> None:
        super().__init__(seed, reference_date=reference_date)
        self.shell_rate = float(shell_rate)
        self.sanctions_rate = float(sanctions_rate)
        self.vocab = Vocabulary()
        self._rng = stream_rng(self.seed, "companies")
        self._ids = IdSequence(self.seed, "company", "core")
        self._last_day = to_day(reference_date) - np.timedelta64(1, "D")
        self._span = int(
            (self._last_day - to_day(years_before(reference_date, MAX_COMPANY_AGE_YEARS))).astype(
                np.int64
            )
        )

    def generate_columns(self, n: int) -> dict[str, np.ndarray]:
        n = check_count(n)
        rng, v = self._rng, self.vocab
        form = rng.integers(0, 4, n).tolist()
        a = v.sample(rng, v.last_names, v.last_name_cdf, n).tolist()
        b = v.sample(rng, v.last_names, v.last_name_cdf, n).tolist()
        c = v.sample(rng, v.last_names, v.last_name_cdf, n).tolist()
        suffix = v.sample(rng, v.company_suffixes, None, n).tolist()
        names = []
        for f, x, y, z, s in zip(form, a, b, c, suffix, strict=True):
            if f <= 1:
                names.append(f"{x} {s}")
            elif f == 2:
                names.append(f"{x}-{y} {s}")
            else:
                names.append(f"{x}, {y} and {z}")
        country = v.sample(rng, v.countries, v.country_cdf, n)
        state = v.sample(rng, v.states, None, n).tolist()
        reg = rng.integers(0, 10**8, n).tolist()
        p4 = v.pad4
        registration = object_array(
            [f"{s}-{p4[r // 10_000]}{p4[r % 10_000]}" for s, r in zip(state, reg, strict=True)]
        )
        industry = v.sample(rng, v.industries, v.industry_cdf, n)
        # Young firms dominate: exponential age, capped at the oldest allowed date.
        age = np.minimum(np.floor(rng.exponential(0.15, n) * self._span), self._span)
        incorporated = self._last_day - age.astype(np.int64).astype("timedelta64[D]")
        house = rng.integers(1, 10_000, n).tolist()
        street = v.sample(rng, v.last_names, v.last_name_cdf, n).tolist()
        street_suffix = v.sample(rng, v.street_suffixes, None, n).tolist()
        suite = rng.integers(100, 2000, n).tolist()
        address = object_array(
            [
                f"{h} {s} {x}, Suite {u}, {st}"
                for h, s, x, u, st in zip(house, street, street_suffix, suite, state, strict=True)
            ]
        )
        area = rng.integers(201, 990, n).tolist()
        exchange = rng.integers(200, 1000, n).tolist()
        line = rng.integers(0, 10_000, n).tolist()
        phone = object_array(
            [f"+1-{p}-{e}-{p4[x]}" for p, e, x in zip(area, exchange, line, strict=True)]
        )
        # EIN shape: two-digit campus prefix, seven digits.
        prefix = rng.integers(10, 99, n).tolist()
        serial = rng.integers(0, 10**7, n).tolist()
        p3 = v.pad3
        tax_id = object_array(
            [f"{p}-{p3[s // 10_000]}{p4[s % 10_000]}" for p, s in zip(prefix, serial, strict=True)]
        )
        return {
            "company_id": self._ids.take_objects(n),
            "name": object_array(names),
            "registration_number": registration,
            "country": country,
            "industry": industry,
            "incorporation_date": incorporated,
            "address": address,
            "phone": phone,
            "tax_id": tax_id,
            "is_shell": rng.random(n) < self.shell_rate,
            "is_sanctioned": rng.random(n) < self.sanctions_rate,
        }


__all__ = ["CompanyGenerator"]
