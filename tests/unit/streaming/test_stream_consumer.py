from __future__ import annotations

from collections import namedtuple

import pytest
import samples as records

from banking.errors import ServiceUnavailable
from banking.streaming.consumer import GraphSinkConsumer, decode_messages
from banking.streaming.events import create_account_event, event_from_record

Message = namedtuple("Message", "topic partition offset key value headers")
TP = namedtuple("TP", "topic partition")


def message(entity, value, offset=0, key=b"k", prefix="t."):
    return Message(prefix + entity, 0, offset, key, value, [])


class Log:
    def __init__(self):
        self.calls = []


class FakeSink:
    def __init__(self, log, fail_times=0, reject_ids=()):
        self.log, self.fail_times, self.reject_ids = log, fail_times, set(reject_ids)

    def apply(self, upserts, deletes):
        if self.fail_times:
            self.fail_times -= 1
            self.log.calls.append(("apply-failed",))
            raise ServiceUnavailable("graph down")
        ids = {r.get("txn_id") or r.get("account_id") for rows in upserts.values() for r in rows}
        if ids & self.reject_ids:
            raise ValueError("rejected by the server")
        self.log.calls.append(("apply", upserts, deletes))
        return sum(map(len, upserts.values())) + sum(map(len, deletes.values()))


class FakeFuture:
    def get(self, timeout=None):
        return None


class FakeDlq:
    def __init__(self, log):
        self.log = log

    def send(self, topic, key, value, headers):
        self.log.calls.append(("dlq", topic, value, dict(headers)))
        return FakeFuture()

    def flush(self, timeout=None):
        self.log.calls.append(("dlq-flush",))

    def close(self, timeout=None):
        pass


class FakeKafkaConsumer:
    """Hands out prepared polls; records commits (the real broker is in integration tests)."""

    def __init__(self, log, polls, highwater=None, end=0, unfetched=0):
        self.log, self.polls = log, list(polls)
        self.end = end  # the broker's end offset
        self.committed = []
        self.polled = 0
        self._highwater = highwater  # what the last fetch reported (None: no fetch yet)
        # Further assigned partitions no fetch response has covered yet (empty topics).
        self.unfetched = {TP("t.y", p) for p in range(unfetched)}

    def poll(self, timeout_ms, max_records):
        self.polled += 1
        if not self.polls:
            return {}
        return {TP("t.x", 0): self.polls.pop(0)}

    def commit(self, offsets=None, timeout_ms=None):
        self.log.calls.append(("commit",))
        self.committed.append({(tp.topic, tp.partition): o.offset for tp, o in offsets.items()})

    def assignment(self):
        return {TP("t.x", 0)} | self.unfetched

    def end_offsets(self, tps, timeout_ms=None):
        return {tp: self.end for tp in tps}

    def highwater(self, tp):
        return None if tp in self.unfetched else self._highwater

    def position(self, tp, timeout_ms=None):
        return 0 if not self.polls else -1

    def close(self, autocommit=False, timeout_ms=None):
        pass


def make(log, polls, sink=None, highwater=None, end=0, unfetched=0, **kwargs):
    return GraphSinkConsumer(
        sink or FakeSink(log),
        "127.0.0.1:1",
        topic_prefix="t.",
        consumer=FakeKafkaConsumer(log, polls, highwater, end, unfetched),
        dlq_producer=FakeDlq(log),
        sleep=lambda s: log.calls.append(("sleep", s)),
        **kwargs,
    )


def txn_message(n, offset=0, **kw):
    event = event_from_record("transactions", records.transaction(n, **kw))
    return message("transactions", event.to_bytes(), offset, event.key)


def test_commit_happens_only_after_the_graph_write():
    log = Log()
    stats = make(log, [[txn_message(1), txn_message(2, 1)]]).run()
    kinds = [c[0] for c in log.calls]
    assert kinds == ["apply", "commit"]
    assert stats.consumed == 2 and stats.applied == 2 and stats.commits == 1


def test_newest_event_per_key_wins_within_a_batch():
    first = txn_message(1, 0, amount=10.0)
    second = txn_message(1, 1, amount=20.0)
    batch = decode_messages([first, second], "t.")
    assert batch.upsert_lists()["transactions"][0]["amount"] == 20.0
    created = event_from_record("accounts", records.account(1))
    deleted = create_account_event(account_id=created.entity_id, event_type="delete")
    batch = decode_messages(
        [message("accounts", created.to_bytes()), message("accounts", deleted.to_bytes(), 1)],
        "t.",
    )
    assert batch.upsert_lists() == {} and batch.delete_lists() == {"accounts": [created.entity_id]}
    batch = decode_messages(
        [message("accounts", deleted.to_bytes()), message("accounts", created.to_bytes(), 1)],
        "t.",
    )
    assert batch.delete_lists() == {} and len(batch.upsert_lists()["accounts"]) == 1


def test_bad_messages_go_to_the_dlq_before_the_commit_and_the_rest_is_applied():
    bad_payload = records.transaction(3)
    bad_payload["currency"] = "XXX"
    person_on_txn_topic = event_from_record("persons", records.person(1))
    polls = [
        [
            txn_message(1),
            message("transactions", b"{not json", 1),
            message("transactions", event_from_record("transactions", bad_payload).to_bytes(), 2),
            message("transactions", person_on_txn_topic.to_bytes(), 3),
            message("spaceships", txn_message(4).value, 4),
            message("transactions", None, 5),
            txn_message(6, 6),
        ]
    ]
    log = Log()
    stats = make(log, polls).run()
    kinds = [c[0] for c in log.calls]
    assert kinds == ["apply", "dlq", "dlq", "dlq", "dlq", "dlq", "dlq-flush", "commit"]
    applied = log.calls[0][1]["transactions"]
    assert [r["txn_id"] for r in applied] == [
        records.transaction(1)["txn_id"],
        records.transaction(6)["txn_id"],
    ]
    dead = [c for c in log.calls if c[0] == "dlq"]
    assert all(c[1] == "t.dlq" for c in dead)
    assert dead[0][2] == b"{not json" and b"JSON" in dead[0][3]["error"].upper()
    assert b"currency" in dead[1][3]["error"]
    assert b"person event" in dead[2][3]["error"]
    assert b"no known entity" in dead[3][3]["error"]
    assert dead[0][3]["source_offset"] == b"1" and dead[0][3]["source_topic"] == b"t.transactions"
    assert stats.dead_lettered == 5 and stats.consumed == 7


def test_graph_outage_is_retried_with_backoff_then_applied():
    log = Log()
    consumer = make(log, [[txn_message(1)]], sink=FakeSink(log, fail_times=3), backoff_s=0.1)
    stats = consumer.run()
    kinds = [c[0] for c in log.calls]
    assert kinds == [
        "apply-failed",
        "sleep",
        "apply-failed",
        "sleep",
        "apply-failed",
        "sleep",
        "apply",
        "commit",
    ]
    assert [c[1] for c in log.calls if c[0] == "sleep"] == [0.1, 0.2, 0.4]
    assert stats.retries == 3


def test_a_graph_that_stays_down_raises_without_committing():
    log = Log()
    consumer = make(log, [[txn_message(1)]], sink=FakeSink(log, fail_times=100), max_retries=2)
    with pytest.raises(ServiceUnavailable):
        consumer.run()
    assert ("commit",) not in log.calls


def test_events_the_graph_rejects_are_narrowed_down_and_dead_lettered():
    log = Log()
    rejected = records.transaction(2)["txn_id"]
    sink = FakeSink(log, reject_ids=[rejected])
    stats = make(log, [[txn_message(1), txn_message(2, 1), txn_message(3, 2)]], sink=sink).run()
    applied = [c[1]["transactions"][0]["txn_id"] for c in log.calls if c[0] == "apply"]
    assert rejected not in applied and len(applied) == 2
    dead = [c for c in log.calls if c[0] == "dlq"]
    assert len(dead) == 1 and b"rejected by the server" in dead[0][3]["error"]
    assert [c[0] for c in log.calls][-1] == "commit"
    assert stats.applied == 2 and stats.dead_lettered == 1


def test_stop_finishes_the_batches_in_hand_and_commits_them():
    log = Log()
    polls = [[txn_message(1)], [txn_message(2, 1)], [txn_message(3, 2)], [txn_message(4, 3)]]
    consumer = make(log, polls)
    stats = consumer.run(follow=True, on_batch=lambda s: consumer.stop())
    # Batch 1 was written while batch 2 was fetched; stopping after batch 1's commit still
    # writes and commits batch 2, and fetches nothing more.
    assert stats.batches == 2 and [c[0] for c in log.calls] == ["apply", "commit"] * 2
    assert consumer._consumer.committed == [{("t.transactions", 0): 1}, {("t.transactions", 0): 2}]
    assert len(consumer._consumer.polls) == 2


def test_each_batch_commits_its_own_offsets_after_its_own_write():
    log = Log()
    polls = [[txn_message(i, offset=i) for i in range(3)], [txn_message(9, offset=3)]]
    consumer = make(log, polls)
    stats = consumer.run()
    assert [c[0] for c in log.calls] == ["apply", "commit", "apply", "commit"]
    assert consumer._consumer.committed == [{("t.transactions", 0): 3}, {("t.transactions", 0): 4}]
    assert stats.consumed == 4 and stats.batches == 2


def test_run_ends_at_the_high_watermark_of_the_last_fetch_without_another_poll():
    log = Log()
    polls = [[txn_message(i, offset=i) for i in range(3)], [txn_message(9, offset=3)]]
    # The fake reports position -1 while polls remain: watermark and end offset -1 = drained.
    consumer = make(log, polls, highwater=-1, end=-1)
    stats = consumer.run()
    # The first batch reached the high watermark and the broker confirms the end: it is
    # written and committed, and the loop does not sit out another poll timeout.
    assert stats.consumed == 3 and stats.batches == 1 and consumer._consumer.polled == 1
    assert [c[0] for c in log.calls] == ["apply", "commit"]
    assert consumer._consumer.committed == [{("t.transactions", 0): 3}]
    follow = make(Log(), [[txn_message(1)], [txn_message(2, 1)]], highwater=-1, end=-1)
    follow.run(follow=True, max_events=2)
    assert follow.stats.consumed == 2  # --follow never stops at the watermark


def test_partitions_not_fetched_yet_do_not_hide_the_end():
    # The sink subscribes to every entity topic; empty ones may have no watermark yet. The
    # fetched partition is drained and the broker confirms: the run ends without a poll more.
    log = Log()
    polls = [[txn_message(i, offset=i) for i in range(3)], [txn_message(9, offset=3)]]
    consumer = make(log, polls, highwater=-1, end=-1, unfetched=5)
    assert consumer.run().consumed == 3 and consumer._consumer.polled == 1
    # No watermark anywhere: no hint, so the end shows as an empty poll, after which the
    # broker is asked at once (not after a second empty poll).
    blind = make(Log(), [[txn_message(1)]], highwater=None, end=0, unfetched=2)
    assert blind.run().consumed == 1 and blind._consumer.polled == 2


def test_a_stale_high_watermark_does_not_end_the_run_early():
    # Events produced while the consumer was idle: the last fetch's watermark says "drained",
    # the broker's end offsets say otherwise, and the run goes on to consume them.
    log = Log()
    polls = [[txn_message(i, offset=i) for i in range(3)], [txn_message(9, offset=3)]]
    consumer = make(log, polls, highwater=-1, end=0)
    stats = consumer.run()
    assert stats.consumed == 4 and stats.batches == 2
    assert consumer._consumer.committed[-1] == {("t.transactions", 0): 4}
