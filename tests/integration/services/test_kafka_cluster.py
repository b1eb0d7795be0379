"""A three-node Kafka cluster that loses a broker, twice: under ``banking stream produce`` and
under ``banking stream consume --to-graph``. Neither command is restarted, both must succeed,
and the graph must end up holding every record of the dataset exactly once.

The test starts its own cluster and Gremlin Server (its own state folder and ports) through
``banking.services.manager``, restarts the killed node with ``services/run.sh up`` (told
nothing about the cluster size: the state folder recorded it) and reads ``status`` until the
node has caught up.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fault_helpers import CliRun, assert_graph_equals_dataset

from banking.dataset import DatasetReader
from banking.graph.mapping import ENTITIES
from banking.services import manager
from banking.services.settings import ServiceSettings
from banking_repository import GraphRepository

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
RUN_SH = REPO / "services" / "run.sh"
SEED = 7
COMMAND_BOUND_S = 180.0
CATCH_UP_BOUND_S = 60.0


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_block(size: int, first: int = 19100, last: int = 19199) -> int:
    """The first port of ``size`` consecutive free ports in [first, last]."""
    for base in range(first, last - size + 2):
        if all(_port_free(p) for p in range(base, base + size)):
            return base
    pytest.skip(f"no {size} consecutive free ports in {first}-{last}")


@dataclass
class Cluster:
    settings: ServiceSettings
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    def pid(self, name: str) -> int:
        return json.loads((self.settings.service_dir(name) / "process.json").read_text())["pid"]

    def run_sh(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RUN_SH), *args], env=self.env, capture_output=True, text=True, timeout=300
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if shutil.which("java") is None and os.environ.get("BANKING_REQUIRE_SERVICES") != "1":
        pytest.skip("java is not installed")
    base = _free_block(7)  # gremlin, then three nodes of two ports each
    env = {
        "GREMLIN_PORT": str(base),
        "KAFKA_PORT": str(base + 1),
        "KAFKA_CONTROLLER_PORT": str(base + 2),
        "BANKING_SERVICES_STATE": str(tmp_path_factory.mktemp("cluster-state")),
        "GREMLIN_HEAP": "512m",
        "KAFKA_HEAP": "512m",
    }
    settings = ServiceSettings.from_env({**env, "KAFKA_BROKERS": "3"})
    # run.sh gets no KAFKA_BROKERS: it must find the size the state folder recorded.
    run_env = {**os.environ, **env, "PYTHON": sys.executable}
    run_env.pop("KAFKA_BROKERS", None)
    started = time.monotonic()
    try:
        manager.up(settings, echo=lambda line: None)
        timings = {"up_cold_s": time.monotonic() - started}
        yield Cluster(settings, run_env, timings)
    finally:
        manager.down(settings, echo=lambda line: None)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    generate = pytest.importorskip("banking.data_generators.orchestration").generate_bank
    directory = tmp_path_factory.mktemp("bank") / "data"
    generate(0.002, SEED, out_dir=directory, fmt="jsonl")
    return directory


def _kill_during(cluster: Cluster, watched: CliRun, line: str, rng: random.Random) -> str:
    """kill -9 a node chosen by ``rng`` once ``watched`` printed ``line``, while it runs."""
    watched.wait_for_stderr(line, COMMAND_BOUND_S)
    victim = rng.choice(cluster.settings.unit_names("kafka"))
    os.kill(cluster.pid(victim), signal.SIGKILL)
    assert watched.process.poll() is None, "the command ended before the broker was killed"
    return victim


def _wait_caught_up(cluster: Cluster, node: str) -> tuple[float, str]:
    started = time.monotonic()
    status = ""
    while time.monotonic() - started < CATCH_UP_BOUND_S:
        status = cluster.run_sh("status", "--only", "kafka").stdout
        lines = status.splitlines()
        mine = next((ln for ln in lines if ln.startswith(f"{node}:")), "")
        if " up " in mine and "in sync" in mine and "0 under-replicated" in lines[-1]:
            return time.monotonic() - started, status
        time.sleep(1.0)
    pytest.fail(f"{node} not caught up within {CATCH_UP_BOUND_S:.0f} s:\n{status}")


def _topic_counts(bootstrap: str, prefix: str, entities: list[str]) -> dict[str, int]:
    from kafka import KafkaConsumer
    from kafka.structs import TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        out = {}
        for entity in entities:
            topic = prefix + entity
            tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            out[entity] = sum(consumer.end_offsets(tps).values())
        return out
    finally:
        consumer.close(autocommit=False)


def test_produce_and_consume_survive_a_killed_broker(cluster: Cluster, dataset: Path) -> None:
    from kafka import KafkaAdminClient

    rng = random.Random(SEED)
    reader = DatasetReader(dataset)
    counts = {entity: reader.count(entity) for entity in ENTITIES}
    prefix = f"cluster{os.getpid()}."
    bootstrap = cluster.bootstrap
    assert bootstrap.count(",") == 2

    # --- produce, losing a broker on the way -----------------------------------------------
    produce = CliRun(["stream", "produce", str(dataset), "--bootstrap", bootstrap,
                      "--topic-prefix", prefix])  # fmt: skip
    victim = _kill_during(cluster, produce, "events queued", rng)
    code = produce.wait(COMMAND_BOUND_S)
    produce_s = time.monotonic() - produce.started
    assert code == 0, "\n".join(produce.stderr_lines()[-20:])
    assert f"produced {sum(counts.values()):,} events" in "\n".join(produce.stdout)
    # Idempotent, acks=all producer: each record once on its topic, none lost.
    assert _topic_counts(bootstrap, prefix, list(counts)) == counts

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        described = admin.describe_topics([prefix + "transactions"])[0]["partitions"]
        assert {len(p["replica_nodes"]) for p in described} == {3}
    finally:
        admin.close()

    # --- the killed node comes back on its data and catches up --------------------------------
    restart_started = time.monotonic()
    restarted = cluster.run_sh("up", "--only", "kafka")
    restart_s = time.monotonic() - restart_started
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert f"{victim}: starting" in restarted.stdout and "data kept" in restarted.stdout
    assert restarted.stdout.count("already running") == 2
    catch_up_s, status = _wait_caught_up(cluster, victim)

    # --- consume into the graph, losing a broker on the way ---------------------------------
    consume = CliRun(["stream", "consume", "--to-graph", "--bootstrap", bootstrap,
                      "--gremlin-url", cluster.settings.gremlin_url, "--topic-prefix", prefix,
                      "--batch-size", "1000"])  # fmt: skip
    second = _kill_during(cluster, consume, "consumed ", rng)
    code = consume.wait(COMMAND_BOUND_S)
    consume_s = time.monotonic() - consume.started
    assert code == 0, "\n".join(consume.stderr_lines()[-20:])
    assert "0 dead-lettered" in "\n".join(consume.stdout)

    with GraphRepository(cluster.settings.gremlin_url) as repo:
        assert_graph_equals_dataset(repo, reader)

    print(
        f"\ncluster: up from cold {cluster.timings['up_cold_s']:.1f} s; produce with {victim} "
        f"killed {produce_s:.1f} s; `up` restarted {victim} in {restart_s:.1f} s, caught up "
        f"{catch_up_s:.1f} s later; "
        f"consume with {second} killed {consume_s:.1f} s\n{status}"
    )
