"""Helpers for the streaming integration tests: unique topics, reading topics back, a broker
the test can stop and restart with its data kept."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer
from kafka.structs import TopicPartition


def unique_prefix(name: str) -> str:
    """A topic prefix no other run uses (tests must not see each other's events)."""
    return f"t{os.getpid()}{time.monotonic_ns() % 10**9}.{name}."


def read_topic(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[Any]:
    """Every message of ``topic`` (all partitions) up to its current end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        out: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in tps):
            assert time.monotonic() < deadline, f"timed out reading {topic}"
            for messages in consumer.poll(timeout_ms=1000).values():
                out.extend(messages)
        return out
    finally:
        consumer.close(autocommit=False)


def free_port() -> int:
    """A free local port; from ``BANKING_TEST_PORTS`` (``low-high``) when set, so runs that share
    a machine can keep to their own range, else any port the OS picks."""
    wanted = os.environ.get("BANKING_TEST_PORTS", "")
    if wanted:
        low, _, high = wanted.partition("-")
        for port in range(int(low), int(high or low) + 1):
            if port in _TAKEN:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _TAKEN.add(port)
            return port
        raise RuntimeError(f"no free port in BANKING_TEST_PORTS={wanted}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_TAKEN: set[int] = set()  # handed out already (a broker may not have bound it yet)


class RestartableBroker:
    """A Kafka broker of its own (the project's jars and config), stopped and started again on
    the same data folder: what a broker restart in production looks like.

    ``services/run.sh up`` formats a fresh data folder on every start, so a restart through it
    would lose the topics; this keeps the folder and only restarts the JVM.
    """

    def __init__(self, state_dir: Path) -> None:
        from banking.services import launch
        from banking.services.jars import ensure_jars
        from banking.services.settings import ServiceSettings

        port = free_port()
        controller = free_port()
        self.settings = ServiceSettings.from_env(
            {
                "KAFKA_PORT": str(port),
                "KAFKA_CONTROLLER_PORT": str(controller),
                "GREMLIN_PORT": str(free_port()),
                "BANKING_SERVICES_STATE": str(state_dir),
            }
        )
        ensure_jars(self.settings.repo_root / "services", log=lambda line: None)
        self.settings.service_dir("kafka").mkdir(parents=True, exist_ok=True)
        self.command = launch.prepare(self.settings, "kafka")  # formats the data folder once
        self.log = launch.log_path(self.settings, "kafka")
        self.bootstrap = self.settings.kafka_bootstrap
        self.process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 120.0) -> None:
        from banking.services import probes

        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.settings.service_dir("kafka"),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while not probes.kafka_answers(self.bootstrap, 5.0):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"test broker did not start; see {self.log}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
