"""Entity events: the unit the producer sends and the graph-sink consumer applies.

An event is a pydantic model so that anything read back from Kafka is validated, but the hot
paths avoid pydantic's generic machinery: ``to_bytes`` hands a plain dict to orjson and
``from_bytes`` parses and type-checks in one pass with msgspec (when installed) into a struct
mirroring the model, falling back to pydantic for anything that is not exactly the wire form.
Everything in an event is a function of the entity: the event id hashes (entity type, id,
version, event type) and the timestamp comes from the entity's own time field, so producing the
same data twice gives byte-identical messages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from banking.errors import UsageError
from banking.fast_models import FastModel
from banking.streaming.entities import ENTITY_TYPES, REFERENCE_TIME, as_datetime, spec_for
from banking.validation import InvalidRecord, validate_records

EventType = Literal["create", "update", "delete"]
EntityType = Literal[ENTITY_TYPES]  # type: ignore[valid-type]  # the table's streamed singulars
DEFAULT_SOURCE = "banking-graph-bench"


class InvalidEvent(UsageError):
    """Bytes that are not a valid event, or an event whose payload is not a valid entity."""


def event_id_for(entity_type: str, entity_id: str, version: int, event_type: str) -> str:
    """Deterministic event id: the same change to the same entity always has the same id."""
    text = f"{entity_type}\x1f{entity_id}\x1f{version}\x1f{event_type}".encode()
    return hashlib.blake2b(text, digest_size=16).hexdigest()


class EntityEvent(BaseModel):
    """One change to one entity; ``payload`` is the entity record (JSON-native values)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(min_length=1)
    event_type: EventType
    entity_type: EntityType
    entity_id: str = Field(min_length=1)
    payload: dict[str, Any]
    timestamp: datetime
    version: int = Field(default=1, ge=1)
    source: str = DEFAULT_SOURCE
    name: str | None = None

    def to_bytes(self) -> bytes:
        """The event as compact JSON (orjson), readable by ``from_bytes``.

        A pydantic model keeps exactly its fields, in declaration order, in ``__dict__``; orjson
        serialises that dict (datetimes as ISO 8601) without a model_dump copy. orjson's result
        keeps the whole buffer it wrote into (about 4 KiB for a ~470-byte event), so the bytes
        are copied to their own size: a producer holds a batch of them, a consumer's dead
        letters hold them, and 10,000 events held 41 MB instead of 4.6 MB.
        """
        return bytes(memoryview(orjson.dumps(self.__dict__)))

    def model_dump_json(self, **kwargs: Any) -> str:  # type: ignore[override]
        """Pydantic's JSON; with no options it is the same text as ``to_bytes``, via orjson."""
        if kwargs:
            return super().model_dump_json(**kwargs)
        return orjson.dumps(self.__dict__).decode()

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview | str) -> EntityEvent:
        """Parse and validate; raise ``InvalidEvent`` with a one-line reason otherwise.

        Messages in the form ``to_bytes`` writes (every field present, exact JSON types) are
        parsed and checked in one pass by msgspec's typed decoder, or, without msgspec, field by
        field after orjson; anything else (coercible values, missing defaults, errors) goes
        through pydantic, which either accepts it or explains what is wrong.
        """
        if _decode_wire is not None:
            try:
                wire = _decode_wire(data)
            except _WireError:
                pass  # pydantic below gives the verdict and the reason
            else:
                return _EVENT.adopt(_wire_fields(wire))
        try:
            fields = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise InvalidEvent(f"not JSON: {exc}") from None
        try:
            if type(fields) is dict and tuple(fields) == _FIELDS:
                _parse_timestamp(fields)
                return _EVENT.build(**fields)
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise InvalidEvent(_one_line(exc)) from None

    @property
    def key(self) -> bytes:
        """The Kafka key: the entity id, so every change to an entity lands on one partition."""
        return self.entity_id.encode()

    @property
    def entity(self) -> str:
        """The plural entity name (dataset and topic name)."""
        return spec_for(self.entity_type).plural

    def validate_payload(self) -> BaseModel:
        """The payload as the entity's model; raise ``InvalidEvent`` if it is not one.

        A delete needs only the id, so its payload is not checked against the model.
        """
        spec = spec_for(self.entity_type)
        payload_id = self.payload.get(spec.id_field, self.entity_id)
        if payload_id != self.entity_id:
            raise InvalidEvent(
                f"payload {spec.id_field}={payload_id!r} "
                f"does not match entity_id={self.entity_id!r}"
            )
        if self.event_type == "delete":
            return spec.model.model_construct(**{spec.id_field: self.entity_id})
        # The same check as `banking load`'s validation pass: one definition of a valid record.
        try:
            return validate_records(spec.plural, (self.payload,))[0]
        except InvalidRecord as exc:
            raise InvalidEvent(f"invalid {self.entity_type} payload: {exc.reason}") from None


_FIELDS = tuple(EntityEvent.model_fields)
# Events built from fields already checked (by msgspec's typed decoder, or computed here) are
# adopted as they are; anything else goes through the check derived from the model.
_EVENT = FastModel(EntityEvent)


def _wire_decoder() -> tuple[Any, Any, Any]:
    """msgspec's decoder of the exact wire form, or Nones when msgspec is not installed.

    Every field is required and strictly typed (no coercion, no defaults, no unknown keys), so
    whatever it accepts pydantic would accept with the same values; the rest falls back.
    """
    try:
        import msgspec
    except ImportError:
        return None, None, None

    nonempty = Annotated[str, msgspec.Meta(min_length=1)]
    # defstruct, not a class body: this module's annotations are strings (__future__).
    wire_event = msgspec.defstruct(
        "WireEvent",
        [
            ("event_id", nonempty),
            ("event_type", EventType),
            ("entity_type", EntityType),
            ("entity_id", nonempty),
            ("payload", dict[str, Any]),
            ("timestamp", datetime),
            ("version", Annotated[int, msgspec.Meta(ge=1)]),
            ("source", str),
            ("name", str | None),
        ],
        forbid_unknown_fields=True,
    )
    assert wire_event.__struct_fields__ == _FIELDS
    return msgspec.json.Decoder(wire_event).decode, msgspec.structs.asdict, msgspec.MsgspecError


_decode_wire, _wire_fields, _WireError = _wire_decoder()


def _parse_timestamp(fields: dict[str, Any]) -> None:
    """The wire form's ISO 8601 timestamp as a datetime (left as is if it is not one, for
    validation to explain)."""
    timestamp = fields["timestamp"]
    if type(timestamp) is str:
        with suppress(ValueError):
            fields["timestamp"] = datetime.fromisoformat(timestamp)


def _one_line(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "event"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def make_event(
    entity_type: str,
    entity_id: str | None,
    payload: Mapping[str, Any] | None = None,
    *,
    event_type: EventType = "create",
    version: int = 1,
    timestamp: datetime | str | None = None,
    source: str = DEFAULT_SOURCE,
    name: str | None = None,
) -> EntityEvent:
    """Build an event for any entity type (singular or plural name).

    The id defaults to the payload's id field and the timestamp to the payload's time field (the
    reference time for entities without one).
    """
    spec = spec_for(entity_type)
    if payload is not None and not isinstance(payload, Mapping):
        raise InvalidEvent(f"payload must be a mapping, got {type(payload).__name__}")
    if type(version) is not int:
        raise InvalidEvent(f"version must be an integer, got {version!r}")
    data = dict(payload) if payload is not None else {}
    if entity_id is None:
        entity_id = data.get(spec.id_field)
        if not isinstance(entity_id, str) or not entity_id:
            raise UsageError(f"{spec.singular} event needs {spec.id_field}")
    if timestamp is None:
        raw = data.get(spec.time_field) if spec.time_field else None
        timestamp = REFERENCE_TIME if raw is None else as_datetime(raw)
    fields = {
        "event_id": event_id_for(spec.singular, str(entity_id), version, event_type),
        "event_type": event_type,
        "entity_type": spec.singular,
        "entity_id": entity_id,
        "payload": data,
        "timestamp": timestamp,
        "version": version,
        "source": source,
        "name": name,
    }
    try:  # anything unusual: pydantic validates (and coerces or explains)
        return _EVENT.build(**fields)
    except ValidationError as exc:
        raise InvalidEvent(_one_line(exc)) from None


def event_from_record(
    entity: str, record: Mapping[str, Any], *, event_type: EventType = "create", version: int = 1
) -> EntityEvent:
    """A create event for one dataset record (``DatasetReader.iter_batches`` yields these).

    The producer's hot path: every field is computed here from the record, so the model is
    built without re-validating (the payload itself is validated by the consumer).
    """
    spec = spec_for(entity)
    entity_id = record.get(spec.id_field) if isinstance(record, Mapping) else None
    if not isinstance(entity_id, str) or not entity_id:
        raise InvalidEvent(f"{spec.plural} record without a {spec.id_field}: {record!r:.120}")
    raw_time = record.get(spec.time_field) if spec.time_field else None
    timestamp = REFERENCE_TIME if raw_time is None else as_datetime(raw_time)
    return _EVENT.adopt(
        {
            "event_id": event_id_for(spec.singular, entity_id, version, event_type),
            "event_type": event_type,
            "entity_type": spec.singular,
            "entity_id": entity_id,
            "payload": record if type(record) is dict else dict(record),
            "timestamp": timestamp,
            "version": version,
            "source": DEFAULT_SOURCE,
            "name": None,
        }
    )


def _factory(entity_type: str, id_field: str, *aliases: str):
    def create(
        entity_id: str | None = None,
        /,
        name: str | None = None,
        payload: Mapping[str, Any] | None = None,
        *,
        event_type: EventType = "create",
        version: int = 1,
        timestamp: datetime | str | None = None,
        source: str = DEFAULT_SOURCE,
        **ids: str,
    ) -> EntityEvent:
        for key, value in ids.items():
            if key != id_field and key not in aliases:
                raise TypeError(f"create_{entity_type}_event() got an unexpected argument {key!r}")
            entity_id = value
        return make_event(
            entity_type,
            entity_id,
            payload,
            event_type=event_type,
            version=version,
            timestamp=timestamp,
            source=source,
            name=name,
        )

    create.__name__ = f"create_{entity_type}_event"
    create.__qualname__ = create.__name__
    create.__doc__ = (
        f"An event for one {entity_type}: ``{create.__name__}({id_field}=..., payload={{...}})``;"
        f" the id defaults to ``payload[{id_field!r}]``."
    )
    return create


create_person_event = _factory("person", "person_id")
create_company_event = _factory("company", "company_id")
create_account_event = _factory("account", "account_id")
create_transaction_event = _factory("transaction", "txn_id", "transaction_id")
create_communication_event = _factory("communication", "comm_id", "communication_id")
create_ownership_link_event = _factory("ownership_link", "link_id", "ownership_link_id")

__all__ = [
    "EntityEvent",
    "EventType",
    "InvalidEvent",
    "create_account_event",
    "create_communication_event",
    "create_company_event",
    "create_ownership_link_event",
    "create_person_event",
    "create_transaction_event",
    "event_from_record",
    "event_id_for",
    "make_event",
]
