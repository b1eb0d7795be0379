"""A Gremlin Server of the test's own (the project's jars and config, its own state folder and
port), which a test may kill -9 and start again: what a crashed server looks like to a client.

The port is the first free one of ``BANKING_TEST_PORTS`` (``LOW-HIGH``, for machines where
ports are shared out), else one the system picks.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    """A free 127.0.0.1 port, from ``BANKING_TEST_PORTS`` when set."""
    span = os.environ.get("BANKING_TEST_PORTS", "")
    candidates = range(0, 1)
    if span:
        low, _, high = span.partition("-")
        candidates = range(int(low), int(high or low) + 1)
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port in BANKING_TEST_PORTS={span}")


class OwnGremlin:
    """One Gremlin Server JVM on ``state_dir``; ``start``, ``kill`` (SIGKILL), ``stop``."""

    def __init__(self, state_dir: Path, heap: str = "512m") -> None:
        from banking.services import launch
        from banking.services.jars import ensure_jars
        from banking.services.settings import ServiceSettings

        gremlin_port = free_port()
        # Kafka is never started; its ports only need to differ from Gremlin's.
        self.settings = ServiceSettings.from_env(
            {
                "GREMLIN_PORT": str(gremlin_port),
                "KAFKA_PORT": str(gremlin_port + 1 if gremlin_port < 65534 else 1),
                "KAFKA_CONTROLLER_PORT": str(gremlin_port + 2 if gremlin_port < 65533 else 2),
                "BANKING_SERVICES_STATE": str(state_dir),
                "GREMLIN_HEAP": heap,
            }
        )
        ensure_jars(self.settings.repo_root / "services", log=lambda line: None)
        self.settings.service_dir("gremlin").mkdir(parents=True, exist_ok=True)
        self.command = launch.prepare(self.settings, "gremlin")
        self.log = launch.log_path(self.settings, "gremlin")
        self.url = f"ws://127.0.0.1:{gremlin_port}/gremlin"
        self.process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 120.0) -> None:
        from banking.services import probes

        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.settings.service_dir("gremlin"),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while not probes.gremlin_answers(self.url, 5.0):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"test Gremlin Server did not start; see {self.log}")
            time.sleep(0.5)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no goodbye to the clients."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
