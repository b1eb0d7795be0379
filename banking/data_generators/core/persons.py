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
        first_idx = v.index(rng, v.first_name_cdf, n)
        last_idx = v.index(rng, v.last_name_cdf, n)
        first, last = v.first_names[first_idx], v.last_names[last_idx]
        # Adult age profile: a beta bump around the late 30s/40s over the 18..95 range.
        span = int((self._dob_last - self._dob_first).astype(np.int64))
        offset = np.floor(rng.beta(1.6, 2.4, n) * (span + 1)).astype(np.int64)
        dob = self._dob_last - np.minimum(offset, span).astype("timedelta64[D]")
        country = v.sample(rng, v.countries, v.country_cdf, n)
        foreign_born = rng.random(n) < 0.08
        nationality = np.where(
            foreign_born, v.sample(rng, v.countries, v.country_cdf, n), country
        ).astype(object)
        street = np.where(
            rng.random(n) < 0.5,
            v.sample(rng, v.last_names, v.last_name_cdf, n),
            v.sample(rng, v.first_names, v.first_name_cdf, n),
        )
        house = rng.integers(1, 10_000, n)
        suffix = v.sample(rng, v.street_suffixes, None, n)
        address = object_array(
            [
                f"{h} {s} {x}"
                for h, s, x in zip(house.tolist(), street.tolist(), suffix.tolist(), strict=True)
            ]
        )
        city = self._cities(rng, country, n)
        email = self._emails(rng, first_idx, last_idx, n)
        phone = self._phones(rng, country, n)
        tax_id = self._ssns(rng, n)
        is_pep = rng.random(n) < self.pep_rate
        is_sanctioned = rng.random(n) < self.sanctions_rate
        risk = rng.beta(2.0, 12.0, n) + 0.35 * is_pep + 0.6 * is_sanctioned
        risk_score = np.round(np.clip(risk, 0.0, 1.0), 3)
        return {
            "person_id": self._ids.take_objects(n),
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

    def _cities(self, rng: np.random.Generator, country: np.ndarray, n: int) -> np.ndarray:
        """``Town, ST`` for US residents, ``Town, CC`` (country code) for the others."""
        v = self.vocab
        form = rng.integers(0, 4, n).tolist()
        prefix = v.sample(rng, v.city_prefixes, None, n).tolist()
        stem = v.sample(rng, v.first_names, v.first_name_cdf, n).tolist()
        surname = v.sample(rng, v.last_names, v.last_name_cdf, n).tolist()
        suffix = v.sample(rng, v.city_suffixes, None, n).tolist()
        state = np.where(country == "US", v.sample(rng, v.states, None, n), country).tolist()
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
        self, rng: np.random.Generator, first_idx: np.ndarray, last_idx: np.ndarray, n: int
    ) -> np.ndarray:
        """``first.last42@``, ``flast42@`` or ``first_last42@`` a free mail domain."""
        v = self.vocab
        domain = v.sample(rng, v.email_domains, None, n).tolist()
        style = rng.integers(0, 3, n)
        number = rng.integers(1, 100, n).tolist()
        head = np.where(
            style == 1, v.first_initials_lower[first_idx], v.first_names_lower[first_idx]
        ).tolist()
        sep = np.array([".", "", "_"], dtype=object)[style].tolist()
        last = v.last_names_lower[last_idx].tolist()
        return object_array(
            [
                f"{h}{s}{ln}{k}@{d}"
                for h, s, ln, k, d in zip(head, sep, last, number, domain, strict=True)
            ]
        )

    def _phones(self, rng: np.random.Generator, country: np.ndarray, n: int) -> np.ndarray:
        """NANP-shaped numbers behind the country's calling code."""
        code = self.vocab.calling_code
        prefix = [code[c] for c in country.tolist()]
        area = rng.integers(201, 990, n).tolist()
        exchange = rng.integers(200, 1000, n).tolist()
        line = rng.integers(0, 10_000, n).tolist()
        pad4 = self.vocab.pad4
        return object_array(
            [
                f"+{p}-{a}-{e}-{pad4[x]}"
                for p, a, e, x in zip(prefix, area, exchange, line, strict=True)
            ]
        )

    def _ssns(self, rng: np.random.Generator, n: int) -> np.ndarray:
        # SSN shape: area 001-899 except 666, group 01-99, serial 0001-9999.
        area = rng.integers(1, 899, n)
        area = np.where(area >= 666, area + 1, area).tolist()
        group = rng.integers(1, 100, n).tolist()
        serial = rng.integers(1, 10_000, n).tolist()
        p2, p3, p4 = self.vocab.pad2, self.vocab.pad3, self.vocab.pad4
        return object_array(
            [f"{p3[a]}-{p2[g]}-{p4[s]}" for a, g, s in zip(area, group, serial, strict=True)]
        )


__all__ = ["MAX_AGE", "MIN_AGE", "PersonGenerator"]
