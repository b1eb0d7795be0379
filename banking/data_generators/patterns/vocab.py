"""Small fixed vocabularies and formats for the persons, companies and accounts a typology creates.

Typologies create few entities, so a short built-in vocabulary is enough; keeping it here (not
in Faker) means a Faker upgrade never changes injected data.
"""

from __future__ import annotations

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
    letters = "".join(str(ord(c) - 55) for c in country)
    check = 98 - int(bban + letters + "00") % 97
    return f"{country}{check:02d}{bban}", country


def iban_is_valid(value: str) -> bool:
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def address(rng: np.random.Generator) -> str:
    number, unit = int(rng.integers(1, 100_000)), int(rng.integers(1, 1000))
    return f"{number} {pick(rng, STREETS)} {pick(rng, STREET_SUFFIXES)}, Unit {unit}"


def phone(rng: np.random.Generator) -> str:
    area, exchange = int(rng.integers(201, 990)), int(rng.integers(201, 1000))
    return f"+1-{area}-{exchange}-{digits(rng, 4)}"
