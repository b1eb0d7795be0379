"""Kafka streaming of entity events: events, the producer, and the graph-sink consumer."""

from banking.streaming.events import EntityEvent, event_from_record
from banking.streaming.producer import DeliveryFailed, EntityProducer, KafkaUnavailable

__all__ = [
    "DeliveryFailed",
    "EntityEvent",
    "EntityProducer",
    "KafkaUnavailable",
    "event_from_record",
]
