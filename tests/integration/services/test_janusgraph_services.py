"""JanusGraph Server on Cassandra through ``services/run.sh``: up, status, schema, faults, down.

The pair starts on ports from the session's pool in a state folder of its own (a watchdog stops
it if pytest dies), so nothing serving the default ports is touched.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from banking.graph.schema import SCHEMA
from banking.services import probes
from banking.services.process import is_alive

pytestmark = pytest.mark.integration

RUN_SH = Path(__file__).resolve().parents[3] / "services" / "run.sh"


class Pair:
    """``services/run.sh`` bound to one state folder and the ports of an OwnedServices."""

    def __init__(self, owned: object) -> None:
        settings = owned.settings  # type: ignore[attr-defined]
        self.settings = settings
        self.state = settings.state_dir
        self.url = settings.janusgraph_url
        self.env = {
            **os.environ,
            "PYTHON": sys.executable,
            "BANKING_SERVICES_STATE": str(settings.state_dir),
            "GREMLIN_PORT": str(settings.gremlin_port),
            "KAFKA_PORT": str(settings.kafka_port),
            "KAFKA_CONTROLLER_PORT": str(settings.kafka_controller_port),
            "JANUSGRAPH_PORT": str(settings.janusgraph_port),
            "CASSANDRA_PORT": str(settings.cassandra_port),
            "CASSANDRA_STORAGE_PORT": str(settings.cassandra_storage_port),
            "CASSANDRA_JMX_PORT": str(settings.cassandra_jmx_port),
            "JANUSGRAPH_HEAP": settings.janusgraph_heap,
            "CASSANDRA_HEAP": settings.cassandra_heap,
            "GREMLIN_HEAP": "512m",
            "KAFKA_HEAP": "512m",
        }

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RUN_SH), *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=600,
        )

    def pids(self) -> dict[str, int]:
        return {
            path.parent.name: json.loads(path.read_text())["pid"]
            for path in self.state.glob("*/process.json")
        }


@pytest.fixture(scope="module")
def pair(service_factory) -> Iterator[Pair]:  # type: ignore[no-untyped-def]
    owned = service_factory.create("janusgraph-cli")
    owned.ensure([])  # only the checks (Java, Maven) and the watchdog: skips without Java
    started = Pair(owned)
    done = started.run("up", "--graph", "janusgraph", "--only", "janusgraph")
    try:
        assert done.returncode == 0, done.stdout + done.stderr
        yield started
    finally:
        started.run("down")


def test_up_starts_cassandra_then_janusgraph_and_prints_the_url(pair: Pair) -> None:
    env = pair.run("env")
    assert f"export JANUSGRAPH_URL={pair.url}" in env.stdout
    assert probes.gremlin_answers(pair.url)  # a real traversal: the graph opened


def test_status_shows_the_pair_up_and_the_node_joined(pair: Pair) -> None:
    status = pair.run("status", "--only", "janusgraph")
    assert status.returncode == 0, status.stdout + status.stderr
    lines = status.stdout.splitlines()
    assert any(ln.startswith("cassandra: up") and ln.endswith("joined") for ln in lines), lines
    assert any(ln.startswith("janusgraph: up") and pair.url in ln for ln in lines), lines


def test_up_again_keeps_the_same_processes(pair: Pair) -> None:
    before = pair.pids()
    again = pair.run("up", "--only", "janusgraph")  # the engines are recorded
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("already running") == 2
    assert pair.pids() == before and set(before) == {"cassandra", "janusgraph"}


def test_the_server_holds_the_declared_schema(pair: Pair) -> None:
    from gremlin_python.driver.driver_remote_connection import DriverRemoteConnection
    from gremlin_python.process.anonymous_traversal import traversal

    connection = DriverRemoteConnection(pair.url, "schema")
    try:
        s = traversal().with_remote(connection)
        keys = s.V().has_label("property_key").value_map("name", "data_type", "cardinality")
        declared = {k["name"][0]: (k["data_type"][0], k["cardinality"][0]) for k in keys.to_list()}
        for key in SCHEMA.keys:
            assert declared.get(key.name) == (key.data_type, key.cardinality), key
        index = s.V().has_label("edge_index").has("name", "byEdgeId").value_map().to_list()
        assert index == [{"name": ["byEdgeId"], "keys": ["edge_id"], "composite": [True],
                          "status": ["ENABLED"]}]  # fmt: skip
        assert set(s.V().has_label("vertex_label").values("name").to_list()) == set(
            SCHEMA.vertex_labels
        )
        assert set(s.V().has_label("edge_label").values("name").to_list()) >= set(
            SCHEMA.edge_labels
        )
    finally:
        connection.close()


def test_a_typed_key_converts_numbers_and_refuses_text(pair: Pair) -> None:
    from gremlin_python.driver.driver_remote_connection import DriverRemoteConnection
    from gremlin_python.driver.protocol import GremlinServerError
    from gremlin_python.process.anonymous_traversal import traversal
    from gremlin_python.process.traversal import T

    from banking_repository.connection import quiet_server_errors

    connection = DriverRemoteConnection(pair.url, "g")
    try:
        g = traversal().with_remote(connection)
        # ids with hyphens need the relation delimiter; an int first does not make it Integer
        g.add_v("account").property(T.id, "ACC-T-1").property("balance", 5).iterate()
        g.add_v("account").property(T.id, "ACC-T-2").property("balance", 903.28).iterate()
        assert sorted(g.V("ACC-T-1", "ACC-T-2").values("balance").to_list()) == [5.0, 903.28]
        with quiet_server_errors(), pytest.raises(GremlinServerError, match="balance"):
            g.add_v("account").property(T.id, "ACC-T-3").property("balance", "lots").iterate()
        g.V("ACC-T-1", "ACC-T-2").drop().iterate()
    finally:
        connection.close()


def test_a_taken_port_is_one_line_and_starts_nothing(pair: Pair, tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        done = pair.run(
            "up",
            "--graph",
            "janusgraph",
            "--only",
            "janusgraph",
            BANKING_SERVICES_STATE=str(tmp_path / "other"),
            JANUSGRAPH_PORT=str(port),
            CASSANDRA_PORT=str(port + 1) if port < 65000 else "9343",
        )
    assert done.returncode != 0
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("services: error: ") and "in use" in errors[0]
    assert "log " in errors[0]
    assert not list((tmp_path / "other").glob("*/process.json"))


def test_a_failed_start_names_the_service_and_stops_what_it_started(
    pair: Pair,
    service_factory,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    other = Pair(service_factory.create("janusgraph-fault"))
    # The JVM refuses a heap this small at once: Cassandra exits during start-up, while Gremlin
    # Server and Kafka, started beside it, come up and must be stopped again.
    done = other.run("up", "--graph", "tinkergraph,janusgraph", CASSANDRA_HEAP="1m")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("services: error: services not ready: cassandra exited")
    assert f"(log {other.state / 'cassandra' / 'cassandra.log'})" in last
    assert not other.pids()  # nothing left recorded, nothing left running


def test_down_stops_both(pair: Pair) -> None:
    pids = pair.pids()
    done = pair.run("down")
    assert done.returncode == 0, done.stderr
    assert not any(is_alive(pid) for pid in pids.values())
    status = pair.run("status", "--only", "janusgraph")
    assert status.returncode == 1 and "janusgraph: down" in status.stdout


def test_the_session_fixture_serves_a_writable_graph(janusgraph_url: str) -> None:
    """Other tests share the session's graph (in any order), so this writes, reads back and
    deletes a vertex of its own rather than expecting an empty graph."""
    from banking_repository import GraphRepository

    with GraphRepository(janusgraph_url) as repo:
        assert repo.health()
        assert repo.upsert_vertex("person", {"entity_id": "PER-FIXTURE", "first_name": "f"}) == 1
        assert (repo.get_vertex("PER-FIXTURE") or {}).get("first_name") == "f"
        assert repo.delete_vertices("person", ["PER-FIXTURE"]) == 1
        assert repo.get_vertex("PER-FIXTURE") is None
