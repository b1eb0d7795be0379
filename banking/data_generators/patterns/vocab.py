"""Small fixed vocabularies and formats for the persons, companies and accounts a typology creates.

Typologies create few entities, so a short built-in vocabulary is enough; keeping it here (not
in Faker) means a Faker upgrade never changes injected data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony "
    "Sandra Mark Ashley Paul Emily Steven Donna Andrew Michelle Kevin Carol Brian Amanda"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen"
).split()
STREETS = (
    "Oak Maple Cedar Pine Elm Washington Lake Hill Park Main Church Mill River Spring Sunset "
    "Highland Forest Meadow Ridge Valley"
).split()
STREET_SUFFIXES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Place")
CITIES = (
    "Springfield Riverside Franklin Greenville Bristol Clinton Fairview Salem Madison "
    "Georgetown Arlington Ashland Dover Oxford Milton Newport"
).split()
COMPANY_WORDS = (
    "Apex Summit Harbor Meridian Crescent Atlas Beacon Northstar Sterling Granite Horizon "
    "Pinnacle Vertex Cobalt Falcon Orion Silverline Keystone Bluewater Evergreen"
).split()
COMPANY_SUFFIXES = ("Holdings Ltd", "Capital LLC", "Trading Ltd", "Ventures Inc", "Group SA")
INDUSTRIES = ("holding", "trading", "consulting", "real_estate", "logistics", "import_export")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

# IBAN countries with all-digit BBANs: (country, BBAN length).
IBAN_COUNTRIES = (("DE", 18), ("ES", 20), ("AT", 16), ("BE", 12), ("PL", 24), ("FI", 14))


class Spec:
    """A value made from bounded random integers: its ``(low, high)`` bounds, in draw order, and
    ``make``, which turns as many integers into the value.

    Specs exist so that :func:`draw` can draw the integers of many values (all the fields of a
    new person, say) in one numpy call instead of one call per value.
    """

    __slots__ = ("bounds", "highs", "lows", "make")

    def __init__(self, bounds: tuple[tuple[int, int], ...], make: Callable[..., Any]) -> None:
        self.bounds = bounds
        self.lows = tuple(low for low, _ in bounds)
        self.highs = tuple(high for _, high in bounds)
        self.make = make


class Record:
    """Specs that are always drawn together (the fields of a new company): like
    ``draw(rng, *specs)``, with the bounds laid out as arrays once instead of per call."""

    __slots__ = ("_highs", "_lows", "_specs")

    def __init__(self, *specs: Spec) -> None:
        self._specs = specs
        self._lows = np.array([low for spec in specs for low in spec.lows], dtype=np.int64)
        self._highs = np.array([high for spec in specs for high in spec.highs], dtype=np.int64)

    def draw(self, rng: np.random.Generator) -> list[Any]:
        return _make(self._specs, rng.integers(self._lows, self._highs).tolist())


def integer(low: int, high: int) -> Spec:
    """An integer in ``[low, high)``: what ``int(rng.integers(low, high))`` gives."""
    return Spec(((low, high),), int)


def choice(values: Sequence[str]) -> Spec:
    """One of ``values``: what :func:`pick` gives."""
    return Spec(((0, len(values)),), values.__getitem__)


def _join_digits(*numbers: int) -> str:
    return "".join(map(str, numbers))


def digit_string(n: int) -> Spec:
    """``n`` decimal digits: what :func:`digits` gives."""
    return Spec(((0, 10),) * n, _join_digits)


def _address(number: int, unit: int, street: int, suffix: int) -> str:
    return f"{number} {STREETS[street]} {STREET_SUFFIXES[suffix]}, Unit {unit}"


def _phone(area: int, exchange: int, *last: int) -> str:
    return f"+1-{area}-{exchange}-{_join_digits(*last)}"


def _company_name(word: int, suffix: int) -> str:
    return f"{COMPANY_WORDS[word]} {COMPANY_SUFFIXES[suffix]}"


def _person_tax_id(*d: int) -> str:
    return f"{_join_digits(*d[:3])}-{_join_digits(*d[3:5])}-{_join_digits(*d[5:])}"


def _company_tax_id(*d: int) -> str:
    return f"{_join_digits(*d[:2])}-{_join_digits(*d[2:])}"


def _registration(*d: int) -> str:
    return f"REG{_join_digits(*d)}"


# The fields of the entities a typology creates (builder.Instance.new_person, new_company).
ADDRESS = Spec(((1, 100_000), (1, 1000), (0, len(STREETS)), (0, len(STREET_SUFFIXES))), _address)
PHONE = Spec(((201, 990), (201, 1000), *digit_string(4).bounds), _phone)
FIRST_NAME = choice(FIRST_NAMES)
LAST_NAME = choice(LAST_NAMES)
CITY = choice(CITIES)
EMAIL_DOMAIN = choice(EMAIL_DOMAINS)
PERSON_TAX_ID = Spec(digit_string(9).bounds, _person_tax_id)
COMPANY_NAME = Spec(((0, len(COMPANY_WORDS)), (0, len(COMPANY_SUFFIXES))), _company_name)
REGISTRATION_NUMBER = Spec(digit_string(9).bounds, _registration)
COMPANY_COUNTRY = choice(("US", "GB", "CY", "MT", "LU", "PA", "VG"))
INDUSTRY = choice(INDUSTRIES)
COMPANY_TAX_ID = Spec(digit_string(9).bounds, _company_tax_id)
PERSON_AGE_DAYS = integer(18 * 366, 75 * 365)
BALANCE_CENTS = integer(0, 200_000)
BBAN = {country: digit_string(length) for country, length in IBAN_COUNTRIES}
# A new company's random fields: incorporated this many days ago, name, registration number,
# country, industry, address, phone, tax id.
COMPANY = Record(
    integer(60, 20 * 365),
    COMPANY_NAME,
    REGISTRATION_NUMBER,
    COMPANY_COUNTRY,
    INDUSTRY,
    ADDRESS,
    PHONE,
    COMPANY_TAX_ID,
)


def draw(rng: np.random.Generator, *specs: Spec | Any) -> list[Any]:
    """One value per spec, from one ``rng.integers`` call for all their integers; an argument
    that is not a ``Spec`` is a value given by the caller and comes back as it is.

    The values are those of drawing each integer on its own, in the same order
    (``int(rng.integers(low, high))`` one after the other), and the stream continues the same:
    numpy draws every bounded 64-bit integer whose range fits 32 bits from the generator's
    32-bit stream with the same rejection method, whether it is drawn alone or as an element of
    an array with its own bounds (``tests/unit/data_generators/patterns/test_vocab_draw.py``
    pins this). One call costs about as much as four single draws.
    """
    lows: tuple[int, ...] = ()
    highs: tuple[int, ...] = ()
    for spec in specs:
        if isinstance(spec, Spec):
            lows += spec.lows
            highs += spec.highs
    return _make(specs, rng.integers(lows, highs).tolist() if lows else [])


def _make(specs: tuple[Spec | Any, ...], numbers: list[int]) -> list[Any]:
    """Each spec's value from its share of ``numbers`` (in order); other values as they are."""
    values: list[Any] = []
    at = 0
    for spec in specs:
        if isinstance(spec, Spec):
            end = at + len(spec.lows)
            values.append(spec.make(*numbers[at:end]))
            at = end
        else:
            values.append(spec)
    return values


def pick(rng: np.random.Generator, values: tuple[str, ...] | list[str]) -> str:
    return values[int(rng.integers(len(values)))]


def digits(rng: np.random.Generator, n: int) -> str:
    # ASCII codes in one buffer: the same string as joining str() of each numpy digit, ~10x
    # faster (that per-digit loop was a seventh of the typologies' time).
    return (rng.integers(0, 10, size=n) + ord("0")).astype(np.uint8).tobytes().decode("ascii")


def iban(rng: np.random.Generator) -> tuple[str, str]:
    """An IBAN with valid ISO 13616 check digits, and its country."""
    country, length = IBAN_COUNTRIES[int(rng.integers(len(IBAN_COUNTRIES)))]
    bban = digits(rng, length)
    return iban_of(country, bban), country


def iban_of(country: str, bban: str) -> str:
    """The IBAN of ``country`` and the all-digit ``bban``, with its ISO 13616 check digits."""
    letters = "".join(str(ord(c) - 55) for c in country)
    check = 98 - int(bban + letters + "00") % 97
    return f"{country}{check:02d}{bban}"


def iban_is_valid(value: str) -> bool:
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def address(rng: np.random.Generator) -> str:
    return draw(rng, ADDRESS)[0]


def phone(rng: np.random.Generator) -> str:
    return draw(rng, PHONE)[0]
