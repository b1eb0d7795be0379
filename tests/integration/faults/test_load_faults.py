"""`banking load DIR` when something dies mid-load: the Gremlin Server (kill -9) or the loader
itself. The command must end with one ``banking: error:`` line and exit 3 soon after the server
dies, and a plain re-run must leave exactly the dataset in the graph."""

from __future__ import annotations

import random

import pytest
from fault_helpers import (
    CliRun,
    assert_graph_equals_dataset,
    expected_graph,
    kill_and_expect_one_line,
    wait_until,
)

from banking_repository import GraphRepository

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.slow]

SERVICES = ("gremlin",)
# Small requests make the load of the small bank last long enough to be hit mid-way.
BATCH_SIZE = 40
RERUN_S = 300.0


def load_args(reader, url: str) -> list[str]:
    return ["load", str(reader.path), "--gremlin", url, "--batch-size", str(BATCH_SIZE), "--quiet"]


def element_count(reader) -> int:
    vertices, edges = expected_graph(reader)
    return sum(map(len, vertices.values())) + sum(map(len, edges.values()))


def start_and_wait_for(reader, url: str, rng: random.Random) -> CliRun:
    """A load, started and watched until a random share (5-80 %) of the dataset's elements is
    in the graph: the moment to strike, however fast the machine is today."""
    target = int(rng.uniform(0.05, 0.8) * element_count(reader))
    run = CliRun(load_args(reader, url))
    with GraphRepository(url, retries=0) as probe:
        wait_until(
            lambda: not run.running() or probe.count_vertices() + probe.count_edges() >= target,
            RERUN_S,
            f"{target:,} elements written",
        )
    assert run.running(), f"the load ended before the kill: {run.stderr_lines()[:5]}"
    return run


def test_gremlin_killed_mid_load_is_one_line_and_a_rerun_loads_everything(
    seed, services, dataset, empty_graph
):
    rng = random.Random(seed)
    run = start_and_wait_for(dataset, empty_graph, rng)
    kill_and_expect_one_line(run, lambda: services.kill("gremlin"))

    services.ensure(SERVICES)  # `up`: a fresh, empty server
    rerun = CliRun(load_args(dataset, services.gremlin_url))
    assert rerun.wait(RERUN_S) == 0, rerun.stderr_lines()[:5]
    with GraphRepository(services.gremlin_url, timeout_s=120) as repo:
        assert_graph_equals_dataset(repo, dataset)


def test_loader_killed_mid_load_then_a_rerun_loads_everything(seed, services, dataset, empty_graph):
    rng = random.Random(seed)
    run = start_and_wait_for(dataset, empty_graph, rng)
    run.kill()
    with GraphRepository(empty_graph, timeout_s=120) as repo:
        partial = repo.count_vertices() + repo.count_edges()
    rerun = CliRun(load_args(dataset, empty_graph))
    assert rerun.wait(RERUN_S) == 0, rerun.stderr_lines()[:5]
    with GraphRepository(empty_graph, timeout_s=120) as repo:
        assert_graph_equals_dataset(repo, dataset)
    assert 0 < partial < element_count(dataset)  # the kill did land mid-load
