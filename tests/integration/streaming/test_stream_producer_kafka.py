"""EntityProducer against the real broker."""

from __future__ import annotations

import pytest
import samples as records
from stream_helpers import read_topic, unique_prefix

from banking.streaming import EntityProducer, KafkaUnavailable
from banking.streaming.events import EntityEvent, event_from_record
from banking.streaming.partitioning import partitions_for

pytestmark = pytest.mark.integration


def test_every_event_arrives_once_keyed_by_entity_id(kafka_bootstrap):
    prefix = unique_prefix("produce")
    txns = [records.transaction(i, src=i, dst=i + 1) for i in range(3000)]
    accounts = [records.account(i) for i in range(500)]
    with EntityProducer(kafka_bootstrap, topic_prefix=prefix, partitions=4) as producer:
        assert producer.send_records("transactions", txns[:2000]) == 2000
        producer.send_batch(event_from_record("transactions", r) for r in txns[2000:2999])
        producer.send(event_from_record("transactions", txns[2999]))
        producer.send_batch([event_from_record("accounts", r) for r in accounts])
        stats = producer.flush()
    assert stats.sent == stats.queued == 3500 and stats.failed == 0
    assert stats.bytes > 0 and stats.wire_bytes > 0
    messages = read_topic(kafka_bootstrap, prefix + "transactions")
    events = [EntityEvent.from_bytes(m.value) for m in messages]
    assert sorted(e.entity_id for e in events) == sorted(r["txn_id"] for r in txns)
    assert all(m.key == e.entity_id.encode() for m, e in zip(messages, events, strict=True))
    assert [m.partition for m in messages] == partitions_for([m.key for m in messages], 4)
    by_id = {r["txn_id"]: r for r in txns}
    assert all(e.payload == by_id[e.entity_id] for e in events)
    assert len(read_topic(kafka_bootstrap, prefix + "accounts")) == 500


def test_versions_of_one_key_keep_their_order(kafka_bootstrap):
    prefix = unique_prefix("order")
    with EntityProducer(kafka_bootstrap, topic_prefix=prefix, partitions=3) as producer:
        for version in range(1, 21):
            batch = [
                event_from_record(
                    "transactions",
                    records.transaction(i, amount=float(version)),
                    event_type="create" if version == 1 else "update",
                    version=version,
                )
                for i in range(50)
            ]
            producer.send_batch(batch)
    seen: dict[str, list[int]] = {}
    for message in read_topic(kafka_bootstrap, prefix + "transactions"):
        event = EntityEvent.from_bytes(message.value)
        seen.setdefault(event.entity_id, []).append(event.version)
    assert len(seen) == 50
    assert all(versions == list(range(1, 21)) for versions in seen.values())


def test_a_broker_that_is_not_there_is_a_clear_error():
    with pytest.raises(KafkaUnavailable, match=r"127\.0\.0\.1:1"):
        EntityProducer("127.0.0.1:1", timeout_s=2)


def test_the_client_send_path_gives_the_same_result(kafka_bootstrap):
    """Without the bulk appender (another kafka-python version) events go through `send`."""
    prefix = unique_prefix("plain")
    txns = [records.transaction(i) for i in range(300)]
    with EntityProducer(kafka_bootstrap, topic_prefix=prefix, partitions=2) as producer:
        producer._bulk = None
        producer.send_records("transactions", txns)
        stats = producer.flush()
    assert stats.sent == stats.queued == 300 and stats.failed == 0
    messages = read_topic(kafka_bootstrap, prefix + "transactions")
    assert [m.partition for m in messages] == partitions_for([m.key for m in messages], 2)
    assert sorted(m.key for m in messages) == sorted(r["txn_id"].encode() for r in txns)
