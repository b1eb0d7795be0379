"""Kafka faults end in one clear error, within the time budget, and clean-up never hides it.

Fakes stand in for kafka-python (the real broker, killed for real, is in the integration
tests); time is a fake clock that only moves when the code sleeps or polls, so nothing here
waits on the wall clock.
"""

from __future__ import annotations

import os
import signal
from types import SimpleNamespace
from typing import ClassVar

import pytest
from kafka.errors import FencedInstanceIdError, KafkaConnectionError, KafkaTimeoutError
from kafka.future import Future
from test_stream_consumer import TP, FakeDlq, FakeKafkaConsumer, FakeSink, Log, txn_message

from banking.cli import main
from banking.errors import ServiceUnavailable, UsageError
from banking.streaming import producer as producer_module
from banking.streaming.bulk import BulkAppender
from banking.streaming.consumer import GraphSinkConsumer, InstanceFenced
from banking.streaming.producer import DeliveryFailed, EntityProducer, KafkaUnavailable
from banking.streaming.topics import existing_topics


class Clock:
    """Fake monotonic time: advances only by the sleeps and polls of the code under test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FlakyKafka(FakeKafkaConsumer):
    """A consumer whose broker requests fail ``fail_times`` times (forever with None)."""

    def __init__(self, log, polls, clock, fail_times=None, error=KafkaTimeoutError, **kw):
        super().__init__(log, polls, **kw)
        self.clock, self.fail_times, self.error = clock, fail_times, error
        self.closed = False

    def _maybe_fail(self, timeout_ms):
        if self.fail_times is None or self.fail_times > 0:
            if self.fail_times is not None:
                self.fail_times -= 1
            self.clock.now += min(timeout_ms / 1000, 5.0)  # a request waits, then fails
            raise self.error()

    def poll(self, timeout_ms, max_records):
        self.clock.now += timeout_ms / 1000 if not self.polls else 0
        return super().poll(timeout_ms, max_records)

    def commit(self, offsets=None, timeout_ms=None):
        self.log.calls.append(("commit-timeout", timeout_ms))
        self._maybe_fail(timeout_ms)
        super().commit(offsets, timeout_ms)

    def end_offsets(self, tps, timeout_ms=None):
        self._maybe_fail(timeout_ms)
        return super().end_offsets(tps, timeout_ms)

    def close(self, autocommit=False, timeout_ms=None):
        self.closed = True
        raise KafkaTimeoutError("close timed out")


class ClosingFailsDlq(FakeDlq):
    def close(self, timeout=None):
        raise KafkaTimeoutError("dlq close timed out")


def flaky(log, polls, clock, **kwargs):
    kafka_kw = {k: kwargs.pop(k) for k in ("fail_times", "error", "end") if k in kwargs}
    return GraphSinkConsumer(
        FakeSink(log),
        "127.0.0.1:1",
        topic_prefix="t.",
        consumer=FlakyKafka(log, polls, clock, **kafka_kw),
        dlq_producer=ClosingFailsDlq(log),
        sleep=clock.sleep,
        clock=clock,
        **kwargs,
    )


def assert_unchained(exc: BaseException) -> None:
    """Printed on its own: no "During handling of the above exception" block."""
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__


# --- consumer ---------------------------------------------------------------------------
def test_a_commit_that_keeps_failing_ends_within_the_budget_with_one_clear_error():
    log, clock = Log(), Clock()
    consumer = flaky(log, [[txn_message(1)]], clock, timeout_s=30.0)
    start = clock.now
    with pytest.raises(KafkaUnavailable) as info:
        consumer.run()
    message = str(info.value)
    assert "127.0.0.1:1" in message and "committing offsets" in message
    assert "run the same command again" in message and "\n" not in message
    assert_unchained(info.value)
    # One budget for all the retries, each request given only what is left of it.
    assert clock.now - start <= 30.0 + consumer.max_backoff_s
    timeouts = [c[1] for c in log.calls if c[0] == "commit-timeout"]
    assert len(timeouts) > 1 and timeouts == sorted(timeouts, reverse=True)
    assert all(ms <= 30_000 for ms in timeouts)
    assert consumer.stats.commits == 0


def test_a_broker_back_within_the_budget_is_survived():
    log, clock = Log(), Clock()
    consumer = flaky(log, [[txn_message(1)]], clock, fail_times=3)
    stats = consumer.run()
    assert stats.commits == 1 and stats.consumed == 1 and stats.retries == 3


def test_closing_after_a_failure_never_raises_over_it():
    log, clock = Log(), Clock()
    consumer = flaky(log, [[txn_message(1)]], clock)
    with pytest.raises(KafkaUnavailable, match="committing offsets") as info, consumer:
        consumer.run()
    assert consumer._consumer.closed  # close was attempted, and its own error dropped
    assert_unchained(info.value)


def test_close_on_success_swallows_client_errors_too():
    log, clock = Log(), Clock()
    consumer = flaky(log, [], clock)
    consumer.close()  # both clients raise on close: nothing to lose, nothing raised


def test_a_following_consumer_notices_a_dead_broker_on_its_own():
    """Empty polls look alike whether the topics are idle or the broker is gone: the probe
    after probe_interval_s tells them apart, within the same budget."""
    log, clock = Log(), Clock()
    consumer = flaky(log, [], clock, timeout_s=30.0, probe_interval_s=5.0)
    consumer._partitions = [TP("t.x", 0)]
    start = clock.now
    with pytest.raises(KafkaUnavailable, match="asking for end offsets") as info:
        consumer.run(follow=True)
    assert_unchained(info.value)
    assert clock.now - start <= 5.0 + 30.0 + consumer.max_backoff_s + 1.0


def test_an_idle_following_consumer_with_a_live_broker_keeps_going():
    log, clock = Log(), Clock()
    consumer = flaky(log, [], clock, fail_times=0, probe_interval_s=5.0)
    consumer._partitions = [TP("t.x", 0)]
    polls = 0

    def stop_later(timeout_ms, max_records):
        nonlocal polls
        polls += 1
        clock.now += timeout_ms / 1000
        if polls == 400:  # 200 s of idle polls, 40 probes
            consumer.stop()
        return {}

    consumer._consumer.poll = stop_later
    assert consumer.run(follow=True).consumed == 0


def test_a_fenced_static_member_is_a_one_line_usage_error():
    log, clock = Log(), Clock()
    consumer = flaky(
        log, [[txn_message(1)]], clock, error=FencedInstanceIdError, instance_id="g@host"
    )
    consumer.group_id = "g"
    with pytest.raises(InstanceFenced) as info:
        consumer.run()
    assert isinstance(info.value, UsageError) and info.value.exit_code == 2
    message = str(info.value)
    assert "'g@host'" in message and "'g'" in message and "--instance-id" in message
    assert_unchained(info.value)


def test_an_idle_fenced_static_member_finds_out_from_its_probe():
    """Its heartbeats just stop; the probe's commit is what hears "fenced"."""
    log, clock = Log(), Clock()
    consumer = flaky(log, [], clock, fail_times=0, instance_id="g@host", probe_interval_s=5.0)
    consumer._partitions = [TP("t.x", 0)]
    kafka = consumer._consumer

    def fenced_commit(offsets=None, timeout_ms=None):
        assert {(tp.topic, o.offset) for tp, o in offsets.items()} == {("t.x", 0)}
        raise FencedInstanceIdError()

    kafka.commit = fenced_commit
    with pytest.raises(InstanceFenced, match="g@host"):
        consumer.run(follow=True)
    assert clock.now - 1000.0 < 10.0


def test_an_empty_instance_id_is_refused():
    with pytest.raises(UsageError, match="instance id"):
        GraphSinkConsumer(
            FakeSink(Log()), "x:1", instance_id=" ", consumer=object(), dlq_producer=1
        )


# --- readers do not create topics ---------------------------------------------------------
class FakeAdmin:
    topics: ClassVar[list[str]] = [
        "banking.accounts",
        "banking.dlq",
        "other.transactions",
        "__consumer_offsets",
    ]
    created: ClassVar[list] = []

    def __init__(self, **config):
        pass

    def list_topics(self):
        return list(self.topics)

    def create_topics(self, new, **kw):
        FakeAdmin.created.append(new)

    def close(self):
        pass


@pytest.fixture
def admin(monkeypatch):
    import kafka.admin

    FakeAdmin.created = []
    monkeypatch.setattr(kafka.admin, "KafkaAdminClient", FakeAdmin)
    return FakeAdmin


def test_existing_topics_keeps_those_present_in_order(admin):
    wanted = ["banking.transactions", "banking.accounts", "banking.dlq"]
    assert existing_topics("b:1", wanted, prefix="banking.") == ["banking.accounts", "banking.dlq"]


def test_a_prefix_without_topics_names_the_prefixes_that_exist(admin):
    with pytest.raises(UsageError) as info:
        existing_topics("b:1", ["bankin.accounts", "bankin.persons"], prefix="bankin.")
    assert str(info.value) == (
        "no topics with prefix 'bankin.' at b:1; prefixes found: banking., other.; "
        "check --topic-prefix"
    )


def test_many_prefixes_are_cut_short(admin, monkeypatch):
    monkeypatch.setattr(admin, "topics", [f"t{i}.accounts" for i in range(20)])
    with pytest.raises(UsageError, match="and 12 more"):
        existing_topics("b:1", ["x.accounts"], prefix="x.")


def test_an_unreachable_broker_is_a_service_error(monkeypatch):
    import kafka.admin

    def refuse(**config):
        raise KafkaConnectionError("refused")

    monkeypatch.setattr(kafka.admin, "KafkaAdminClient", refuse)
    with pytest.raises(ServiceUnavailable, match="banking services up"):
        existing_topics("b:1", ["x.accounts"], prefix="x.")


@pytest.mark.parametrize(
    "argv",
    [
        ["stream", "consume", "--to-graph"],
        ["stream", "dlq", "show"],
        ["stream", "dlq", "replay"],
    ],
)
def test_readers_with_a_misspelt_prefix_exit_2_and_create_nothing(argv, admin, monkeypatch, capsys):
    from banking.streaming import sink

    closed = []
    fake_sink = SimpleNamespace(close=lambda: closed.append(True))
    monkeypatch.setattr(
        sink.RepositorySink, "connect", staticmethod(lambda url=None, **kw: fake_sink)
    )
    assert main([*argv, "--topic-prefix", "bankin.", "--bootstrap", "b:1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("banking: error: no topic")
    assert "'bankin." in err and "prefixes found: banking., other." in err
    assert admin.created == []
    assert closed == ([True] if argv[1] == "consume" else [])


# --- producer ---------------------------------------------------------------------------
class FakeKafkaProducer:
    """kafka-python's producer with a dead broker: flush and close time out."""

    def __init__(self, **config):
        self.config = config
        self.closed_with = []

    def flush(self, timeout=None):
        raise KafkaTimeoutError("Timeout waiting for future")

    def close(self, timeout=None):
        self.closed_with.append(timeout)
        self.flush(timeout)  # what kafka-python's close does first

    def partitions_for(self, topic):
        return {0}


@pytest.fixture
def dead_broker(monkeypatch):
    import kafka

    monkeypatch.setattr(kafka, "KafkaProducer", FakeKafkaProducer)


def test_a_flush_that_times_out_is_one_error_and_the_close_does_not_chain(dead_broker):
    with pytest.raises(KafkaUnavailable) as info, EntityProducer("b:1", timeout_s=30) as producer:
        producer._progress_at -= 31  # the broker has acknowledged nothing for 31 s
        producer.flush()
    message = str(info.value)
    assert message.startswith("Kafka at b:1 acknowledged nothing for 30s")
    assert "run the same command again" in message
    assert_unchained(info.value)
    assert producer._producer.closed_with == [0]  # closed without waiting


def test_close_after_a_failed_flush_raises_the_flush_error(dead_broker):
    producer = EntityProducer("b:1", timeout_s=30)
    producer._progress_at -= 31
    with pytest.raises(KafkaUnavailable, match="acknowledged nothing") as info:
        producer.close()
    assert_unchained(info.value)


def test_a_failed_batch_stops_the_flush_and_further_sends_at_once(dead_broker):
    producer = EntityProducer("b:1", timeout_s=30)
    producer._queued = 10
    producer._on_batch_done(4, KafkaTimeoutError("Expiring 4 record(s)"), 0)
    with pytest.raises(DeliveryFailed, match="Expiring 4 record") as info:
        producer.flush(timeout_s=3600)  # would wait an hour if it did not stop at the failure
    assert "0 of 10 events were acknowledged" in str(info.value)
    with pytest.raises(DeliveryFailed):
        producer.send_records("transactions", [{"txn_id": "x"}])
    producer.abort()


def test_the_bulk_appender_counts_a_batch_completed_with_record_errors_as_failed():
    """kafka-python 3 completes an expired batch's future with a record-error function."""
    done = []
    appender = object.__new__(BulkAppender)
    appender._on_done = lambda count, exc, wire: done.append((count, exc, wire))
    ok = SimpleNamespace(produce_future=Future(), records=SimpleNamespace(size_in_bytes=lambda: 9))
    expired = SimpleNamespace(
        produce_future=Future(), records=SimpleNamespace(size_in_bytes=lambda: 9)
    )
    appender._track(ok)[0] += 3
    appender._track(expired)[0] += 5
    ok.produce_future.success((0, -1, None))
    error = KafkaTimeoutError("Expiring 5 record(s)")
    expired.produce_future.success((-1, -1, lambda index: error))
    assert done == [(3, None, 9), (5, error, 0)]


def test_describe_names_the_type_once():
    describe = producer_module.describe
    assert describe(KafkaTimeoutError()) == "KafkaTimeoutError"
    assert describe(KafkaTimeoutError("late")) == "KafkaTimeoutError: late"
    assert describe(ValueError("bad")) == "ValueError: bad"


class SignallingProducer:
    """Acknowledges 7 events, then the user presses Ctrl-C / the service manager stops us."""

    signum = signal.SIGTERM

    def __init__(self, bootstrap=None, **kw):
        self.stats = SimpleNamespace(sent=0)
        self.aborted = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.aborted = exc[0] is not None

    def ensure_topics(self, entities):
        pass

    def send_records(self, entity, records):
        self.stats.sent = 7
        os.kill(os.getpid(), self.signum)
        raise AssertionError("the signal should have ended the run")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_produce_with_one_line_and_128_plus_its_number(
    signum, code, monkeypatch, capsys, tmp_path
):
    from banking.data_generators.orchestration import generate_bank

    generate_bank(0.001, 1, out_dir=tmp_path / "bank")
    monkeypatch.setattr(SignallingProducer, "signum", signum)
    monkeypatch.setattr(producer_module, "EntityProducer", SignallingProducer)
    before = signal.getsignal(signum)
    assert main(["stream", "produce", str(tmp_path / "bank"), "--quiet"]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("banking: error: produce stopped by SIG")
    assert "7 events were acknowledged" in err
    assert signal.getsignal(signum) is before  # the handlers are put back
