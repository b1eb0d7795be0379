"""The real services on spare ports in a temporary state folder: up, status, queries, down.

These start their own Gremlin Server and Kafka broker (so they never disturb an instance already
serving 8182/9092) through ``services/run.sh``, exactly as CI and developers do.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from banking.services import probes
from banking.services.process import is_alive, start_ticks, terminate

pytestmark = pytest.mark.integration

RUN_SH = Path(__file__).resolve().parents[3] / "services" / "run.sh"


def _free_ports(count: int) -> list[int]:
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


class Services:
    """``services/run.sh`` bound to one state folder and one set of ports."""

    def __init__(self, state: Path) -> None:
        gremlin, kafka, controller = _free_ports(3)
        self.state = state
        self.gremlin_url = f"ws://127.0.0.1:{gremlin}/gremlin"
        self.kafka_bootstrap = f"127.0.0.1:{kafka}"
        self.env = {
            **os.environ,
            "PYTHON": sys.executable,
            "GREMLIN_PORT": str(gremlin),
            "KAFKA_PORT": str(kafka),
            "KAFKA_CONTROLLER_PORT": str(controller),
            "BANKING_SERVICES_STATE": str(state),
            "GREMLIN_HEAP": "512m",
            "KAFKA_HEAP": "512m",
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RUN_SH), *args], env=self.env, capture_output=True, text=True, timeout=400
        )

    def pid(self, name: str) -> int:
        return json.loads((self.state / name / "process.json").read_text())["pid"]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    if shutil.which("java") is None and os.environ.get("BANKING_REQUIRE_SERVICES") != "1":
        pytest.skip("java is not installed")
    svc = Services(tmp_path_factory.mktemp("services-state"))
    started = svc.run("up")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield svc
    finally:
        svc.run("down")


def test_up_prints_the_endpoints(services: Services) -> None:
    status = services.run("env")
    assert f"export GREMLIN_URL={services.gremlin_url}" in status.stdout
    assert f"export KAFKA_BOOTSTRAP={services.kafka_bootstrap}" in status.stdout


def test_status_reports_both_up(services: Services) -> None:
    status = services.run("status")
    assert status.returncode == 0, status.stdout + status.stderr
    lines = status.stdout.splitlines()
    assert any(line.startswith("gremlin:") and " up " in line for line in lines)
    assert any(line.startswith("kafka:") and " up " in line for line in lines)


def test_up_twice_keeps_the_same_processes(services: Services) -> None:
    before = {name: services.pid(name) for name in ("gremlin", "kafka")}
    again = services.run("up")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already running" in again.stdout
    assert {name: services.pid(name) for name in ("gremlin", "kafka")} == before


def test_a_gremlin_bytecode_traversal_answers_with_natural_keys_as_ids(
    services: Services,
) -> None:
    from gremlin_python.driver.driver_remote_connection import DriverRemoteConnection
    from gremlin_python.process.anonymous_traversal import traversal
    from gremlin_python.process.traversal import T

    connection = DriverRemoteConnection(services.gremlin_url, "g")
    try:
        g = traversal().with_remote(connection)
        assert g.inject(1).to_list() == [1]
        account = g.add_v("account").property(T.id, "ACC-1").property("entity_id", "ACC-1")
        account.property("name", 'it\'s "x"').iterate()  # ANY id manager: string ids accepted
        g.V("ACC-1").property("name", "y").iterate()
        # single cardinality: the upsert replaced the value instead of adding a second one
        assert g.V("ACC-1").values("name").to_list() == ["y"]
    finally:
        connection.close()


def test_kafka_answers_a_metadata_request_and_carries_messages(services: Services) -> None:
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=services.kafka_bootstrap)
    try:
        assert admin.describe_cluster()["brokers"]
        admin.create_topics([NewTopic("svc-it", 2, 1)])
        assert "svc-it" in admin.list_topics()
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=services.kafka_bootstrap, acks="all")
    for i in range(5):
        producer.send("svc-it", key=str(i).encode(), value=f"m{i}".encode())
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(
        "svc-it",
        bootstrap_servers=services.kafka_bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=20_000,
    )
    try:
        values = sorted(message.value for message in consumer)
    finally:
        consumer.close()
    assert values == [f"m{i}".encode() for i in range(5)]


def _read_all(bootstrap: str, topic: str) -> list[bytes]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=20_000
    )
    try:
        return sorted(message.value for message in consumer)
    finally:
        consumer.close()


def test_keep_data_restart_keeps_topics_and_a_plain_restart_does_not(services: Services) -> None:
    """Runs after the messages test: its topic ``svc-it`` holds five messages."""
    from kafka import KafkaAdminClient

    def topics() -> set[str]:
        admin = KafkaAdminClient(bootstrap_servers=services.kafka_bootstrap)
        try:
            return set(admin.list_topics())
        finally:
            admin.close()

    for keep in (True, False):
        stopped = services.run("down", "--only", "kafka")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        args = ("up", "--only", "kafka", *(["--keep-data"] if keep else []))
        started = services.run(*args)
        assert started.returncode == 0, started.stdout + started.stderr
        if keep:
            assert "svc-it" in topics()
            assert _read_all(services.kafka_bootstrap, "svc-it") == [
                f"m{i}".encode() for i in range(5)
            ]
        else:
            assert "svc-it" not in topics()


def test_down_spares_a_foreign_pid_then_status_says_down(services: Services) -> None:
    """Runs last in this module: it stops the module's services."""
    kafka_pid = services.pid("kafka")
    gremlin_pid = services.pid("gremlin")
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # Point the gremlin record at a process this tool did not start.
        record_path = services.state / "gremlin" / "process.json"
        record = json.loads(record_path.read_text())
        record.update(pid=stranger.pid, start_ticks=start_ticks(stranger.pid))
        record_path.write_text(json.dumps(record))

        stopped = services.run("down", "--only", "kafka")
        assert stopped.returncode == 0
        assert not is_alive(kafka_pid)

        stopped = services.run("down")
        assert stopped.returncode == 0
        assert "not a process started here" in stopped.stdout
        assert stranger.poll() is None and is_alive(stranger.pid)
        assert is_alive(gremlin_pid)  # its record was overwritten, so down cannot know it

        status = services.run("status")
        assert status.returncode == 1
        assert not probes.kafka_answers(services.kafka_bootstrap, timeout=2)
        assert "kafka:   down" in status.stdout

        again = services.run("down")
        assert again.returncode == 0
        assert "not running" in again.stdout
    finally:
        stranger.kill()
        stranger.wait()
        # the gremlin we orphaned on purpose is ours: stop it by its own PID
        if is_alive(gremlin_pid):
            terminate(gremlin_pid)
