"""`banking stream produce` / `consume --to-graph` when something dies mid-way: the broker
(kill -9, then restarted on its kept data) or the consumer itself. A command whose broker died
must end with one ``banking: error:`` line and exit 3 soon after; a re-run must finish, and a
consume must leave exactly the dataset in the graph."""

from __future__ import annotations

import random
import time

import pytest
from fault_helpers import (
    CONSUME_PROGRESS,
    CliRun,
    assert_graph_equals_dataset,
    kill_and_expect_one_line,
)

from banking.streaming.sink import WRITE_ORDER
from banking_repository import GraphRepository

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.slow]

SERVICES = ("gremlin", "kafka")
CONSUME_BATCH = 300  # events per graph write: many progress lines, a consume of some seconds
RUN_S = 300.0
# A consumer killed without leaving its group: the next one must not wait out its session.
RECONSUME_AFTER_KILL_S = 90.0


def produce_args(reader, bootstrap: str, prefix: str) -> list[str]:
    return [
        *("stream", "produce", str(reader.path)),
        *("--bootstrap", bootstrap, "--topic-prefix", prefix),
    ]


def consume_args(url: str, bootstrap: str, prefix: str) -> list[str]:
    return [
        *("stream", "consume", "--to-graph", "--bootstrap", bootstrap, "--gremlin-url", url),
        *("--topic-prefix", prefix, "--batch-size", str(CONSUME_BATCH)),
    ]


def wait_for_entity_queued(run: CliRun, rng: random.Random) -> None:
    """Until the producer reports a random one of the entities before the transactions queued,
    plus up to 0.1 s: the bulk of the events (the transactions) is still to be sent."""
    entity = rng.choice(WRITE_ORDER[: WRITE_ORDER.index("transactions")])
    run.wait_for_stderr(lambda line: line.startswith(f"{entity}: "), RUN_S)
    time.sleep(rng.uniform(0.0, 0.1))
    assert run.running(), f"the produce ended before the kill: {run.stderr_lines()}"


def consumed_at_least(count: int):
    """Matches a consume progress line reporting at least ``count`` events."""

    def test(line: str) -> bool:
        found = CONSUME_PROGRESS.match(line)
        return bool(found) and int(found.group(1).replace(",", "")) >= count

    return test


def wait_for_share_consumed(run: CliRun, reader, rng: random.Random) -> None:
    """Until the consumer reports a random share (5-80 %) of the dataset's events applied: the
    moment to strike, however fast the machine is today."""
    total = sum(reader.count(entity) for entity in WRITE_ORDER)
    run.wait_for_stderr(consumed_at_least(int(rng.uniform(0.05, 0.8) * total)), RUN_S)
    assert run.running(), "the consume ended before the kill"


def produced(services, dataset, prefix: str) -> None:
    run = CliRun([*produce_args(dataset, services.kafka_bootstrap, prefix), "--quiet"])
    assert run.wait(RUN_S) == 0, run.stderr_lines()[:5]


@pytest.fixture(scope="module")
def happy_path(fault_services, dataset) -> None:
    """One undisturbed produce and consume: it must hold before faults mean anything."""
    url, bootstrap = fault_services.gremlin_url, fault_services.kafka_bootstrap
    for args in (
        produce_args(dataset, bootstrap, "happy."),
        consume_args(url, bootstrap, "happy."),
    ):
        run = CliRun(args)
        assert run.wait(RUN_S) == 0, f"{run.describe()}: {run.stderr_lines()[-5:]}"
    with GraphRepository(url, timeout_s=120) as repo:
        assert_graph_equals_dataset(repo, dataset)


def test_broker_killed_mid_produce_is_one_line_and_a_rerun_succeeds(
    seed, services, dataset, happy_path
):
    rng = random.Random(seed)
    prefix = f"s{seed}.produce."
    run = CliRun(produce_args(dataset, services.kafka_bootstrap, prefix))
    wait_for_entity_queued(run, rng)
    kill_and_expect_one_line(run, lambda: services.kill("kafka"))

    services.ensure(SERVICES, keep_kafka_data=True)
    rerun = CliRun(produce_args(dataset, services.kafka_bootstrap, prefix))
    assert rerun.wait(RUN_S) == 0, rerun.stderr_lines()[:5]


def test_broker_killed_mid_consume_is_one_line_and_a_rerun_fills_the_graph(
    seed, services, dataset, happy_path, empty_graph
):
    rng = random.Random(seed)
    prefix = f"s{seed}.consume-broker."
    produced(services, dataset, prefix)
    run = CliRun(consume_args(empty_graph, services.kafka_bootstrap, prefix))
    wait_for_share_consumed(run, dataset, rng)
    kill_and_expect_one_line(run, lambda: services.kill("kafka"))

    services.ensure(SERVICES, keep_kafka_data=True)
    rerun = CliRun(consume_args(empty_graph, services.kafka_bootstrap, prefix))
    assert rerun.wait(RUN_S) == 0, rerun.stderr_lines()[:5]
    with GraphRepository(empty_graph, timeout_s=120) as repo:
        assert_graph_equals_dataset(repo, dataset)


def test_consumer_killed_mid_consume_then_an_immediate_rerun_fills_the_graph(
    seed, services, dataset, happy_path, empty_graph
):
    rng = random.Random(seed)
    prefix = f"s{seed}.consume-killed."
    produced(services, dataset, prefix)
    run = CliRun(consume_args(empty_graph, services.kafka_bootstrap, prefix))
    wait_for_share_consumed(run, dataset, rng)
    run.kill()
    rerun = CliRun(consume_args(empty_graph, services.kafka_bootstrap, prefix))
    code = rerun.wait(RECONSUME_AFTER_KILL_S)
    took = time.monotonic() - rerun.started
    assert code == 0, f"exit {code} after {took:.1f} s; stderr: {rerun.stderr_lines()[:5]}"
    with GraphRepository(empty_graph, timeout_s=120) as repo:
        assert_graph_equals_dataset(repo, dataset)
