"""What the streaming layer knows about each entity kind: names, model, id and time fields.

The dataset and the topics use the plural name (``persons``); an event's ``entity_type`` is the
singular (``person``). Entities without a time of their own (persons, ownership links) are
stamped with the reference date, so an event's timestamp is always a fact of the data, never the
clock of the machine that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel

from banking.errors import UsageError
from banking.models import Account, Communication, Company, OwnershipLink, Person, Transaction

# The default "as of" time for entities that carry no time (same as the generators' default).
REFERENCE_TIME = datetime(2025, 1, 1)


@dataclass(frozen=True)
class EntitySpec:
    plural: str
    singular: str
    model: type[BaseModel]
    id_field: str
    time_field: str | None


SPECS: tuple[EntitySpec, ...] = (
    EntitySpec("persons", "person", Person, "person_id", None),
    EntitySpec("companies", "company", Company, "company_id", "incorporation_date"),
    EntitySpec("accounts", "account", Account, "account_id", "opened_date"),
    EntitySpec("transactions", "transaction", Transaction, "txn_id", "timestamp"),
    EntitySpec("communications", "communication", Communication, "comm_id", "timestamp"),
    EntitySpec("ownership_links", "ownership_link", OwnershipLink, "link_id", None),
)
BY_PLURAL: dict[str, EntitySpec] = {spec.plural: spec for spec in SPECS}
BY_SINGULAR: dict[str, EntitySpec] = {spec.singular: spec for spec in SPECS}
ENTITY_NAMES: tuple[str, ...] = tuple(spec.plural for spec in SPECS)


def spec_for(entity: str) -> EntitySpec:
    """The spec for a plural (dataset/topic) or singular (event) entity name."""
    spec = BY_PLURAL.get(entity) or BY_SINGULAR.get(entity)
    if spec is None:
        raise UsageError(f"unknown entity type {entity!r}; known: {', '.join(ENTITY_NAMES)}")
    return spec


def as_datetime(value: object) -> datetime:
    """A record's time field (datetime, date or ISO string) as a datetime."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise UsageError(f"not a date or timestamp: {value!r}")
