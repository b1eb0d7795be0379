"""Event serialisation: ``EntityEvent.to_bytes`` (orjson), ``model_dump_json``, ``from_bytes``."""

from __future__ import annotations

from typing import Any

from . import common, instructions

EVENTS = 10_000
# entity -> (generator short name, id field, event factory)
ENTITIES = {
    "person": ("persons", "person_id", "create_person_event"),
    "transaction": ("transactions", "txn_id", "create_transaction_event"),
}


def build_events(entity: str, n: int = EVENTS) -> list[Any]:
    """``n`` create events of seeded ``entity`` records, built through the public factories."""
    kind, id_field, factory_name = ENTITIES[entity]
    factory = common.need("banking.streaming.events", factory_name)
    generator = common.generator_classes()[kind](common.SEED)
    return [
        factory(payload=record, **{id_field: record[id_field]})
        for record in common.to_records(generator.generate_batch(n))
    ]


@common.data_or_reason
class Serialize:
    """One operation over 10,000 events of one entity type."""

    params = (("to_bytes", "model_dump_json", "from_bytes"), tuple(ENTITIES))
    param_names = ("operation", "entity")
    number = 1
    repeat = (3, 10, 3.0)
    warmup_time = 0.0

    def setup_cache(self) -> dict[str, list[Any]]:
        return {entity: build_events(entity) for entity in ENTITIES}

    def setup(self, cache: dict[str, list[Any]], operation: str, entity: str) -> None:
        event_cls = common.need("banking.streaming.events", "EntityEvent")
        events = cache[entity]
        if operation == "to_bytes":
            self.call = lambda: [e.to_bytes() for e in events]
        elif operation == "model_dump_json":
            self.call = lambda: [e.model_dump_json() for e in events]
        else:
            if not hasattr(event_cls, "from_bytes"):
                raise common.Skip("EntityEvent.from_bytes does not exist at this commit")
            blobs = [e.to_bytes() for e in events]
            self.call = lambda: [event_cls.from_bytes(b) for b in blobs]
        self.call()

    def time_events(self, cache: object, operation: str, entity: str) -> None:
        self.call()

    def peakmem_events(self, cache: object, operation: str, entity: str) -> None:
        self.call()

    def track_events_per_s(self, cache: object, operation: str, entity: str) -> float:
        return common.rate(self.call, EVENTS)

    track_events_per_s.unit = "events/s"

    def track_bytes(self, cache: object, operation: str, entity: str) -> int:
        """Bytes produced (serialisers) or consumed (from_bytes): a size regression shows here."""
        if operation == "from_bytes":
            return sum(len(e.to_bytes()) for e in self.call())
        return sum(len(out.encode() if isinstance(out, str) else out) for out in self.call())

    track_bytes.unit = "bytes"

    def track_alloc_peak_bytes(self, cache: object, operation: str, entity: str) -> int:
        return common.alloc_peak(self.call)

    track_alloc_peak_bytes.unit = "bytes"


@common.keep_history
class SerializeInstructions(instructions.Twin):
    """Instructions of serialising and parsing 10,000 events under callgrind."""

    target = Serialize
    ops = ("events",)

    def setup_cache(self) -> dict | str:
        return self.measure()
