"""What the streaming layer knows about each entity kind: names, model, id and time fields.

The dataset and the topics use the plural name (``persons``); an event's ``entity_type`` is the
singular (``person``). Entities without a time of their own (persons, ownership links) are
stamped with the reference date, so an event's timestamp is always a fact of the data, never the
clock of the machine that produced it. Every entity with a graph form is streamed; the names
here are views of the one table, ``banking.entities``.
"""

from __future__ import annotations

from datetime import date, datetime, time

from banking.data_generators import REFERENCE_DATE
from banking.entities import GRAPH_ENTITIES, Entity, lookup
from banking.errors import UsageError

# The default "as of" time for entities that carry no time: the generators' reference date.
REFERENCE_TIME = datetime.combine(REFERENCE_DATE, time())

EntitySpec = Entity  # the streaming layer's name for a table entry
SPECS: tuple[Entity, ...] = GRAPH_ENTITIES
BY_PLURAL: dict[str, Entity] = {spec.plural: spec for spec in SPECS}
BY_SINGULAR: dict[str, Entity] = {spec.singular: spec for spec in SPECS}
ENTITY_NAMES: tuple[str, ...] = tuple(BY_PLURAL)
ENTITY_TYPES: tuple[str, ...] = tuple(BY_SINGULAR)


# The spec for a plural (dataset/topic) or singular (event) name; UsageError for any other.
spec_for = lookup(SPECS)


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
