"""Shared fixtures: service endpoints for integration tests.

Integration tests talk to the real Gremlin Server and Kafka broker (``services/run.sh up``).
Where a service does not answer they are skipped, unless ``BANKING_REQUIRE_SERVICES=1`` (set by
``.ci/run``), where a missing service is a failure: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

DEFAULT_GREMLIN_URL = "ws://127.0.0.1:8182/gremlin"
DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"


def _answers(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _require(name: str, host: str, port: int) -> None:
    if _answers(host, port):
        return
    message = f"{name} does not answer on {host}:{port} (start it with services/run.sh up)"
    if os.environ.get("BANKING_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def gremlin_url() -> str:
    url = os.environ.get("GREMLIN_URL", DEFAULT_GREMLIN_URL)
    parsed = urlparse(url)
    _require("Gremlin Server", parsed.hostname or "127.0.0.1", parsed.port or 8182)
    return url


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    _require("Kafka", host or "127.0.0.1", int(port or 9092))
    return bootstrap
