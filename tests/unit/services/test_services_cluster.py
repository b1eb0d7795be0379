"""A Kafka cluster's layout, configs and status, without a JVM: ports and names of the nodes,
each node's server.properties, the sync report, and up/down over fake node processes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from banking.errors import UsageError
from banking.services import cli, manager, render
from banking.services.cluster import ClusterHealth, NodeSync, health_from_metadata
from banking.services.manager import ServiceState
from banking.services.process import (
    ProcessRecord,
    is_alive,
    marker_args,
    start_ticks,
    write_record,
)
from banking.services.settings import KAFKA_CLUSTER_FILE, ServiceSettings


def _cluster(tmp_path: Path, brokers: int = 3, **env: str) -> ServiceSettings:
    return ServiceSettings.from_env(
        {
            "KAFKA_PORT": "9092",
            "KAFKA_BROKERS": str(brokers),
            "BANKING_SERVICES_STATE": str(tmp_path / "state"),
            **env,
        }
    )


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return {key: value for key, value in pairs}


# --- layout ---------------------------------------------------------------------------------


def test_three_nodes_take_two_ports_each_from_kafka_port(tmp_path: Path) -> None:
    settings = _cluster(tmp_path)
    nodes = settings.kafka_nodes
    assert [(n.name, n.node_id, n.port, n.controller_port) for n in nodes] == [
        ("kafka-1", 1, 9092, 9093),
        ("kafka-2", 2, 9094, 9095),
        ("kafka-3", 3, 9096, 9097),
    ]
    assert settings.kafka_bootstrap == "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"
    assert settings.unit_names("kafka") == ("kafka-1", "kafka-2", "kafka-3")
    assert settings.service_dir("kafka-2") == (tmp_path / "state" / "kafka-2").resolve()
    assert settings.endpoint("kafka-3") == "127.0.0.1:9096"
    assert settings.replication_factor == 3 and settings.min_insync_replicas == 2


def test_one_node_keeps_todays_layout(tmp_path: Path) -> None:
    settings = _cluster(tmp_path, brokers=1, KAFKA_CONTROLLER_PORT="9300")
    assert [(n.name, n.port, n.controller_port) for n in settings.kafka_nodes] == [
        ("kafka", 9092, 9300)
    ]
    assert settings.unit_names("kafka") == ("kafka",)
    assert settings.kafka_bootstrap == "127.0.0.1:9092"
    assert settings.replication_factor == 1 and settings.min_insync_replicas == 1


def test_env_lines_list_every_broker(tmp_path: Path) -> None:
    lines = manager.env_lines(_cluster(tmp_path))
    assert "export KAFKA_BOOTSTRAP=127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096" in lines


def test_a_node_port_colliding_with_another_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="must all differ") as caught:
        _cluster(tmp_path, GREMLIN_PORT="9096")
    assert "kafka-3 port=9096" in str(caught.value)
    with pytest.raises(UsageError, match="must all differ"):
        _cluster(tmp_path, KAFKA_CONTROLLER_PORT="9095")


def test_node_ports_beyond_65535_are_refused(tmp_path: Path) -> None:
    assert _cluster(tmp_path, KAFKA_PORT="65530").kafka_nodes[-1].controller_port == 65535
    with pytest.raises(UsageError, match="at most 65535") as caught:
        _cluster(tmp_path, KAFKA_PORT="65531")
    assert "kafka-3 controller port=65536" in str(caught.value)
    assert "kafka-3 port=" not in str(caught.value)  # 65535 itself still fits


@pytest.mark.parametrize("value", ["0", "x", "10", "-1", "1.5"])
def test_bad_broker_counts_are_usage_errors(tmp_path: Path, value: str) -> None:
    with pytest.raises(UsageError, match="KAFKA_BROKERS"):
        _cluster(tmp_path, brokers=value)  # type: ignore[arg-type]


def test_the_size_recorded_by_up_is_found_without_being_told(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    env = {"BANKING_SERVICES_STATE": str(state)}
    assert ServiceSettings.from_env(env).kafka_brokers == 1
    (state / KAFKA_CLUSTER_FILE).write_text(json.dumps({"brokers": 3}))
    assert ServiceSettings.from_env(env).kafka_brokers == 3
    assert ServiceSettings.from_env({**env, "KAFKA_BROKERS": "1"}).kafka_brokers == 1
    (state / KAFKA_CLUSTER_FILE).write_text("{garbled")
    assert ServiceSettings.from_env(env).kafka_brokers == 1


def test_the_cli_option_overrides_and_is_checked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BANKING_SERVICES_STATE", str(tmp_path / "state"))
    monkeypatch.delenv("KAFKA_BROKERS", raising=False)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    with pytest.raises(UsageError, match="--kafka-brokers"):
        cli.run(parser.parse_args(["env", "--kafka-brokers", "zero"]))
    monkeypatch.setenv("KAFKA_PORT", "19092")
    lines: list[str] = []
    monkeypatch.setattr("builtins.print", lambda line: lines.append(line))
    assert cli.run(parser.parse_args(["env", "--kafka-brokers", "2"])) == 0
    assert "export KAFKA_BOOTSTRAP=127.0.0.1:19092,127.0.0.1:19094" in lines


# --- configs --------------------------------------------------------------------------------


def test_each_node_is_a_voter_broker_with_its_own_ports_and_folder(tmp_path: Path) -> None:
    settings = _cluster(tmp_path)
    voters = "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"
    for node in settings.kafka_nodes:
        data = settings.service_dir(node.name) / "data"
        props = _properties(render.kafka_server_properties(settings, data, node))
        assert props["node.id"] == str(node.node_id)
        assert props["process.roles"] == "broker,controller"
        assert props["controller.quorum.voters"] == voters
        assert props["listeners"] == (
            f"PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}"
        )
        assert props["advertised.listeners"] == f"PLAINTEXT://127.0.0.1:{node.port}"
        assert props["log.dirs"] == str(data)


def test_a_cluster_keeps_three_copies_two_in_sync(tmp_path: Path) -> None:
    settings = _cluster(tmp_path)
    props = _properties(render.kafka_server_properties(settings, tmp_path / "d"))
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "share.coordinator.state.topic.replication.factor",
    ):
        assert props[key] == "3", key
    for key in (
        "min.insync.replicas",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.min.isr",
    ):
        assert props[key] == "2", key


def test_a_single_node_keeps_one_copy(tmp_path: Path) -> None:
    settings = _cluster(tmp_path, brokers=1)
    props = _properties(render.kafka_server_properties(settings, tmp_path / "d"))
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert props["default.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert props["offsets.topic.replication.factor"] == "1"


def test_all_nodes_share_one_cluster_id(tmp_path: Path) -> None:
    # The id derives from the state folder only, so every node formats into the same cluster.
    assert render.kafka_cluster_id(_cluster(tmp_path)) == render.kafka_cluster_id(
        _cluster(tmp_path, brokers=1)
    )


# --- sync report ----------------------------------------------------------------------------


def _partition(leader: int, replicas: list[int], isr: list[int]) -> dict:
    return {"leader_id": leader, "replica_nodes": replicas, "isr_nodes": isr}


def test_a_node_out_of_the_isr_is_catching_up_and_its_partitions_under_replicated() -> None:
    topics = [
        {
            "name": "t",
            "partitions": [_partition(1, [1, 2, 3], [1, 3]), _partition(2, [2, 3, 1], [2, 3, 1])],
        },
        {"name": "__consumer_offsets", "partitions": [_partition(3, [3, 1, 2], [3, 1])]},
    ]
    health = health_from_metadata([3, 1, 2], topics)
    assert health.brokers == (1, 2, 3)
    assert health.partitions == 3 and health.under_replicated == 2 and health.offline == 0
    assert health.node(1) == NodeSync(1, 3, 3)
    assert health.node(2) == NodeSync(2, 3, 1)
    assert not health.node(2).caught_up and health.node(3).caught_up
    assert health.node(2).describe() == "catching up (1/3 replicas in ISR)"
    assert health.summary(3) == "3/3 brokers registered, 2 under-replicated of 3 partitions"


def test_leaderless_partitions_are_offline_and_a_whole_cluster_has_none_under() -> None:
    lost = health_from_metadata([1], [{"partitions": [_partition(-1, [2], [])]}])
    assert lost.offline == 1 and lost.summary(3).endswith("1 offline")
    whole = health_from_metadata([1, 2, 3], [{"partitions": [_partition(1, [1, 2, 3], [1, 2, 3])]}])
    assert whole.under_replicated == 0 and all(n.caught_up for n in whole.nodes.values())
    assert whole.node(7) == NodeSync(7, 0, 0)  # a node with no replicas has nothing to catch up


def test_status_lines_say_which_node_is_down_or_catching_up(tmp_path: Path) -> None:
    settings = _cluster(tmp_path)
    states = [
        ServiceState("gremlin", "up", "pid 1  ws://127.0.0.1:8182/gremlin"),
        ServiceState("kafka-1", "up", "pid 2  127.0.0.1:9092"),
        ServiceState("kafka-2", "up", "pid 3  127.0.0.1:9094"),
        ServiceState("kafka-3", "down", "127.0.0.1:9096"),
    ]
    health = ClusterHealth(
        brokers=(1, 2),
        partitions=4,
        under_replicated=4,
        offline=0,
        nodes={1: NodeSync(1, 4, 4), 2: NodeSync(2, 4, 1), 3: NodeSync(3, 4, 0)},
    )
    lines = manager.with_sync(settings, states, health)
    assert lines[0] == "gremlin: up           pid 1  ws://127.0.0.1:8182/gremlin"
    assert lines[1] == "kafka-1: up           pid 2  127.0.0.1:9092  in sync (4/4 replicas in ISR)"
    assert lines[2].endswith("127.0.0.1:9094  catching up (1/4 replicas in ISR)")
    assert lines[3] == "kafka-3: down         127.0.0.1:9096"
    assert lines[4] == "cluster: 2/3 brokers registered, 4 under-replicated of 4 partitions"
    unregistered = ClusterHealth((1,), 0, 0, 0)
    assert manager.with_sync(settings, states[2:3], unregistered)[0].endswith(
        "not registered with the controller"
    )
    assert manager.with_sync(settings, states[1:2], None)[-1] == (
        "cluster: no broker answers a metadata request"
    )


def test_a_single_broker_status_has_no_cluster_line(tmp_path: Path) -> None:
    settings = _cluster(tmp_path, brokers=1)
    states = [ServiceState("kafka", "up", "pid 2  127.0.0.1:9092")]
    assert manager.with_sync(settings, states, None) == [
        "kafka:   up           pid 2  127.0.0.1:9092"
    ]


# --- up and down over fake node processes ---------------------------------------------------

SLEEPER = "import time; print('ready', flush=True); time.sleep(60)"


@pytest.fixture()
def children() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for child in started:
        child.kill()
        child.wait()


def _fake_node(
    settings: ServiceSettings, name: str, children: list[subprocess.Popen]
) -> subprocess.Popen:
    """A process carrying the markers of ``name`` (what ``is_ours`` checks), recorded as the
    node's PID in the state folder."""
    child = subprocess.Popen(
        [sys.executable, "-c", SLEEPER, *marker_args(settings.state_dir, name)],
        stdout=subprocess.PIPE,
    )
    children.append(child)
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    ports = (1, 2) if name == "kafka" else (3, 4)
    record = ProcessRecord(name, child.pid, start_ticks(child.pid) or -1, ports, "x", "/l")
    settings.service_dir(name).mkdir(parents=True, exist_ok=True)
    write_record(settings.service_dir(name), record)
    return child


def test_up_refuses_a_cluster_while_the_single_broker_runs(tmp_path, children) -> None:
    single = _cluster(tmp_path, brokers=1)
    _fake_node(single, "kafka", children)
    with pytest.raises(UsageError, match=r"runs from .* as kafka, not as the 3-broker layout"):
        manager.up(_cluster(tmp_path), only="kafka", echo=lambda line: None)
    with pytest.raises(UsageError, match="run `down` first"):
        manager.up(_cluster(tmp_path, brokers=2), only="kafka", echo=lambda line: None)


def test_down_stops_every_recorded_node_and_forgets_the_cluster(tmp_path, children) -> None:
    settings = _cluster(tmp_path)
    nodes = [_fake_node(settings, name, children) for name in settings.unit_names("kafka")]
    (settings.state_dir / KAFKA_CLUSTER_FILE).write_text(json.dumps({"brokers": 3}))
    lines: list[str] = []
    # Told nothing about the layout (KAFKA_BROKERS=1), down still finds the three nodes.
    assert manager.down(_cluster(tmp_path, brokers=1), "kafka", echo=lines.append) == 0
    assert not any(is_alive(node.pid) for node in nodes)
    assert {line.split(":")[0] for line in lines if "stopped" in line} == {
        "kafka-1",
        "kafka-2",
        "kafka-3",
    }
    assert not (settings.state_dir / KAFKA_CLUSTER_FILE).exists()
    assert not list(settings.state_dir.glob("kafka*/process.json"))
