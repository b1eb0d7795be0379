"""PersonGenerator: natural persons (retail customers) drawn column-wise with numpy."""

from __future__ import annotations

from datetime import date

import numpy as np

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.base import (
    ONE_DAY,
    ColumnGenerator,
    check_count,
    object_array,
    to_day,
    years_before,
)
from banking.data_generators.vocabulary import Vocabulary
from banking.ids import IdSequence
from banking.models import Person
from banking.seeding import stream_rng

MIN_AGE = 18
MAX_AGE = 95
PEP_RATE = 0.015  # politically exposed persons: ~1-2% of a retail book
SANCTIONS_RATE = 0.001


class PersonGenerator(ColumnGenerator[Person]):
    """Persons aged ``MIN_AGE``..``MAX_AGE`` on ``reference_date``, mostly US residents.

    ``pep_rate`` and ``sanctions_rate`` set the share of politically exposed and sanctioned
    persons; ids come from ``IdSequence(seed, "person")`` so other code can predict them.
    """

    model = Person

    def __init__(
        self,
        seed: int = 42,
        *,
        reference_date: date = REFERENCE_DATE,
        pep_rate: float = PEP_RATE,
        sanctions_rate: float = SANCTIONS_RATE,
    ) -> None:
        super().__init__(seed, reference_date=reference_date)
        self.pep_rate = float(pep_rate)
        self.sanctions_rate = float(sanctions_rate)
        self.vocab = Vocabulary()
        self._rng = stream_rng(self.seed, "persons")
        self._ids = IdSequence(self.seed, "person", "core")
        # Oldest: turns MAX_AGE + 1 tomorrow; youngest: turned MIN_AGE today.
        self._dob_first = to_day(years_before(reference_date, MAX_AGE + 1) + ONE_DAY)
        self._dob_last = to_day(years_before(reference_date, MIN_AGE))

    def generate_columns(self, n: int) -> dict[str, np.ndarray]:
        n = check_count(n)
        rng, v = self._rng, self.vocab
        first = v.sample(rng, v.first_names, v.first_name_p, n)
        last = v.sample(rng, v.last_names, v.last_name_p, n)
        # Adult age profile: a beta bump around the late 30s/40s over the 18..95 range.
        span = int((self._dob_last - self._dob_first).astype(np.int64))
        offset = np.floor(rng.beta(1.6, 2.4, n) * (span + 1)).astype(np.int64)
        dob = self._dob_last - np.minimum(offset, span).astype("timedelta64[D]")
        country = v.sample(rng, v.countries, v.country_p, n)
        foreign_born = rng.random(n) < 0.08
        nationality = np.where(
            foreign_born, v.sample(rng, v.countries, v.country_p, n), country
        ).astype(object)
        street = np.where(
            rng.random(n) < 0.5,
            v.sample(rng, v.last_names, v.last_name_p, n),
            v.sample(rng, v.first_names, v.first_name_p, n),
        )
        house = rng.integers(1, 10_000, n)
        suffix = v.sample(rng, v.street_suffixes, None, n)
        address = object_array(
            [
                f"{h} {s} {x}"
                for h, s, x in zip(house.tolist(), street.tolist(), suffix.tolist(), strict=True)
            ]
        )
        city = self._cities(rng, n)
        email = self._emails(rng, first, last, n)
        phone = self._phones(rng, n)
        tax_id = self._ssns(rng, n)
        is_pep = rng.random(n) < self.pep_rate
        is_sanctioned = rng.random(n) < self.sanctions_rate
        risk = rng.beta(2.0, 12.0, n) + 0.35 * is_pep + 0.6 * is_sanctioned
        risk_score = np.round(np.clip(risk, 0.0, 1.0), 3)
        return {
            "person_id": self._ids.take(n).astype(object),
            "first_name": first,
            "last_name": last,
            "date_of_birth": dob,
            "nationality": nationality,
            "address": address,
            "city": city,
            "country": country,
            "email": email,
            "phone": phone,
            "tax_id": tax_id,
            "is_pep": is_pep,
            "is_sanctioned": is_sanctioned,
            "risk_score": risk_score,
        }

    def _cities(self, rng: np.random.Generator, n: int) -> np.ndarray:
        v = self.vocab
        form = rng.integers(0, 4, n).tolist()
        prefix = v.sample(rng, v.city_prefixes, None, n).tolist()
        stem = v.sample(rng, v.first_names, v.first_name_p, n).tolist()
        surname = v.sample(rng, v.last_names, v.last_name_p, n).tolist()
        suffix = v.sample(rng, v.city_suffixes, None, n).tolist()
        state = v.sample(rng, v.states, None, n).tolist()
        out = []
        for f, p, s, ln, x, st in zip(form, prefix, stem, surname, suffix, state, strict=True):
            if f == 0:
                name = f"{p} {s}{x}"
            elif f == 1:
                name = f"{p} {s}"
            elif f == 2:
                name = f"{s}{x}"
            else:
                name = f"{ln}{x}"
            out.append(f"{name}, {st}")
        return object_array(out)

    def _emails(
        self, rng: np.random.Generator, first: np.ndarray, last: np.ndarray, n: int
    ) -> np.ndarray:
        v = self.vocab
        domain = v.sample(rng, v.email_domains, None, n).tolist()
        style = rng.integers(0, 3, n).tolist()
        number = rng.integers(1, 100, n).tolist()
        out = []
        for f, ln, d, s, k in zip(
            first.tolist(), last.tolist(), domain, style, number, strict=True
        ):
            f, ln = f.lower(), ln.lower()
            if s == 0:
                out.append(f"{f}.{ln}{k}@{d}")
            elif s == 1:
                out.append(f"{f[0]}{ln}{k}@{d}")
            else:
                out.append(f"{f}_{ln}{k}@{d}")
        return object_array(out)

    def _phones(self, rng: np.random.Generator, n: int) -> np.ndarray:
        area = rng.integers(201, 990, n).tolist()
        exchange = rng.integers(200, 1000, n).tolist()
        line = rng.integers(0, 10_000, n).tolist()
        return object_array(
            [f"+1-{a}-{e}-{x:04d}" for a, e, x in zip(area, exchange, line, strict=True)]
        )

    def _ssns(self, rng: np.random.Generator, n: int) -> np.ndarray:
        # SSN shape: area 001-899 except 666, group 01-99, serial 0001-9999.
        area = rng.integers(1, 899, n)
        area = np.where(area >= 666, area + 1, area).tolist()
        group = rng.integers(1, 100, n).tolist()
        serial = rng.integers(1, 10_000, n).tolist()
        return object_array(
            [f"{a:03d}-{g:02d}-{s:04d}" for a, g, s in zip(area, group, serial, strict=True)]
        )


__all__ = ["MAX_AGE", "MIN_AGE", "PersonGenerator"]
