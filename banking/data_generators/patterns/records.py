"""The edges a typology creates (transactions, communications, ownership links), built without
pydantic validation when plain checks show that validation would accept the values and return
them unchanged.

Full validation cost 2-3.3 us per transaction, the largest single cost of the transfer-only
typologies, for values the typology built itself and that always pass. Each function here
checks, in plain Python, what validation would check or convert (exact types, id
prefixes, ranges, distinct ends, ...); if all pass it sets the fields directly, as validation
does (one dict in field order, the given fields as the fields-set), so the model is the same.
If any check fails it falls back to full validation, so an invalid value (an id of a
``PatternContext`` without its prefix, duplicate account ids) raises the same
``ValidationError`` as before. ``tests/unit/data_generators/patterns/test_records.py`` pins both.

Persons, companies, accounts and patterns are still validated: their validation (1.7-2 us) is
no dearer than these checks would be.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar, get_args

from pydantic import BaseModel

from banking.data_generators.base import slot_setter
from banking.models import (
    ID_PREFIX,
    ISO_CURRENCIES,
    MAX_TIMESTAMP,
    MIN_TIMESTAMP,
    Channel,
    CommChannel,
    Communication,
    OwnershipLink,
    Transaction,
)

M = TypeVar("M", bound=BaseModel)

_CHANNELS = frozenset(get_args(Channel))
_COMM_CHANNELS = frozenset(get_args(CommChannel))
_PREFIX = {kind: f"{prefix}-" for kind, prefix in ID_PREFIX.items()}  # the models' prefixes
_OWNER_PREFIX = {kind: _PREFIX[kind] for kind in ("person", "company")}
_INF = float("inf")
_ONLY_STR = frozenset({str})


def _strs(*values: object) -> bool:
    """Every value is exactly a ``str`` (validation converts a subclass)."""
    return _ONLY_STR.issuperset(map(type, values))


def _moment(value: object) -> bool:
    return (
        type(value) is datetime
        and value.tzinfo is None  # type: ignore[attr-defined]
        and MIN_TIMESTAMP <= value <= MAX_TIMESTAMP  # type: ignore[operator]
    )


def _ref(value: object, prefix: str) -> bool:
    return type(value) is str and value.startswith(prefix)  # type: ignore[attr-defined]


def _owner(owner_id: object, owner_type: object) -> bool:
    """``owner_type`` is a literal of the model and ``owner_id`` has its prefix."""
    prefix = _OWNER_PREFIX.get(owner_type) if type(owner_type) is str else None  # type: ignore[call-overload]
    return prefix is not None and _ref(owner_id, prefix)


_SET_DICT = slot_setter(BaseModel, "__dict__")
_SET_FIELDS_SET = slot_setter(BaseModel, "__pydantic_fields_set__")
_SET_EXTRA = slot_setter(BaseModel, "__pydantic_extra__")
_SET_PRIVATE = slot_setter(BaseModel, "__pydantic_private__")


def _set(model: type[M], values: dict[str, Any]) -> M:
    """The model with ``values`` (every field, in field order) as its fields and its
    fields-set, set the way validation sets them."""
    instance = model.__new__(model)
    _SET_DICT(instance, values)
    _SET_FIELDS_SET(instance, set(values))
    _SET_EXTRA(instance, None)
    _SET_PRIVATE(instance, None)
    return instance


def transaction(
    *,
    txn_id: str,
    from_account: str,
    to_account: str,
    amount: float,
    currency: str,
    timestamp: datetime,
    channel: str,
    is_cross_border: bool,
    pattern_id: str | None,
) -> Transaction:
    values = {
        "txn_id": txn_id,
        "from_account": from_account,
        "to_account": to_account,
        "amount": amount,
        "currency": currency,
        "timestamp": timestamp,
        "channel": channel,
        "is_cross_border": is_cross_border,
        "pattern_id": pattern_id,
    }
    if (
        _strs(txn_id, from_account, to_account, currency, channel)
        and txn_id.startswith(_PREFIX["transaction"])
        and from_account.startswith(_PREFIX["account"])
        and to_account.startswith(_PREFIX["account"])
        and from_account != to_account
        and type(amount) is float
        and 0.0 < amount < _INF
        and currency in ISO_CURRENCIES
        and channel in _CHANNELS
        and _moment(timestamp)
        and type(is_cross_border) is bool
        and (pattern_id is None or type(pattern_id) is str)
    ):
        return _set(Transaction, values)
    return Transaction(**values)


def communication(
    *,
    comm_id: str,
    from_person: str,
    to_person: str,
    channel: str,
    timestamp: datetime,
    duration_seconds: int,
    pattern_id: str | None,
) -> Communication:
    values = {
        "comm_id": comm_id,
        "from_person": from_person,
        "to_person": to_person,
        "channel": channel,
        "timestamp": timestamp,
        "duration_seconds": duration_seconds,
        "pattern_id": pattern_id,
    }
    if (
        _strs(comm_id, from_person, to_person, channel)
        and comm_id.startswith(_PREFIX["communication"])
        and from_person.startswith(_PREFIX["person"])
        and to_person.startswith(_PREFIX["person"])
        and channel in _COMM_CHANNELS
        and _moment(timestamp)
        and type(duration_seconds) is int
        and duration_seconds >= 0
        and (pattern_id is None or type(pattern_id) is str)
    ):
        return _set(Communication, values)
    return Communication(**values)


def link(
    *,
    link_id: str,
    owner_id: str,
    owner_type: str,
    company_id: str,
    pct: float,
    is_nominee: bool,
    pattern_id: str | None,
) -> OwnershipLink:
    values = {
        "link_id": link_id,
        "owner_id": owner_id,
        "owner_type": owner_type,
        "company_id": company_id,
        "pct": pct,
        "is_nominee": is_nominee,
        "pattern_id": pattern_id,
    }
    if (
        _ref(link_id, _PREFIX["ownership"])
        and _ref(company_id, _PREFIX["company"])
        and _owner(owner_id, owner_type)
        and owner_id != company_id
        and type(pct) is float
        and 0.0 < pct <= 100.0
        and type(is_nominee) is bool
        and (pattern_id is None or type(pattern_id) is str)
    ):
        return _set(OwnershipLink, values)
    return OwnershipLink(**values)
