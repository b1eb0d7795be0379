"""Pydantic v2 models of the bank's entities and of the AML ground truth.

Validation sits where a wrong value would silently corrupt a benchmark or a detection result:
positive amounts, ISO currency codes, ownership percentages in (0, 100], ids whose prefix
matches the declared owner type, and dates inside a plausible range. Bulk generation builds
these from already-valid columns without validation, and the typology records through a check
derived from these declarations (both ``banking.fast_models``); anything that enters from
outside (files, Kafka) goes through full validation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from banking.fast_models import share_field_keys

# Id prefixes: an id says what it identifies, which lets validators check owner references.
ID_PREFIX = {
    "person": "PER",
    "company": "COM",
    "account": "ACC",
    "transaction": "TXN",
    "communication": "MSG",
    "ownership": "OWN",
    "pattern": "PAT",
}

# ISO 4217 codes the generators use, plus the other widely traded ones.
ISO_CURRENCIES = frozenset(
    "USD EUR GBP JPY CHF CAD AUD NZD CNY HKD SGD SEK NOK DKK PLN CZK HUF RON BGN TRY RUB INR "
    "BRL MXN ZAR AED SAR ILS KRW TWD THB MYR IDR PHP VND ARS CLP COP PEN NGN KES EGP MAD PKR "
    "BDT UAH KZT QAR KWD BHD OMR".split()
)

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 1, 1)
MIN_TIMESTAMP = datetime(1970, 1, 1)
MAX_TIMESTAMP = datetime(2100, 1, 1)


class Typology(StrEnum):
    """AML typologies (AMLSim / AMLworld vocabulary)."""

    STRUCTURING = "structuring"
    FAN_IN = "fan_in"
    FAN_OUT = "fan_out"
    CYCLE = "cycle"
    SCATTER_GATHER = "scatter_gather"
    GATHER_SCATTER = "gather_scatter"
    BIPARTITE = "bipartite"
    STACK = "stack"
    MULE_CHAIN = "mule_chain"
    FRAUD_RING = "fraud_ring"
    OWNERSHIP_CHAIN = "ownership_chain"


OwnerType = Literal["person", "company"]
# The last two are payment formats of IBM AMLworld (used by the amlworld-* presets).
Channel = Literal[
    "wire", "ach", "card", "cash", "online", "mobile", "atm", "check", "reinvestment", "bitcoin"
]
CommChannel = Literal["phone", "email", "sms", "chat"]
Percentage = Annotated[float, Field(gt=0.0, le=100.0)]
PositiveAmount = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


def _check_prefix(value: str, kind: str) -> str:
    prefix = ID_PREFIX[kind] + "-"
    if not value.startswith(prefix):
        raise ValueError(f"{kind} id must start with {prefix!r}, got {value!r}")
    return value


def _id_of(kind: str) -> Callable[[str], str]:
    """The field validator of an id of ``kind``: one call, its prefix computed once (the
    typology records call it on every edge, see banking.fast_models)."""
    prefix = ID_PREFIX[kind] + "-"

    def check(value: str) -> str:
        if value.startswith(prefix):
            return value
        raise ValueError(f"{kind} id must start with {prefix!r}, got {value!r}")

    return check


def _check_date(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"date {value} outside {MIN_DATE}..{MAX_DATE}")
    return value


def _check_timestamp(value: datetime) -> datetime:
    naive = value if value.tzinfo is None else value.replace(tzinfo=None)
    if not MIN_TIMESTAMP <= naive <= MAX_TIMESTAMP:
        raise ValueError(f"timestamp {value} outside {MIN_TIMESTAMP}..{MAX_TIMESTAMP}")
    return value


def _check_currency(value: str) -> str:
    if value not in ISO_CURRENCIES:
        raise ValueError(f"not an ISO 4217 currency code: {value!r}")
    return value


class BankModel(BaseModel):
    """Common configuration: immutable records, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        share_field_keys(cls)


class Person(BankModel):
    person_id: str
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    date_of_birth: date
    nationality: str = Field(min_length=2, max_length=2)
    address: str
    city: str
    country: str = Field(min_length=2, max_length=2)
    email: str
    phone: str
    tax_id: str
    is_pep: bool = False
    is_sanctioned: bool = False
    risk_score: float = Field(default=0.0, ge=0.0, le=1.0)

    _id = field_validator("person_id")(_id_of("person"))
    _dob = field_validator("date_of_birth")(_check_date)


class Company(BankModel):
    company_id: str
    name: str = Field(min_length=1)
    registration_number: str
    country: str = Field(min_length=2, max_length=2)
    industry: str
    incorporation_date: date
    address: str
    phone: str
    tax_id: str
    is_shell: bool = False
    is_sanctioned: bool = False

    _id = field_validator("company_id")(_id_of("company"))
    _inc = field_validator("incorporation_date")(_check_date)


class Account(BankModel):
    account_id: str
    iban: str = Field(min_length=15, max_length=34)
    owner_id: str
    owner_type: OwnerType
    account_type: Literal["checking", "savings", "business", "investment", "loan"]
    currency: str
    opened_date: date
    balance: float = Field(allow_inf_nan=False)
    bank_country: str = Field(min_length=2, max_length=2)

    _id = field_validator("account_id")(_id_of("account"))
    _cur = field_validator("currency")(_check_currency)
    _opened = field_validator("opened_date")(_check_date)

    @model_validator(mode="after")
    def _owner_matches_type(self) -> Account:
        _check_prefix(self.owner_id, self.owner_type)
        return self


class Transaction(BankModel):
    txn_id: str
    from_account: str
    to_account: str
    amount: PositiveAmount
    currency: str
    timestamp: datetime
    channel: Channel
    is_cross_border: bool = False
    pattern_id: str | None = None

    _id = field_validator("txn_id")(_id_of("transaction"))
    _from = field_validator("from_account", "to_account")(_id_of("account"))
    _cur = field_validator("currency")(_check_currency)
    _ts = field_validator("timestamp")(_check_timestamp)

    @model_validator(mode="after")
    def _distinct_ends(self) -> Transaction:
        if self.from_account == self.to_account:
            raise ValueError("a transaction needs two different accounts")
        return self


class Communication(BankModel):
    comm_id: str
    from_person: str
    to_person: str
    channel: CommChannel
    timestamp: datetime
    duration_seconds: int = Field(default=0, ge=0)
    pattern_id: str | None = None

    _id = field_validator("comm_id")(_id_of("communication"))
    _ends = field_validator("from_person", "to_person")(_id_of("person"))
    _ts = field_validator("timestamp")(_check_timestamp)


class OwnershipLink(BankModel):
    link_id: str
    owner_id: str
    owner_type: OwnerType
    company_id: str
    pct: Percentage
    is_nominee: bool = False
    pattern_id: str | None = None

    _id = field_validator("link_id")(_id_of("ownership"))
    _company = field_validator("company_id")(_id_of("company"))

    @model_validator(mode="after")
    def _owner_matches_type(self) -> OwnershipLink:
        _check_prefix(self.owner_id, self.owner_type)
        if self.owner_id == self.company_id:
            raise ValueError("a company cannot own itself directly")
        return self


class Pattern(BankModel):
    """Ground truth of one injected typology instance.

    ``transaction_ids`` / ``link_ids`` / ``communication_ids`` are exactly the elements stamped
    with this ``pattern_id``; ``expected`` holds what a detector should report (for example the
    ultimate beneficial owners and their effective percentages for an ownership chain).
    """

    pattern_id: str
    typology: Typology
    account_ids: tuple[str, ...] = ()
    entity_ids: tuple[str, ...] = ()
    transaction_ids: tuple[str, ...] = ()
    link_ids: tuple[str, ...] = ()
    communication_ids: tuple[str, ...] = ()
    parameters: dict[str, Any] = Field(default_factory=dict)
    expected: dict[str, Any] = Field(default_factory=dict)

    _id = field_validator("pattern_id")(_id_of("pattern"))
